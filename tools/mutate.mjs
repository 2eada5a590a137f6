#!/usr/bin/env node
/**
 * Mutation testing of the security-deciding code: StrykerJS once per group of
 * stryker.config.mjs (its files or functions, its tests, per-test coverage),
 * then a score per unit (a whole file, or one named function of a file).
 *
 *   npm run mutate                          every group
 *   npm run mutate -- --group record,finished
 *   npm run mutate -- --record [--group g]  run, then write the units' results into
 *                                           docs/mutation-baseline.json (with the commit)
 *   npm run mutate -- --changed             CI: mutate only the new lines of the scoped units:
 *                                           a line is new when its text (whitespace trimmed)
 *                                           is not among the lines recorded for its group in
 *                                           the baseline, so code moved between files or
 *                                           functions is not mutated again, and no git history
 *                                           is needed; fail when a file's mutants on those
 *                                           lines score below THRESHOLD
 *
 * Options: --concurrency N (default from stryker.config.mjs); --reuse: read the
 * groups' last reports in reports/mutation/ instead of running Stryker (to
 * re-record or re-print a run); --force: test every mutant again (each group
 * otherwise runs in Stryker's incremental mode: a mutant whose code and
 * covering tests are unchanged since the last run of its group, per
 * reports/mutation/<group>.incremental.json, keeps its result). Environment:
 * MUTATE_MAX_LINES (default 200) caps what --changed will mutate; above it the
 * run fails and says which groups to re-record.
 *
 * StrykerJS 10 needs Node 22+: on an older Node the script re-runs itself under
 * the Node 24 that tools/node24.sh fetches from the npm registry.
 * Reports: reports/mutation/<group>.json (mutation-testing-report-schema) and
 * reports/mutation/<group>.html.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BASELINE = join(ROOT, 'docs/mutation-baseline.json');
const REPORTS = join(ROOT, 'reports/mutation');
/** The mutation score (%) below which `--changed` fails. */
const THRESHOLD = 90;
const MAX_LINES = Number(process.env.MUTATE_MAX_LINES ?? 200);

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

/** The unit's source lines (the whole file, or the function's lines), with their line numbers. */
function linesOf(u) {
  const text = readFileSync(join(ROOT, u.file), 'utf8').split('\n');
  const first = u.start ?? 1;
  const last = u.end ?? text.length;
  return text.slice(first - 1, last).map((t, i) => ({ line: first + i, text: t.trim() }));
}

