#!/usr/bin/env node
/**
 * Mutation testing of the security-deciding code: StrykerJS once per group of
 * stryker.config.mjs (its files or functions, its tests, per-test coverage),
 * then a score per unit (a whole file, or one named function of a file).
 *
 *   npm run mutate                          every group
 *   npm run mutate -- --group record,finished
 *   npm run mutate -- --group g --unit src/x.ts   only the units of g whose name (file or
 *                                           file#function) starts with one of the prefixes given
 *   npm run mutate -- --record [--group g]  run, then write the units' scores into
 *                                           docs/mutation-scores.json and the table of
 *                                           docs/mutation.md (groups not run keep their rows)
 *   npm run mutate -- --changed             CI: mutate only the lines of the scoped units that
 *                                           differ from the change's base (MUTATE_BASE, else the
 *                                           merge base with origin/main or main, else the
 *                                           previous commit); fail when a file's mutants on
 *                                           those lines score below THRESHOLD
 *
 * Options: --plan (with --changed): print the lines it would mutate and stop;
 * --render: only rebuild docs/mutation.md's scores block from docs/mutation-scores.json;
 * --concurrency N (default from stryker.config.mjs); --reuse: read the
 * groups' last reports in reports/mutation/ instead of running Stryker (to
 * re-record or re-print a run); --force: test every mutant again (each group
 * otherwise runs in Stryker's incremental mode: a mutant whose code and
 * covering tests are unchanged since the last run of its group, per
 * reports/mutation/<group>.incremental.json, keeps its result). Environment:
 * MUTATE_MAX_LINES (default 25) caps the lines --changed mutates, which bounds
 * its time; the lines beyond it are named, with the full group run to check them.
 *
 * StrykerJS 10 needs Node 22+: on an older Node the script re-runs itself under
 * the Node 24 that tools/node24.sh fetches from the npm registry.
 * Reports: reports/mutation/<group>.json (mutation-testing-report-schema) and
 * reports/mutation/<group>.html.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SCORES = join(ROOT, 'docs/mutation-scores.json');
const DOC = join(ROOT, 'docs/mutation.md');
const REPORTS = join(ROOT, 'reports/mutation');
/** The mutation score (%) below which `--changed` fails. */
const THRESHOLD = 90;
const MAX_LINES = Number(process.env.MUTATE_MAX_LINES ?? 25);

