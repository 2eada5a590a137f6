/**
 * Protocol features against real peers: session resumption (tickets and
 * session IDs), the RFC 5705 exporter (also for DTLS-SRTP), ALPN, raw public
 * keys (RFC 7250, with GnuTLS) and the NSS key log, each compared with what
 * `openssl` / GnuTLS print about the same connection.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ClientConnection, type ConnectOptions, type Peer, connect } from '../../src/index.js';
import {
  GNUTLS_RPK_CLIENT_PRIORITY, featuresTempDir, parseKeyingMaterial, parseKeylog, readText, runGnutlsRpkClient,
  runOpensslClientVerbose, spkiOf, startGnutlsRpkServer,
} from './features-peers.js';
import { type RunningServer, echo, endAndWait, startOurServer } from './ours.js';
import {
  HAS_GNUTLS_CLI, HAS_GNUTLS_SERV, HAS_OPENSSL, MESSAGE_PREFIX, type OpensslServer, pki, runOpensslClient,
  startOpensslServer, stopAllPeers,
} from './peers.js';

const clients: ClientConnection[] = [];
let ours: RunningServer | undefined;
const cleanups: (() => void)[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) {
    try {
      c.end();
    } catch {
      // already closed
    }
  }
  await stopAllPeers();
  await ours?.close();
  ours = undefined;
  for (const fn of cleanups.splice(0)) fn();
});

function tempFile(name: string): string {
  const dir = featuresTempDir('test');
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, name);
}

async function serve(o: Parameters<typeof startOurServer>[0] = {}): Promise<RunningServer> {
  ours = await startOurServer(o);
  return ours;
}

/** Run `fn` on every peer of our server as soon as its handshake completes (before it can close). */
function onSecure(srv: RunningServer, fn: (peer: Peer) => void): void {
  srv.server.on('secureConnection', fn);
}

/**
 * `connect` to 127.0.0.1 (trusting ca-bundle.pem, servername localhost unless
 * overridden) and wait for `secureConnect`; listeners are attached before the
 * handshake starts, so 'keylog' and 'session' are seen.
 */
function connectTo(port: number, o: Partial<ConnectOptions> = {}, describe: () => string = () => ''): Promise<{ c: ClientConnection; keylog: string[]; sessions: Buffer[] }> {
  return new Promise((resolve, reject) => {
    const c = connect({ host: '127.0.0.1', port, ca: pki('ca-bundle.pem'), servername: 'localhost', handshakeTimeout: 10_000, ...o });
    clients.push(c);
    const keylog: string[] = [];
    const sessions: Buffer[] = [];
    c.on('keylog', (line) => keylog.push(line.toString('latin1')));
    c.on('session', (s) => sessions.push(s));
    const onError = (err: Error) => reject(new Error(`our client: ${err.message}\n${describe()}`));
    c.once('error', onError);
    c.once('close', () => reject(new Error(`our client closed before the handshake completed\n${describe()}`)));
    c.once('secureConnect', () => {
      c.off('error', onError);
      c.on('error', () => { /* later errors show in the assertions */ });
      resolve({ c, keylog, sessions });
    });
  });
}

/** Echo one line through the peer and close; on failure, show the peer's output. */
async function echoAndEnd(c: ClientConnection, label: string, describe: () => string): Promise<void> {
  const message = `${MESSAGE_PREFIX}${label}`;
  const reply = await echo(c, message).catch((e: Error) => { throw new Error(`${e.message}\n${describe()}`); });
  expect(reply).toContain(message);
  await endAndWait(c);
}

function ourErrors(srv: RunningServer): string {
  return `our server errors: ${srv.errors.map(String).join('; ') || 'none'}`;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex').toUpperCase();
}

// ---------------------------------------------------------------------------
// 1. Session resumption

/** One connection of our client to an s_server, with what it saw. */
interface OurClientRun {
  c: ClientConnection;
  reused: boolean;
  session: Buffer | undefined;
  sessionEvents: Buffer[];
  exported: string;
  keylog: string[];
}

