/**
 * `node tools/x509-suite.mjs SUITE [--provider node|noble] [--verbose] PATH`:
 *
 * - `limbo PATH`: an x509-limbo suite (C2SP/x509-limbo's limbo.json); exit
 *   status 0 when every applicable case passes or differs by design
 *   (documented), 1 otherwise;
 * - `pkits PATH`: NIST PKITS, PATH holding its `certs/` and `crls/`; exit
 *   status 0 when every case reaches PKITS's verdict or differs as
 *   documented, 1 otherwise.
 *
 * Exit status 2 on a usage error.
 */
import { readFileSync } from 'node:fs';
import { providerByName } from '../../src/crypto/index.js';
import { formatReport, runLimbo } from './limbo.js';
import { formatPkitsReport, loadPkits, runPkits } from './pkits.js';

const USAGE = 'usage: node tools/x509-suite.mjs limbo|pkits [--provider node|noble] [--verbose] PATH';

export function main(argv: readonly string[]): number {
  const [suite, ...rest] = argv;
  let provider: 'node' | 'noble' = 'node';
  let verbose = false;
  const paths: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === '--verbose') verbose = true;
    else if (a === '--provider') {
      const p = rest[++i];
      if (p !== 'node' && p !== 'noble') {
        console.error('--provider takes node or noble');
        return 2;
      }
      provider = p;
    } else if (a.startsWith('--')) {
      console.error(`unknown option ${a}`);
      return 2;
    } else paths.push(a);
  }
  if ((suite !== 'limbo' && suite !== 'pkits') || paths.length !== 1) {
    console.error(USAGE);
    return 2;
  }
  if (suite === 'limbo') {
    const report = runLimbo(JSON.parse(readFileSync(paths[0]!, 'utf8')), providerByName(provider));
    console.log(formatReport(report, verbose));
    return report.failed === 0 ? 0 : 1;
  }
  const report = runPkits(loadPkits(paths[0]!), providerByName(provider));
  console.log(formatPkitsReport(report, verbose));
  return report.failed === 0 ? 0 : 1;
}