if (Number(process.versions.node.split('.')[0]) < 22) {
  const r = spawnSync('bash', [join(ROOT, 'tools/node24.sh'), '--exec', 'node', fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit', cwd: ROOT });
  process.exit(r.status ?? 1);
}

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

const { groups, rangeNames } = await import(pathToFileURL(join(ROOT, 'stryker.config.mjs')).href);

/**
 * @typedef {{ group: string, entry: string, file: string, start?: number, end?: number, name: string }} Unit
 * A mutate entry of a group: `file` or `file:start-end` (a function, see `fns`).
 */

/** @returns {Unit} */
function unitOf(group, entry) {
  const m = /^(.*):(\d+)-(\d+)$/.exec(entry);
  if (!m) return { group, entry, file: entry, name: entry };
  return { group, entry, file: m[1], start: Number(m[2]), end: Number(m[3]), name: `${m[1]}#${rangeNames.get(entry) ?? `${m[2]}-${m[3]}`}` };
}

function git(...a) {
  const r = spawnSync('git', a, { cwd: ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout : undefined;
}

/**
 * The commit the change is measured against: MUTATE_BASE; else where HEAD left
 * main (the merge base with origin/main or main) when HEAD is not on main; else
 * the previous commit (CI on main itself checks the last commit).
 * @returns {{ commit: string, why: string } | undefined}
 */
function changeBase() {
  const env = process.env.MUTATE_BASE;
  if (env) {
    const c = git('rev-parse', '--verify', '--quiet', `${env}^{commit}`)?.trim();
    if (!c) throw new Error(`MUTATE_BASE=${env} is not a commit`);
    return { commit: c, why: `MUTATE_BASE=${env}` };
  }
  const head = git('rev-parse', 'HEAD')?.trim();
  for (const ref of ['origin/main', 'main']) {
    const mb = git('merge-base', 'HEAD', ref)?.trim();
    if (mb && mb !== head) return { commit: mb, why: `the merge base with ${ref}` };
  }
  const prev = git('rev-parse', '--verify', '--quiet', 'HEAD~1^{commit}')?.trim();
  return prev ? { commit: prev, why: 'the previous commit' } : undefined;
}

/**
 * The lines of `files` (in the working tree) that differ from `base`: the new
 * side of each hunk of `git diff -U0 base`. A file that did not exist at base
 * is new in every line.
 * @returns {Map<string, number[]>}
 */
function changedLines(base, files) {
  const out = new Map();
  const diff = git('diff', '-U0', '--no-color', '--no-ext-diff', base, '--', ...files);
  if (diff === undefined) throw new Error(`git diff ${base} failed`);
  let file;
  for (const line of diff.split('\n')) {
    const f = /^\+\+\+ b\/(.*)$/.exec(line);
    if (f) { file = f[1]; continue; }
    const h = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (!h || !file) continue;
    const start = Number(h[1]);
    const count = h[2] === undefined ? 1 : Number(h[2]);
    const list = out.get(file) ?? [];
    for (let n = start; n < start + count; n++) list.push(n);
    out.set(file, list);
  }
  return out;
}

/** Whether a source line can hold a mutant worth a run (not blank, a comment or lone punctuation). */
function worthMutating(text) {
  const t = text.trim();
  return /[A-Za-z0-9]/.test(t) && !/^(\/\/|\*|\/\*|import\b|\} from\b)/.test(t);
}

/** Ranges [start, end] of consecutive line numbers. */
function ranges(numbers) {
  const out = [];
  for (const n of numbers) {
    const last = out.at(-1);
    if (last && last[1] === n - 1) last[1] = n;
    else out.push([n, n]);
  }
  return out;
}

function score(mutants) {
  const c = { killed: 0, timeout: 0, survived: 0, noCoverage: 0, ignored: 0, errors: 0 };
  for (const m of mutants) {
    if (m.status === 'Killed') c.killed++;
    else if (m.status === 'Timeout') c.timeout++;
    else if (m.status === 'Survived') c.survived++;
    else if (m.status === 'NoCoverage') c.noCoverage++;
    else if (m.status === 'Ignored') c.ignored++;
    else c.errors++;
  }
  const valid = c.killed + c.timeout + c.survived + c.noCoverage;
  return { ...c, score: valid === 0 ? 100 : Math.floor((10_000 * (c.killed + c.timeout)) / valid) / 100 };
}

/**
 * Run Stryker on `group` for `targets` (each a unit and the Stryker `mutate`
 * entries that stand for it: the unit itself, or its changed lines).
 */
function runGroup(group, targets) {
  const g = groups[group];
  mkdirSync(REPORTS, { recursive: true });
  // --changed runs as CI does (no incremental cache) and keeps the full runs' reports intact;
  // so does --unit (a part of the group: its own report and incremental file).
  const changed = flag('--changed');
  const part = !changed && targets.length < g.mutate.length
    ? `.${targets.map((t) => t.unit.name).join('+').replace(/[^A-Za-z0-9]+/g, '-').slice(0, 80)}` : '';
  const name = changed ? `${group}.changed` : `${group}${part}`;
  /** The key of this run's wall time: the group, or the group and its units run. */
  const label = part ? `${group} (${targets.map((t) => t.unit.name).join(', ')})` : group;
  const configPath = join(ROOT, `.stryker-${name}.config.mjs`);
  const reportJson = join(REPORTS, `${name}.json`);
  const concurrency = option('--concurrency');
  writeFileSync(configPath, [
    "import base from './stryker.config.mjs';",
    'export default {',
    '  ...base,',
    `  mutate: ${JSON.stringify(targets.flatMap((t) => t.mutate))},`,
    `  testFiles: ${JSON.stringify(g.tests)},`,
    ...(concurrency ? [`  concurrency: ${Number(concurrency)},`] : []),
    // Incremental: a mutant whose code and covering tests did not change since the group's
    // last run keeps its result (killed by the same test, or alive with no new test on it).
    ...(changed ? [] : [
      '  incremental: true,',
      `  incrementalFile: ${JSON.stringify(relative(ROOT, join(REPORTS, `${name}.incremental.json`)))},`,
    ]),
    ...(flag('--force') ? ['  force: true,'] : []),
    // --changed: a mutant that hangs (an endless loop) counts as detected after 5 s beyond
    // its tests' own time instead of 20 s: timeouts dominated a CI run's wall time.
    ...(changed ? ['  timeoutMS: 5000,'] : []),
    "  reporters: ['json', 'html', 'clear-text', 'progress-append-only'],",
    `  jsonReporter: { fileName: ${JSON.stringify(relative(ROOT, reportJson))} },`,
    `  htmlReporter: { fileName: ${JSON.stringify(relative(ROOT, join(REPORTS, `${name}.html`)))} },`,
    `  tempDirName: '.stryker-tmp/${name}',`,
    '};',
    '',
  ].join('\n'));
  const started = Date.now();
  console.log(`\n=== ${group}: ${g.covers}\n    ${targets.map((t) => t.unit.name).join(', ')}`);
  let seconds;
  if (flag('--reuse')) {
    if (!existsSync(reportJson)) throw new Error(`--reuse: no report ${relative(ROOT, reportJson)}`);
    seconds = recordedScores.seconds?.[label] ?? 0;
  } else {
    const r = spawnSync(join(ROOT, 'node_modules/.bin/stryker'), ['run', configPath], { stdio: 'inherit', cwd: ROOT });
    seconds = Math.round((Date.now() - started) / 1000);
    if (r.status !== 0 || !existsSync(reportJson)) throw new Error(`stryker failed for group ${group} (exit ${r.status})`);
  }
  const report = JSON.parse(readFileSync(reportJson, 'utf8'));
  const results = targets.map(({ unit: u, lines }) => {
    const inUnit = (report.files[u.file]?.mutants ?? []).filter((m) => {
      const l = m.location.start.line;
      return (u.start === undefined || (l >= u.start && l <= u.end)) && (!lines || lines.some(([a, b]) => l >= a && l <= b));
    });
    return {
      group, unit: u.name, ...score(inUnit), mutants: inUnit.length,
      survivors: inUnit.filter((m) => m.status === 'Survived' || m.status === 'NoCoverage'),
    };
  });
  console.log(`=== ${label}: ${seconds} s`);
  return { results, seconds, label };
}

function table(rows) {
  const lines = ['| Group | Unit | Score | Killed | Timeout | Survived | No coverage | Ignored |', '|---|---|---:|---:|---:|---:|---:|---:|'];
  for (const r of rows) lines.push(`| ${r.group} | \`${r.unit}\` | ${r.score.toFixed(2)} | ${r.killed} | ${r.timeout} | ${r.survived} | ${r.noCoverage} | ${r.ignored} |`);
  const t = score([]);
  for (const r of rows) for (const k of ['killed', 'timeout', 'survived', 'noCoverage', 'ignored']) t[k] += r[k];
  const valid = t.killed + t.timeout + t.survived + t.noCoverage;
  lines.push(`| all | | ${(Math.floor((10_000 * (t.killed + t.timeout)) / Math.max(1, valid)) / 100).toFixed(2)} | ${t.killed} | ${t.timeout} | ${t.survived} | ${t.noCoverage} | ${t.ignored} |`);
  return lines.join('\n');
}

const all = Object.entries(groups).flatMap(([name, g]) => g.mutate.map((e) => unitOf(name, e)));
const recordedScores = existsSync(SCORES) ? JSON.parse(readFileSync(SCORES, 'utf8')) : { seconds: {}, units: [] };

// --render: rebuild the docs/mutation.md block from docs/mutation-scores.json alone (after a merge of
// branches that measured different groups: merge the JSON's units, then render).
if (flag('--render')) {
  const byKey = new Map(recordedScores.units.map((u) => [`${u.group} ${u.unit}`, u]));
  writeScoresBlock(all.map((u) => byKey.get(`${u.group} ${u.name}`)).filter(Boolean), recordedScores.seconds ?? {});
  console.log('Scores block of docs/mutation.md rebuilt from docs/mutation-scores.json');
  process.exit(0);
}

/**
 * Rebuild the scores block of docs/mutation.md (per file, per unit, the commits measured, the
 * groups' wall times, what is not measured) from the recorded units.
 */
function writeScoresBlock(units, groupSeconds) {
  const measured = new Set(units.map((u) => `${u.group} ${u.unit}`));
  // A group none of whose units was measured, or the units of a group measured in part (--unit).
  const notRun = Object.keys(groups).flatMap((g) => {
    const missing = all.filter((u) => u.group === g && !measured.has(`${g} ${u.name}`));
    if (missing.length === 0) return [];
    return missing.length === groups[g].mutate.length ? [g] : [`${g} (${missing.map((u) => `\`${u.name}\``).join(', ')})`];
  });
  const doc = readFileSync(DOC, 'utf8');
  // Per file: the units of one file together (a file may be mutated in part, by function).
  const perFile = new Map();
  for (const u of units) {
    const f = u.unit.split('#')[0];
    const key = `${u.group} ${f}`;
    const t = perFile.get(key) ?? { group: u.group, unit: f + (u.unit.includes('#') ? ' (functions)' : ''), killed: 0, timeout: 0, survived: 0, noCoverage: 0, ignored: 0 };
    for (const k of ['killed', 'timeout', 'survived', 'noCoverage', 'ignored']) t[k] += u[k];
    perFile.set(key, t);
  }
  const files = [...perFile.values()].map((t) => {
    const valid = t.killed + t.timeout + t.survived + t.noCoverage;
    return { ...t, score: valid === 0 ? 100 : Math.floor((10_000 * (t.killed + t.timeout)) / valid) / 100 };
  });
  const block = `<!-- scores:start (npm run mutate -- --record writes this block) -->\n**Per file** (a file marked *functions* is mutated only in the functions of its units):\n\n${table(files)}\n\n`
    + `**Per unit:**\n\n${table(units)}\n\n`
    + `Measured at ${[...new Set(units.map((u) => u.commit))].map((c) => `\`${String(c).slice(0, 12)}\``).join(', ')}. `
    + `Wall time of each group's last run (seconds; one test runner under nice 15 on the shared 2-core machine; a run in incremental mode re-tests only the mutants whose code or tests changed): ${Object.entries(groupSeconds).map(([g, t]) => `${g} ${t}`).join(', ')}.`
    + `${notRun.length > 0 ? `\n\n**Not measured yet:** ${notRun.join('; ')}.` : ''}\n<!-- scores:end -->`;
  if (!/<!-- scores:start[^]*?<!-- scores:end -->/.test(doc)) throw new Error('docs/mutation.md has no scores markers');
  writeFileSync(DOC, doc.replace(/<!-- scores:start[^]*?<!-- scores:end -->/, block));
}

/** @type {{ unit: Unit, mutate: string[], lines?: [number, number][] }[]} */
let plan;
if (flag('--changed')) {
  const base = changeBase();
  if (!base) {
    console.warn('mutate --changed: no base commit to compare with (a single-commit clone?); set MUTATE_BASE or fetch more history. Nothing checked.');
    process.exit(0);
  }
  const changed = changedLines(base.commit, [...new Set(all.map((u) => u.file))]);
  plan = [];
  let lineCount = 0;
  const left = [];
  for (const u of all) {
    const text = readFileSync(join(ROOT, u.file), 'utf8').split('\n');
    // Blank lines, comments and lone punctuation carry no mutant worth a run.
    const fresh = (changed.get(u.file) ?? []).filter((n) => (u.start === undefined || (n >= u.start && n <= u.end))
      && worthMutating(text[n - 1] ?? ''));
    if (fresh.length === 0) continue;
    const room = Math.max(0, MAX_LINES - lineCount);
    if (fresh.length > room) left.push(`${u.name} (${ranges(fresh.slice(room)).map(([a, b]) => (a === b ? a : `${a}-${b}`)).join(', ')})`);
    const taken = fresh.slice(0, room);
    lineCount += taken.length;
    if (taken.length === 0) continue;
    const lines = ranges(taken);
    plan.push({ unit: u, lines, mutate: lines.map(([a, b]) => `${u.file}:${a}-${b}`) });
  }
  console.log(`mutate --changed: compared with ${base.commit.slice(0, 12)} (${base.why})`);
  if (plan.length === 0) {
    console.log('mutate --changed: no changed line in the mutated units; nothing to run.');
    process.exit(0);
  }
  console.log(`mutate --changed: ${lineCount} changed line(s) in ${plan.length} unit(s): ${plan.map((t) => `${t.unit.name} (${t.lines.map(([a, b]) => (a === b ? a : `${a}-${b}`)).join(', ')})`).join('; ')}`);
  if (left.length > 0) {
    console.warn(`mutate --changed: more than MUTATE_MAX_LINES=${MAX_LINES} changed lines; NOT checked here: ${left.join('; ')}. `
      + `Run their groups in full: npm run mutate -- --group ${[...new Set(all.filter((u) => left.some((l) => l.startsWith(`${u.name} `))).map((u) => u.group))].join(',')}`);
  }  if (flag('--plan')) process.exit(0);

} else {
  const only = option('--group')?.split(',');
  if (only) for (const n of only) if (!groups[n]) throw new Error(`no group ${n} (groups: ${Object.keys(groups).join(', ')})`);
  // --unit a,b: only the units whose name (a file, or file#function) starts with one of these.
  const units = option('--unit')?.split(',');
  plan = all.filter((u) => (!only || only.includes(u.group)) && (!units || units.some((p) => u.name.startsWith(p))))
    .map((u) => ({ unit: u, mutate: [u.entry] }));
  if (units && plan.length === 0) throw new Error(`--unit ${units.join(',')}: no unit of the chosen groups starts with that`);
}

const rows = [];
const seconds = {};
for (const name of Object.keys(groups)) {
  const targets = plan.filter((t) => t.unit.group === name);
  if (targets.length === 0) continue;
  const r = runGroup(name, targets);
  rows.push(...r.results);
  seconds[r.label] = r.seconds;
}
const total = Object.values(seconds).reduce((a, b) => a + b, 0);
console.log(`\n${table(rows)}\n\nMutation run: ${total} s (${Object.entries(seconds).map(([g, s]) => `${g} ${s} s`).join(', ')}).`);
const survivors = rows.flatMap((r) => r.survivors.map((m) => `  ${m.status} ${r.unit} line ${m.location.start.line}:${m.location.start.column} ${m.mutatorName} -> ${JSON.stringify(m.replacement ?? '')}`));
if (survivors.length > 0) console.log(`Surviving mutants (each is killed by a test or explained in docs/mutation.md):\n${survivors.join('\n')}`);

if (flag('--record')) {
  // The measured scores: docs/mutation-scores.json keeps every unit's latest full run (with
  // the commit it measured), and the table between the markers of docs/mutation.md is
  // rebuilt from it. Groups not run now keep their recorded rows.
  const commit = git('rev-parse', 'HEAD')?.trim();
  const dirty = (git('status', '--porcelain', '--', 'src', 'test') ?? '').trim() !== '';
  if (dirty) console.warn('warning: src/ or test/ has uncommitted changes; the recorded commit does not hold what was measured');
  const fresh = new Map(rows.map(({ survivors: _s, ...r }) => [`${r.group} ${r.unit}`, { ...r, commit: dirty ? `${commit}+dirty` : commit }]));
  const recorded = new Map(recordedScores.units.map((u) => [`${u.group} ${u.unit}`, u]));
  const units = all.map((u) => `${u.group} ${u.name}`).map((k) => fresh.get(k) ?? recorded.get(k)).filter(Boolean);
  // --reuse measured nothing now: keep the seconds recorded for its groups (or MUTATE_SECONDS_<group>).
  const groupSeconds = { ...(recordedScores.seconds ?? {}), ...(flag('--reuse') ? {} : seconds) };
  for (const g of Object.keys(seconds)) if (process.env[`MUTATE_SECONDS_${g}`]) groupSeconds[g] = Number(process.env[`MUTATE_SECONDS_${g}`]);
  writeFileSync(SCORES, `${JSON.stringify({ threshold: THRESHOLD, seconds: groupSeconds, units }, null, 2)}\n`);
  writeScoresBlock(units, groupSeconds);
  console.log(`Scores written: ${relative(ROOT, SCORES)} and docs/mutation.md (${fresh.size} unit(s) at ${commit})`);
}

if (flag('--changed')) {
  // Per file (the units of one file together): the mutants on its changed lines.
  const files = new Map();
  for (const r of rows) {
    const f = r.unit.split('#')[0];
    const t = files.get(f) ?? score([]);
    for (const k of ['killed', 'timeout', 'survived', 'noCoverage']) t[k] += r[k];
    files.set(f, t);
  }
  let failed = false;
  for (const [f, t] of files) {
    const valid = t.killed + t.timeout + t.survived + t.noCoverage;
    const s = valid === 0 ? 100 : (100 * (t.killed + t.timeout)) / valid;
    console.log(`mutate --changed: ${f}: ${s.toFixed(2)}% of ${valid} mutants on the changed lines killed`);
    if (s < THRESHOLD) {
      failed = true;
      console.error(`mutate --changed: ${f} scores ${s.toFixed(2)}% on its changed lines, below ${THRESHOLD}%. Kill the survivors listed above with a test, `
        + 'or mark an equivalent mutant with `// Stryker disable next-line <Mutator>: <why>` and list it in docs/mutation.md.');
    }
  }
  if (failed) process.exit(1);
}