const RESUME_LABEL = 'EXPERIMENTAL-puredtls-resume';

/**
 * `count` connections of our client to one s_server (`-naccept count`,
 * `-keylogfile`, `-keymatexport`): the first full, each next one with
 * `session:` the previous connection's getSession() (a Buffer, as the API
 * hands it out). Each echoes a line and ends with close_notify; the next one
 * starts once s_server printed DONE for it.
 */
async function resumptionChain(count: number, extra: string[], o: { plainUint8Array?: boolean } = {}): Promise<{ s: OpensslServer; runs: OurClientRun[]; keylogFile: string; failure?: Error }> {
  const keylogFile = tempFile('s_server.keylog');
  const s = await startOpensslServer({
    naccept: count, extra: [...extra, '-keylogfile', keylogFile, '-keymatexport', RESUME_LABEL, '-keymatexportlen', '32'],
  });
  const runs: OurClientRun[] = [];
  let failure: Error | undefined;
  for (let i = 0; i < count; i++) {
    const session = runs.at(-1)?.session;
    if (i > 0 && !session) break;
    let r: Awaited<ReturnType<typeof connectTo>>;
    try {
      const given = session && o.plainUint8Array ? new Uint8Array(session) : session;
      r = await connectTo(s.port, given ? { session: given } : {}, () => s.proc.describe());
    } catch (e) {
      failure = new Error(`connection ${i + 1} failed: ${(e as Error).message.split('\n')[0]}`);
      break;
    }
    const run: OurClientRun = {
      c: r.c, reused: r.c.isSessionReused(), session: undefined, sessionEvents: r.sessions,
      exported: hex(r.c.exportKeyingMaterial(32, RESUME_LABEL)), keylog: r.keylog,
    };
    await echoAndEnd(r.c, `resume-${i + 1}`, () => s.proc.describe());
    run.session = r.c.getSession();
    runs.push(run);
    // s_server prints DONE on our close_notify (the rest of its report stays buffered until it exits).
    await s.proc.waitFor('stdout', new RegExp(`^DONE$${'[^]*^DONE$'.repeat(i)}`, 'm'));
  }
  if (failure) await s.proc.stop();
  else await s.proc.waitExit(5_000);
  return { s, runs, keylogFile, ...(failure && { failure }) };
}

