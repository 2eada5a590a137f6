/**
 * Downgrade protection (RFC 8446 §4.1.3, RFC 9147 §5.3) on the DTLS 1.2
 * path: a server that speaks DTLS 1.3 ends the random of a 1.2 ServerHello
 * with "DOWNGRD" 01, and a client that offered 1.3 refuses such a
 * ServerHello. The attack it stops: something on the path strips 1.3 from
 * the client's ClientHello, so both sides would settle for 1.2.
 */
import { describe, expect, it } from 'vitest';
import type { ServerOptions } from '../../src/options.js';
import { DOWNGRADE_SENTINEL_12 } from '../../src/handshake/server-handshake.js';
import { PROVIDERS, pair } from '../helpers/net.js';
import { alertsOf } from '../robustness/helpers/peers.js';
import { HT, decodeSH, encodeSH, plainMessages, rewriteClientHello, rewriteFlight } from '../robustness/helpers/wire.js';

const SUPPORTED_VERSIONS = 43;
const ILLEGAL_PARAMETER = 47;
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** The path that removes supported_versions from each ClientHello (flights 1 and 3). */
const stripSupportedVersions: NonNullable<Parameters<typeof pair>[0]>['clientToServer'] = {
  filter: (d) => (d.flight === 1 || d.flight === 3
    ? { replace: [rewriteClientHello(d.data, (h) => ({ ...h, extensions: h.extensions.filter((e) => e.type !== SUPPORTED_VERSIONS) }))] }
    : 'pass'),
};

/**
 * A client offering DTLS 1.3 and 1.2, whose ClientHellos lose 1.3 on the way
 * (supported_versions removed): the server sees a 1.2-only client. The
 * ServerHello randoms the client receives are collected.
 */
function stripped(provider: (typeof PROVIDERS)[number], server: Partial<ServerOptions> = {}) {
  const randoms: Uint8Array[] = [];
  const p = pair({
    provider,
    server,
    client: { maxVersion: 'DTLSv1.3' },
    clientToServer: stripSupportedVersions,
    serverToClient: {
      filter: (d) => {
        for (const m of plainMessages(d.data)) if (m.msgType === HT.server_hello) randoms.push(decodeSH(m.body).random);
        return 'pass';
      },
    },
  });
  p.net.run({ until: () => p.client.closed || (p.client.established && p.server.established > 0), maxTime: 10_000 });
  return { p, randoms };
}

describe.each(PROVIDERS)('downgrade protection on the DTLS 1.2 path ($name)', (provider) => {
  it('a server that speaks 1.3 marks its 1.2 ServerHello; the client that offered 1.3 refuses it (illegal_parameter)', () => {
    const { p, randoms } = stripped(provider);
    expect(randoms.length).toBeGreaterThan(0);
    for (const r of randoms) expect(toHex(r.subarray(24))).toBe(toHex(DOWNGRADE_SENTINEL_12));
    expect(p.client.established).toBe(false);
    expect(p.client.error?.code).toBe('ERR_DTLS_DOWNGRADE');
    expect(alertsOf(p.client.events, 'sent')).toEqual([{ level: 2, description: ILLEGAL_PARAMETER }]);
  });

  it('a server limited to 1.2 does not mark it: the client goes on, and the stripped hello fails the Finished instead', () => {
    const { p, randoms } = stripped(provider, { maxVersion: 'DTLSv1.2' });
    expect(randoms.length).toBeGreaterThan(0);
    for (const r of randoms) expect(toHex(r.subarray(24, 31))).not.toBe(toHex(DOWNGRADE_SENTINEL_12.subarray(0, 7)));
    expect(p.client.established).toBe(false);
    expect(p.server.errors.map((e) => e.code)).toEqual(['ERR_DTLS_BAD_FINISHED']);
    expect(p.client.error?.code).toBe('ERR_DTLS_ALERT_RECEIVED');
  });

  /** A 1.2 server whose ServerHello random reaches the client ending with `tail` ‖ `last`; the client offers up to `clientMax`. */
  function rewrittenRandom(tail: Uint8Array, last: number, clientMax: 'DTLSv1.2' | 'DTLSv1.3' = 'DTLSv1.3') {
    const p = pair({
      provider,
      server: { maxVersion: 'DTLSv1.2' },
      client: { maxVersion: clientMax },
      ...(clientMax === 'DTLSv1.3' && { clientToServer: stripSupportedVersions }),
      serverToClient: {
        filter: (d) => (d.flight === 4
          ? { replace: [rewriteFlight(d.data, (msgs) => msgs.map((m) => {
            if (m.msgType !== HT.server_hello) return m;
            const sh = decodeSH(m.body);
            return { ...m, body: encodeSH({ ...sh, random: Uint8Array.of(...sh.random.subarray(0, 24), ...tail, last) }) };
          }))] }
          : 'pass'),
      },
    });
    p.net.run({ until: () => p.client.closed || p.client.established, maxTime: 10_000 });
    expect(p.client.established).toBe(false);
    return p.client.error?.code;
  }
  const DOWNGRD = DOWNGRADE_SENTINEL_12.subarray(0, 7);
  /** The client went on past the ServerHello: the rewritten random then fails the ServerKeyExchange signature. */
  const WENT_ON = 'ERR_DTLS_BAD_SKE_SIGNATURE';

  it.each([
    ['"DOWNGRD" 00 (the sentinel of a server that spoke only up to 1.1)', 0x00, 'ERR_DTLS_DOWNGRADE'],
    ['"DOWNGRD" 01', 0x01, 'ERR_DTLS_DOWNGRADE'],
    ['"DOWNGRD" 02 (no sentinel: the client goes on, and the altered random fails the ServerKeyExchange signature)', 0x02, WENT_ON],
  ] as const)('a 1.2 ServerHello whose random ends with %s', (_what, last, code) => {
    expect(rewrittenRandom(DOWNGRD, last)).toBe(code);
  });

  it.each([0, 1, 2, 3, 4, 5, 6])('"DOWNGRD" with byte %i changed, then 01, is no sentinel: the client goes on', (i) => {
    const tail = DOWNGRD.slice();
    tail[i]! ^= 0x20;
    expect(rewrittenRandom(tail, 0x01)).toBe(WENT_ON);
  });

  it('a client that offered only 1.2 does not look for the sentinel (RFC 8446 §4.1.3 asks it of 1.3 clients): it goes on', () => {
    expect(rewrittenRandom(DOWNGRD, 0x01, 'DTLSv1.2')).toBe(WENT_ON);
  });
});
