/**
 * Every export of the two public entry points ('puredtls' = src/index.ts and
 * 'puredtls/testing' = src/testing/index.ts) has a TSDoc comment with an
 * `@example`. `npm run docs` (typedoc, warnings are errors) checks that each
 * is documented and that every type it refers to is exported; this checks
 * the examples, which typedoc does not.
 *
 * PENDING lists the exports that still lack one; an entry that gets its
 * example must leave the list (the test says so), so the list only shrinks.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENTRY_POINTS = ['src/index.ts', 'src/testing/index.ts'];

/** `entry point: export name` of the exports without an example yet, with where to add it. */
const PENDING = new Set<string>([
  // src/crypto/cipher-list.ts, src/crypto/suites.ts, src/crypto/index.ts, src/crypto/provider.ts
  'src/index.ts: parseCipherList',
  'src/index.ts: DEFAULT_CIPHER_LIST',
  'src/index.ts: CIPHER_SUITES',
  'src/index.ts: CipherSuite',
  'src/index.ts: KeyExchange',
  'src/index.ts: Authentication',
  'src/index.ts: Protection',
  'src/index.ts: AeadProtection',
  'src/index.ts: CbcProtection',
  'src/index.ts: defaultProvider',
  'src/index.ts: nodeProvider',
  'src/index.ts: nobleProvider',
  'src/index.ts: CryptoProvider',
  'src/index.ts: Aead',
  'src/index.ts: AeadAlg',
  'src/index.ts: BlockCipher',
  'src/index.ts: EcCurve',
  'src/index.ts: GroupName',
  'src/index.ts: HashAlg',
  'src/index.ts: KeyKind',
  'src/index.ts: KeyShare',
  'src/index.ts: SigningKey',
  'src/index.ts: VerifyingKey',
  // src/x509/selfsigned.ts
  'src/index.ts: createSelfSigned',
  'src/index.ts: SelfSigned',
  'src/index.ts: SelfSignedOptions',
  // src/config.ts, src/handshake/server-handshake.ts
  'src/index.ts: ClientPskOption',
  'src/index.ts: Negotiated',
  // src/server.ts (the multi-core work's option)
  'src/index.ts: NodeServerOptions',
  // src/testing/*.ts
  'src/testing/index.ts: Prng',
  'src/testing/index.ts: hashString',
  'src/testing/index.ts: seedToUint32',
  'src/testing/index.ts: Seed',
  'src/testing/index.ts: VirtualClock',
  'src/testing/index.ts: ContentType',
  'src/testing/index.ts: HandshakeType',
  'src/testing/index.ts: RECORD_HEADER_LENGTH',
  'src/testing/index.ts: HANDSHAKE_HEADER_LENGTH',
  'src/testing/index.ts: contentTypeName',
  'src/testing/index.ts: handshakeTypeName',
  'src/testing/index.ts: hasFinishingRecords',
  'src/testing/index.ts: DescribeOptions',
  'src/testing/index.ts: FlightOptions',
  'src/testing/index.ts: HandshakeInfo',
  'src/testing/index.ts: RecordInfo',
  'src/testing/index.ts: VirtualNetwork',
  'src/testing/index.ts: VirtualNetworkError',
  'src/testing/index.ts: DEFAULT_DELAY',
  'src/testing/index.ts: DEFAULT_REORDER_DELAY',
  'src/testing/index.ts: formatAddress',
  'src/testing/index.ts: formatLogEntry',
  'src/testing/index.ts: AttachOptions',
  'src/testing/index.ts: DatagramFilter',
  'src/testing/index.ts: DatagramInfo',
  'src/testing/index.ts: DelayRange',
  'src/testing/index.ts: DirectionStats',
  'src/testing/index.ts: FilterVerdict',
  'src/testing/index.ts: Impairments',
  'src/testing/index.ts: LogEntry',
  'src/testing/index.ts: LogEvent',
  'src/testing/index.ts: NetAddress',
  'src/testing/index.ts: NodeHandle',
  'src/testing/index.ts: NodeRole',
  'src/testing/index.ts: OutgoingDatagram',
  'src/testing/index.ts: RunOptions',
  'src/testing/index.ts: RunResult',
  'src/testing/index.ts: VirtualNetworkOptions',
  'src/testing/index.ts: DtlsServerNode',
  'src/testing/index.ts: DtlsClientNode',
]);

interface ExportDoc {
  key: string;
  declaredIn: string;
  example: boolean;
}

function exportDocs(): ExportDoc[] {
  const program = ts.createProgram(ENTRY_POINTS.map((f) => join(ROOT, f)), {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    types: ['node'],
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const out: ExportDoc[] = [];
  for (const entry of ENTRY_POINTS) {
    const sf = program.getSourceFile(join(ROOT, entry));
    const mod = sf && checker.getSymbolAtLocation(sf);
    if (!mod) throw new Error(`cannot load ${entry}`);
    for (const exp of checker.getExportsOfModule(mod)) {
      const sym = exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp;
      const decl = sym.declarations?.[0];
      out.push({
        key: `${entry}: ${exp.name}`,
        declaredIn: decl ? decl.getSourceFile().fileName.slice(ROOT.length) : '?',
        example: sym.getJsDocTags(checker).some((t) => t.name === 'example'),
      });
    }
  }
  return out;
}

describe('API documentation', () => {
  const docs = exportDocs();

  it('finds the exports of both entry points', () => {
    expect(docs.filter((d) => d.key.startsWith('src/index.ts: ')).length).toBeGreaterThan(30);
    expect(docs.filter((d) => d.key.startsWith('src/testing/index.ts: ')).length).toBeGreaterThan(30);
  });

  it('every export has an @example (except the PENDING ones)', () => {
    const missing = docs.filter((d) => !d.example && !PENDING.has(d.key)).map((d) => `${d.key} (declared in ${d.declaredIn})`);
    expect(missing, 'add an @example to the TSDoc comment of each').toEqual([]);
  });

  it('PENDING names only exports that exist and still lack an example', () => {
    const byKey = new Map(docs.map((d) => [d.key, d]));
    const stale = [...PENDING].filter((k) => byKey.get(k)?.example !== false);
    expect(stale, 'remove these from PENDING in test/examples/api-docs.test.ts').toEqual([]);
  });
});