describe.skipIf(!HAS_OPENSSL).sequential.each([
  { mode: 'a session ticket (s_server default)', extra: [] as string[], ticket: true },
  { mode: 'a session ID only (s_server -no_ticket)', extra: ['-no_ticket'], ticket: false },
])('session resumption with $mode: our client with openssl s_server', ({ extra, ticket }) => {
  it('the first connection is full, the second (session: first.getSession()) abbreviated; s_server prints "Reused session-id"', async () => {
    const { s, runs, keylogFile, failure } = await resumptionChain(2, extra);
    expect(failure).toBeUndefined();
    const [first, second] = runs as [OurClientRun, OurClientRun];
    expect(first.reused).toBe(false);
    expect(first.session, 'getSession() gave nothing after a full handshake').toBeInstanceOf(Buffer);
    expect(first.sessionEvents.length, "no 'session' event").toBeGreaterThan(0);
    expect(first.sessionEvents.at(-1)!.equals(first.session!), "the 'session' event differs from getSession()").toBe(true);
    expect(second.reused, `not resumed\n${s.proc.describe()}`).toBe(true);
    expect(second.c.getCipher()?.name).toBe(first.c.getCipher()?.name);
    expect((second.c.getPeerCertificate() as { subject?: { CN?: string } }).subject?.CN, 'the resumed session lost the server certificate').toBe('localhost');
    expect(second.c.authorized).toBe(true);

    // s_server printed "Reused session-id" for the second connection only.
    const out = s.proc.stdout;
    expect(out.match(/^Reused session-id$/gm)?.length ?? 0, s.proc.describe(80)).toBe(1);
    expect(out.indexOf('Reused session-id')).toBeGreaterThan(out.indexOf('DONE'));
    // Abbreviated: s_server sent one Certificate / ServerKeyExchange and received one ClientKeyExchange, all in the first handshake.
    const log = s.msgLog().messages;
    const sent = log.filter((m) => m.dir === '>>>').map((m) => m.type);
    expect(sent.filter((t) => t === 'Certificate')).toHaveLength(1);
    expect(sent.filter((t) => t === 'ServerKeyExchange')).toHaveLength(1);
    expect(log.filter((m) => m.dir === '<<<' && m.type === 'ClientKeyExchange')).toHaveLength(1);
    if (ticket) {
      expect(sent.filter((t) => t === 'NewSessionTicket').length, JSON.stringify(log)).toBeGreaterThanOrEqual(1);
      // Nothing in s_server's session cache (a ticket session is not cached): the ticket did the resumption.
      expect(out, s.proc.describe(20)).toMatch(/^\s*0 items in the session cache$/m);
    } else {
      expect(sent.filter((t) => t === 'NewSessionTicket'), 'a ticket was issued despite -no_ticket').toHaveLength(0);
      expect(out, s.proc.describe(20)).toMatch(/^\s*1 items in the session cache$/m);
    }
    expect(out, s.proc.describe(20)).toMatch(/^\s*1 session cache hits$/m);

    // Our key log equals s_server's -keylogfile: same client randoms, the same master secret twice.
    const theirs = parseKeylog(readText(keylogFile));
    expect(theirs).toHaveLength(2);
    expect(parseKeylog([...first.keylog, ...second.keylog].join('\n'))).toEqual(theirs);
    expect(theirs[1]!.masterSecret).toBe(theirs[0]!.masterSecret);
  });

  it("the resumed connection's exportKeyingMaterial equals s_server -keymatexport (as the full one's does)", async () => {
    const { s, runs, failure } = await resumptionChain(2, extra);
    expect(failure).toBeUndefined();
    expect(runs.map((r) => r.reused)).toEqual([false, true]);
    const printed = parseKeyingMaterial(s.proc.stdout);
    expect(printed.map((k) => k.label), s.proc.describe(40)).toEqual([RESUME_LABEL, RESUME_LABEL]);
    expect({ full: runs[0]!.exported, resumed: runs[1]!.exported }).toEqual({ full: printed[0]!.hex, resumed: printed[1]!.hex });
  });

  it("a third connection resumes from the resumed connection's getSession() (chained resumption)", async () => {
    const { s, runs, keylogFile, failure } = await resumptionChain(3, extra);
    // What the resumed connection handed out must still hold the session's master secret.
    const theirs = parseKeylog(readText(keylogFile));
    expect(failure, `${failure?.message}\n${s.proc.describe(15)}`).toBeUndefined();
    expect(runs.map((r) => r.reused)).toEqual([false, true, true]);
    expect(s.proc.stdout.match(/^Reused session-id$/gm)?.length ?? 0).toBe(2);
    expect(theirs.map((k) => k.masterSecret)).toEqual(Array(3).fill(theirs[0]!.masterSecret));
  });

  it('with the sessions passed as plain Uint8Array copies (not Buffers), the chain resumes and every exporter equals s_server\'s', async () => {
    const { s, runs, failure } = await resumptionChain(3, extra, { plainUint8Array: true });
    expect(failure, `${failure?.message}\n${s.proc.describe(15)}`).toBeUndefined();
    expect(runs.map((r) => r.reused)).toEqual([false, true, true]);
    expect(runs.map((r) => r.exported)).toEqual(parseKeyingMaterial(s.proc.stdout).map((k) => k.hex));
  });
});

