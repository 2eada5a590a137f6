/**
 * `npm run x509:limbo -- [--provider node|noble] [--verbose] LIMBO.json`:
 * run an x509-limbo suite (C2SP/x509-limbo's limbo.json) through
 * puredtls's verifyChain and print the summary. Exit status 0 when every
 * applicable case passes, 1 otherwise, 2 on a usage error.
 */
import { readFileSync } from 'node:fs';
import { providerByName } from '../../src/crypto/index.js';
import { formatReport, runLimbo } from './runner.js';

export function main(argv: readonly string[]): number {
  let provider: 'node' | 'noble' = 'node';
  let verbose = false;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--verbose') verbose = true;
    else if (a === '--provider') {
      const p = argv[++i];
      if (p !== 'node' && p !== 'noble') {
        console.error('--provider takes node or noble');
        return 2;
      }
      provider = p;
    } else if (a.startsWith('--')) {
      console.error(`unknown option ${a}`);
      return 2;
    } else files.push(a);
  }
  if (files.length !== 1) {
    console.error('usage: npm run x509:limbo -- [--provider node|noble] [--verbose] LIMBO.json');
    return 2;
  }
  const report = runLimbo(JSON.parse(readFileSync(files[0]!, 'utf8')), providerByName(provider));
  console.log(formatReport(report, verbose));
  return report.failed === 0 ? 0 : 1;
}