/** A short hash of a trimmed source line (the baseline stores these, 6 hex digits each). */
function lineHash(text) {
  return createHash('sha256').update(text).digest('hex').slice(0, 6);
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
  const configPath = join(ROOT, `.stryker-${group}.config.mjs`);
  const reportJson = join(REPORTS, `${group}.json`);
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
    '  incremental: true,',
    `  incrementalFile: ${JSON.stringify(relative(ROOT, join(REPORTS, `${group}.incremental.json`)))},`,
    ...(flag('--force') ? ['  force: true,'] : []),
    "  reporters: ['json', 'html', 'clear-text', 'progress-append-only'],",
    `  jsonReporter: { fileName: ${JSON.stringify(relative(ROOT, reportJson))} },`,
    `  htmlReporter: { fileName: ${JSON.stringify(relative(ROOT, join(REPORTS, `${group}.html`)))} },`,
    `  tempDirName: '.stryker-tmp/${group}',`,
    '};',
    '',
  ].join('\n'));
  const started = Date.now();
  console.log(`\n=== ${group}: ${g.covers}\n    ${targets.map((t) => t.unit.name).join(', ')}`);
  let seconds;
  if (flag('--reuse')) {
    if (!existsSync(reportJson)) throw new Error(`--reuse: no report ${relative(ROOT, reportJson)}`);
    seconds = baseline.seconds?.[group] ?? 0;
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
  console.log(`=== ${group}: ${seconds} s`);
  return { results, seconds };
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
const baseline = existsSync(BASELINE) ? JSON.parse(readFileSync(BASELINE, 'utf8')) : { units: [] };
const recorded = new Map(baseline.units.map((u) => [`${u.group} ${u.unit}`, u]));

/** @type {{ unit: Unit, mutate: string[], lines?: [number, number][] }[]} */
let plan;
if (flag('--changed')) {
  plan = [];
  let lineCount = 0;
  // Per group, the hashes of every line recorded in the baseline.
  const known = new Map();
  for (const r of baseline.units) {
    const set = known.get(r.group) ?? new Set();
    for (let i = 0; i < (r.lines ?? '').length; i += 6) set.add(r.lines.slice(i, i + 6));
    known.set(r.group, set);
  }
  for (const u of all) {
    const seen = known.get(u.group) ?? new Set();
    // Blank lines and lone punctuation carry no mutant worth a run.
    const fresh = linesOf(u).filter((l) => /[A-Za-z0-9]/.test(l.text) && !l.text.startsWith('//') && !l.text.startsWith('*') && !seen.has(lineHash(l.text)));
    if (fresh.length === 0) continue;
    const lines = ranges(fresh.map((l) => l.line));
    plan.push({ unit: u, lines, mutate: lines.map(([a, b]) => `${u.file}:${a}-${b}`) });
    lineCount += fresh.length;
  }
  if (plan.length === 0) {
    console.log('mutate --changed: no new line in the mutated units since the baseline; nothing to run.');
    process.exit(0);
  }
  console.log(`mutate --changed: ${lineCount} new line(s) in ${plan.length} unit(s): ${plan.map((t) => `${t.unit.name} (${t.lines.map(([a, b]) => (a === b ? a : `${a}-${b}`)).join(', ')})`).join('; ')}`);
  if (lineCount > MAX_LINES) {
    const gs = [...new Set(plan.map((t) => t.unit.group))].join(',');
    console.error(`mutate --changed: ${lineCount} new lines exceed MUTATE_MAX_LINES=${MAX_LINES} (a few minutes of CI). `
      + `Record a new baseline for these groups and commit docs/mutation-baseline.json: npm run mutate -- --record --group ${gs}`);
    process.exit(1);
  }
} else {
  const only = option('--group')?.split(',');
  if (only) for (const n of only) if (!groups[n]) throw new Error(`no group ${n} (groups: ${Object.keys(groups).join(', ')})`);
  plan = all.filter((u) => !only || only.includes(u.group)).map((u) => ({ unit: u, mutate: [u.entry] }));
}

const rows = [];
const seconds = {};
for (const name of Object.keys(groups)) {
  const targets = plan.filter((t) => t.unit.group === name);
  if (targets.length === 0) continue;
  const r = runGroup(name, targets);
  rows.push(...r.results);
  seconds[name] = r.seconds;
}
const total = Object.values(seconds).reduce((a, b) => a + b, 0);
console.log(`\n${table(rows)}\n\nMutation run: ${total} s (${Object.entries(seconds).map(([g, s]) => `${g} ${s} s`).join(', ')}).`);
const survivors = rows.flatMap((r) => r.survivors.map((m) => `  ${m.status} ${r.unit} line ${m.location.start.line}:${m.location.start.column} ${m.mutatorName} -> ${JSON.stringify(m.replacement ?? '')}`));
if (survivors.length > 0) console.log(`Surviving mutants (each is killed by a test or explained in docs/mutation.md):\n${survivors.join('\n')}`);

if (flag('--record')) {
  const commit = git('rev-parse', 'HEAD')?.trim();
  const dirty = (git('status', '--porcelain', '--', 'src') ?? '').trim() !== '';
  if (dirty) console.warn('warning: src/ has uncommitted changes; the baseline commit does not hold the code that was measured');
  const unitByName = new Map(all.map((u) => [`${u.group} ${u.name}`, u]));
  const fresh = new Map(rows.map(({ survivors: _s, ...r }) => {
    const key = `${r.group} ${r.unit}`;
    const lines = linesOf(unitByName.get(key)).map((l) => lineHash(l.text)).join('');
    return [key, { ...r, commit, lines }];
  }));
  // Keep the recorded units of groups not run now; drop units that no longer exist.
  const known = new Set(all.map((u) => `${u.group} ${u.name}`));
  const units = all.map((u) => `${u.group} ${u.name}`).filter((k) => known.has(k)).map((k) => fresh.get(k) ?? recorded.get(k)).filter(Boolean);
  const groupSeconds = { ...(baseline.seconds ?? {}), ...seconds };
  writeFileSync(BASELINE, `${JSON.stringify({ threshold: THRESHOLD, seconds: groupSeconds, units }, null, 2)}\n`);
  console.log(`Baseline written: ${relative(ROOT, BASELINE)} (${fresh.size} unit(s) at ${commit})`);
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