describe.skipIf(!HAS_OPENSSL).sequential.each([
  { mode: 'a session ticket (s_client default)', extra: [] as string[] },
  { mode: 'a session ID only (s_client -no_ticket)', extra: ['-no_ticket'] },
])('session resumption with $mode: our server with openssl s_client -sess_out/-sess_in', ({ extra }) => {
  it('resumes the session twice and its exporter equals s_client -keymatexport each time', async () => {
    const srv = await serve();
    const mine: { reused: boolean; exported: string }[] = [];
    onSecure(srv, (peer) => mine.push({ reused: peer.isSessionReused(), exported: hex(peer.exportKeyingMaterial(32, RESUME_LABEL)) }));
    const files = [tempFile('sess1.pem'), tempFile('sess2.pem'), tempFile('sess3.pem')];
    const runs = [];
    // s_client -sess_out writes a session when it gets a new one (not after a resumption without a new ticket):
    // each connection resumes the latest session written.
    let latest: string | undefined;
    for (let i = 0; i < 3; i++) {
      const r = await runOpensslClientVerbose({
        port: srv.port, message: `${MESSAGE_PREFIX}server-resume-${i + 1}`,
        extra: [...extra, ...(latest ? ['-sess_in', latest] : []), '-sess_out', files[i]!,
          '-keymatexport', RESUME_LABEL, '-keymatexportlen', '32'],
      });
      expect(r.handshake, `${r.describe()}\n${ourErrors(srv)}`).toBe(true);
      expect(r.echoed, r.describe()).toBe(true);
      runs.push(r);
      if (readText(files[i]!).includes('BEGIN SSL SESSION PARAMETERS')) latest = files[i]!;
    }
    expect(runs.map((r) => /^(New|Reused), /m.exec(r.stdout)?.[1])).toEqual(['New', 'Reused', 'Reused']);
    expect(mine.map((o) => o.reused)).toEqual([false, true, true]);
    expect(mine.map((o) => o.exported)).toEqual(runs.map((r) => r.keyingMaterial[0]?.hex));
  });
});

// ---------------------------------------------------------------------------
// 2. Exporter (RFC 5705) and DTLS-SRTP (RFC 5764)

describe.skipIf(!HAS_OPENSSL).sequential('keying material exporter equal to OpenSSL', () => {
  it("our server's exportKeyingMaterial(32, 'EXPERIMENTAL-puredtls') equals s_client -keymatexport", async () => {
    const srv = await serve();
    const mine: Buffer[] = [];
    onSecure(srv, (peer) => mine.push(peer.exportKeyingMaterial(32, 'EXPERIMENTAL-puredtls')));
    const r = await runOpensslClientVerbose({ port: srv.port, extra: ['-keymatexport', 'EXPERIMENTAL-puredtls', '-keymatexportlen', '32'] });
    expect(r.handshake, `${r.describe()}\n${ourErrors(srv)}`).toBe(true);
    expect(r.echoed, r.describe()).toBe(true);
    expect(r.keyingMaterial, r.describe()).toEqual([{ label: 'EXPERIMENTAL-puredtls', length: 32, hex: expect.stringMatching(/^[0-9A-F]{64}$/) }]);
    expect(mine).toHaveLength(1);
    expect(hex(mine[0]!)).toBe(r.keyingMaterial[0]!.hex);
  });

  it("our client's exportKeyingMaterial equals s_server -keymatexport (and a context changes it)", async () => {
    const LABEL = 'EXPERIMENTAL-puredtls-client';
    const s = await startOpensslServer({ extra: ['-keymatexport', LABEL, '-keymatexportlen', '32'] });
    const { c } = await connectTo(s.port, {}, () => s.proc.describe());
    const mine = c.exportKeyingMaterial(32, LABEL);
    const withContext = c.exportKeyingMaterial(32, LABEL, new Uint8Array(0));
    const m = await s.proc.waitFor('stdout', /^\s*Keying material: ([0-9A-F]+)$/m);
    expect(hex(mine), s.proc.describe()).toBe(m[1]);
    // RFC 5705: an empty context is not the same as no context.
    expect(hex(withContext)).not.toBe(m[1]);
    await echoAndEnd(c, 'exporter', () => s.proc.describe());
  });

  it("negotiates SRTP_AES128_CM_SHA1_80 with s_client -use_srtp and the 60-byte 'EXTRACTOR-dtls_srtp' material is equal", async () => {
    const srv = await serve({ srtpProfiles: ['SRTP_AES128_CM_SHA1_80'] });
    const mine: { profile: string | undefined; km: Buffer }[] = [];
    onSecure(srv, (peer) => mine.push({ profile: peer.srtpProfile, km: peer.exportKeyingMaterial(60, 'EXTRACTOR-dtls_srtp') }));
    const r = await runOpensslClientVerbose({
      port: srv.port, extra: ['-use_srtp', 'SRTP_AES128_CM_SHA1_80', '-keymatexport', 'EXTRACTOR-dtls_srtp', '-keymatexportlen', '60'],
    });
    expect(r.handshake, `${r.describe()}\n${ourErrors(srv)}`).toBe(true);
    expect(r.echoed, r.describe()).toBe(true);
    expect(r.srtpProfile, r.describe()).toBe('SRTP_AES128_CM_SHA1_80');
    expect(mine.map((o) => o.profile)).toEqual(['SRTP_AES128_CM_SHA1_80']);
    expect(r.keyingMaterial.map((k) => [k.label, k.length]), r.describe()).toEqual([['EXTRACTOR-dtls_srtp', 60]]);
    expect(hex(mine[0]!.km)).toBe(r.keyingMaterial[0]!.hex);
  });

  it("our client offering two SRTP profiles agrees on s_server's SRTP_AES128_CM_SHA1_80 and its 'EXTRACTOR-dtls_srtp' material", async () => {
    const s = await startOpensslServer({
      extra: ['-use_srtp', 'SRTP_AES128_CM_SHA1_80', '-keymatexport', 'EXTRACTOR-dtls_srtp', '-keymatexportlen', '60'],
    });
    const { c } = await connectTo(s.port, { srtpProfiles: ['SRTP_AEAD_AES_128_GCM', 'SRTP_AES128_CM_SHA1_80'] }, () => s.proc.describe());
    expect(c.srtpProfile).toBe('SRTP_AES128_CM_SHA1_80');
    const mine = c.exportKeyingMaterial(60, 'EXTRACTOR-dtls_srtp');
    const m = await s.proc.waitFor('stdout', /^\s*Keying material: ([0-9A-F]+)$/m);
    expect(s.proc.stdout, s.proc.describe()).toMatch(/^SRTP Extension negotiated, profile=SRTP_AES128_CM_SHA1_80$/m);
    expect(hex(mine)).toBe(m[1]);
    await echoAndEnd(c, 'srtp', () => s.proc.describe());
  });
});

// ---------------------------------------------------------------------------
// 3. ALPN

describe.skipIf(!HAS_OPENSSL).sequential('ALPN with OpenSSL', () => {
  it("our server with ALPNProtocols ['h2'] picks h2 from s_client -alpn coap,h2", async () => {
    const srv = await serve({ ALPNProtocols: ['h2'] });
    const r = await runOpensslClientVerbose({ port: srv.port, extra: ['-alpn', 'coap,h2'] });
    expect(r.handshake, `${r.describe()}\n${ourErrors(srv)}`).toBe(true);
    expect(r.echoed, r.describe()).toBe(true);
    expect(r.alpn, r.describe()).toBe('h2');
    expect((await srv.firstPeer()).alpnProtocol).toBe('h2');
  });

  it("our client with ALPNProtocols ['coap'] gets coap from s_server -alpn coap", async () => {
    const s = await startOpensslServer({ extra: ['-alpn', 'coap'] });
    const { c } = await connectTo(s.port, { ALPNProtocols: ['coap'] }, () => s.proc.describe());
    expect(c.alpnProtocol).toBe('coap');
    await echoAndEnd(c, 'alpn', () => s.proc.describe());
    expect(s.proc.stdout, s.proc.describe()).toMatch(/^ALPN protocols advertised by the client: coap$/m);
  });
});

// ---------------------------------------------------------------------------
// 4. Raw public keys (RFC 7250) with GnuTLS

const RPK_KEYS = [
  { name: 'ECDSA P-256', keyFile: 'server-ecdsa-p256.key.pem' },
  { name: 'Ed25519', keyFile: 'server-ed25519.key.pem' },
];

describe.skipIf(!HAS_GNUTLS_CLI).sequential('raw public keys: our server with gnutls-cli', () => {
  it.each(RPK_KEYS)('serves its $name key as a raw public key (no certificate) and echoes', async ({ keyFile }) => {
    const srv = await serve({ keyFile, cert: undefined, rawPublicKey: true });
    const r = await runGnutlsRpkClient({ port: srv.port });
    expect(r.handshake, `${r.describe()}\n${ourErrors(srv)}`).toBe(true);
    expect(r.echoed, r.describe()).toBe(true);
    expect(r.stdout).toMatch(/^- Certificate type: Raw Public Key$/m);
    // GnuTLS describes the certificate types as (client-server) when they differ: we sent none (X.509).
    expect(r.description, r.describe()).toMatch(/^\(DTLS1\.2-X\.509-Raw Public Key\)-/);
    // What gnutls-cli received (--save-cert) is the key's SubjectPublicKeyInfo.
    expect(hex(r.serverKey ?? Buffer.alloc(0)), r.describe()).toBe(hex(spkiOf(keyFile)));
    const peer = await srv.firstPeer();
    expect(peer.getPeerRawPublicKey()).toBeUndefined();
  });

  it('mutual raw public keys: gnutls-cli --rawpkkeyfile/--rawpkfile, our server requestCert + verifyRawPublicKey', async () => {
    const seen: Buffer[] = [];
    const srv = await serve({
      cert: undefined, rawPublicKey: true, requestCert: true, rejectUnauthorized: true,
      verifyRawPublicKey: (spki) => { seen.push(spki); return true; },
    });
    const r = await runGnutlsRpkClient({
      port: srv.port, clientKeyFile: 'client-ecdsa.key.pem', priority: `${GNUTLS_RPK_CLIENT_PRIORITY}:+CTYPE-CLI-RAWPK:-CTYPE-CLI-X509`,
    });
    expect(r.handshake, `${r.describe()}\n${ourErrors(srv)}`).toBe(true);
    expect(r.echoed, r.describe()).toBe(true);
    expect(r.stdout, r.describe()).toMatch(/^- Successfully sent 1 certificate\(s\) to server\.$/m);
    const expected = spkiOf('client-ecdsa.key.pem');
    expect(seen.map(hex)).toEqual([hex(expected)]);
    const peer = await srv.firstPeer();
    expect(hex(peer.getPeerRawPublicKey() ?? Buffer.alloc(0))).toBe(hex(expected));
    expect(peer.authorized).toBe(true);
  });

  it('refuses a client raw public key that verifyRawPublicKey rejects', async () => {
    const srv = await serve({
      cert: undefined, rawPublicKey: true, requestCert: true, rejectUnauthorized: true, verifyRawPublicKey: () => false,
    });
    const r = await runGnutlsRpkClient({
      port: srv.port, clientKeyFile: 'client-ecdsa.key.pem', priority: `${GNUTLS_RPK_CLIENT_PRIORITY}:+CTYPE-CLI-RAWPK:-CTYPE-CLI-X509`,
      timeoutMs: 8_000,
    });
    expect(r.handshake, r.describe()).toBe(false);
    expect(srv.peers).toHaveLength(0);
    expect(r.stdout, r.describe()).toMatch(/^\*\*\* Received alert \[42\]: Certificate is bad$/m); // bad_certificate
  });
});

describe.skipIf(!HAS_GNUTLS_SERV).sequential('raw public keys: our client with gnutls-serv', () => {
  it.each(RPK_KEYS)('trusts the $name raw key of gnutls-serv --rawpkkeyfile through verifyRawPublicKey and echoes', async ({ keyFile }) => {
    const g = await startGnutlsRpkServer({ keyFile });
    const seen: Buffer[] = [];
    const { c } = await connectTo(g.port, { verifyRawPublicKey: (spki) => { seen.push(spki); return true; } }, () => g.proc.describe());
    const expected = spkiOf(keyFile);
    expect(seen.map(hex)).toEqual([hex(expected)]);
    expect(hex(c.getPeerRawPublicKey() ?? Buffer.alloc(0))).toBe(hex(expected));
    expect(c.authorized).toBe(true);
    await echoAndEnd(c, 'rpk', () => g.proc.describe());
  });

  it('presents our client raw public key to gnutls-serv --require-client-cert (mutual raw public keys)', async () => {
    const g = await startGnutlsRpkServer({ keyFile: 'server-ed25519.key.pem', extra: ['--require-client-cert'] });
    const { c } = await connectTo(g.port, {
      key: pki('client-ecdsa.key.pem'), rawPublicKey: true, verifyRawPublicKey: () => true,
    }, () => g.proc.describe());
    await echoAndEnd(c, 'rpk-mutual', () => g.proc.describe());
    expect(g.proc.stderr).not.toMatch(/Error in handshake/);
  });

  it('fails against gnutls-serv --require-client-cert without a key of our own (the control of the case above)', async () => {
    const g = await startGnutlsRpkServer({ keyFile: 'server-ed25519.key.pem', extra: ['--require-client-cert'] });
    // gnutls-serv drops the handshake without an alert: our client gives up on its handshakeTimeout.
    const err = await connectTo(g.port, { verifyRawPublicKey: () => true, handshakeTimeout: 2_000 }, () => g.proc.describe()).then(
      () => undefined, (e: Error) => e);
    expect(err, 'the handshake completed without a client key').toBeInstanceOf(Error);
    await g.proc.waitFor('stderr', /^Error in handshake\(\): No certificate was found\.$/m, 3_000);
  });
});

// ---------------------------------------------------------------------------
// 5. Key log

describe.skipIf(!HAS_OPENSSL).sequential('NSS key log equal to OpenSSL -keylogfile', () => {
  it("our server's 'keylog' CLIENT_RANDOM line equals the one s_client -keylogfile writes", async () => {
    const srv = await serve();
    const lines: string[] = [];
    srv.server.on('keylog', (line) => lines.push(line.toString('latin1')));
    const file = tempFile('s_client.keylog');
    const r = await runOpensslClient({ port: srv.port, extra: ['-keylogfile', file] });
    expect(r.handshake, `${r.describe()}\n${ourErrors(srv)}`).toBe(true);
    expect(r.echoed, r.describe()).toBe(true);
    const theirs = parseKeylog(readText(file));
    const mine = parseKeylog(lines.join('\n'));
    expect(theirs, readText(file)).toHaveLength(1);
    expect(mine, lines.join('\n')).toHaveLength(1);
    expect(mine[0]!.clientRandom).toMatch(/^[0-9a-f]{64}$/);
    expect(mine[0]!.masterSecret).toMatch(/^[0-9a-f]{96}$/);
    expect(mine).toEqual(theirs);
  });

  it("our client's 'keylog' CLIENT_RANDOM line equals the one s_server -keylogfile writes", async () => {
    const file = tempFile('s_server.keylog');
    const s = await startOpensslServer({ extra: ['-keylogfile', file] });
    const { c, keylog } = await connectTo(s.port, {}, () => s.proc.describe());
    await echoAndEnd(c, 'keylog', () => s.proc.describe());
    await s.proc.waitExit(5_000);
    const theirs = parseKeylog(readText(file));
    const mine = parseKeylog(keylog.join('\n'));
    expect(theirs, readText(file)).toHaveLength(1);
    expect(mine, keylog.join('\n')).toEqual(theirs);
  });
});

