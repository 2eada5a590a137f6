import { describe, expect, it } from 'vitest';
import { Reader } from '../../../src/codec/reader.js';
import { findExtension } from '../../../src/handshake/extensions.js';
import { decodeClientHello } from '../../../src/handshake/messages/client-hello.js';
import { ExtensionType as E, HandshakeType as HT } from '../../../src/handshake/registry.js';
import { TicketKeys } from '../../../src/handshake/session.js';
import { decodeNewSessionTicket13 } from '../../../src/dtls13/messages/new-session-ticket.js';
import { decodeOfferedPsks } from '../../../src/dtls13/messages/pre-shared-key.js';
import { decodeClientSession13, encodeClientSession13, openTicket13 } from '../../../src/dtls13/session.js';
import { SUITES_13 } from '../../../src/dtls13/suites.js';
import { Loopback, PROVIDERS13, clientConfig, handshake, serverConfig } from './loopback.js';

const te = new TextEncoder();
const KEY = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const identity = te.encode('device-7');
const pskServer = { pskCallback: (id: string) => (id === 'device-7' ? Buffer.from(KEY) : null) };
const offeredPsks = (body: Uint8Array) => decodeOfferedPsks(new Reader(findExtension(decodeClientHello(new Reader(body)).extensions, E.pre_shared_key)!));

describe.each(PROVIDERS13)('PSK handshakes ($name provider)', (provider) => {
  const pskClient = (modes?: ('psk_ke' | 'psk_dhe_ke')[], key = KEY) => clientConfig(provider, {}, {
    psk: () => ({ identity, key }), ...(modes && { pskModes: modes }),
  });

  it.each([['psk_dhe_ke', 'x25519'], ['psk_ke', undefined]] as const)('authenticates with an external PSK in %s mode', async (mode, group) => {
    const l = await handshake(provider, serverConfig(provider, pskServer), pskClient([mode]));
    expect(l.server.error).toBeUndefined();
    expect(l.client.completed).toBe(1);
    for (const side of [l.client, l.server]) {
      const n = side.machine.negotiated!;
      expect(n.pskMode).toBe(mode);
      expect(n.group).toBe(group);
      expect(n.pskIdentity).toBe('device-7');
      expect(n.authorized).toBe(true);
    }
    // No certificate: EncryptedExtensions then Finished (RFC 8446 §4.3.2).
    expect(l.server.flights[0]!.map((m) => m.msgType)).toEqual([HT.server_hello, HT.encrypted_extensions, HT.finished]);
  });

  it('sends no CertificateRequest in a PSK handshake, even when client certificates are requested (RFC 8446 §4.3.2)', async () => {
    const certs = serverConfig(provider);
    const s = serverConfig(provider, { ...pskServer, requestCert: true }, { certChain: certs.certChain, signingKey: certs.signingKey! });
    const l = await handshake(provider, s, pskClient());
    expect(l.server.flights[0]!.map((m) => m.msgType)).toEqual([HT.server_hello, HT.encrypted_extensions, HT.finished]);
    expect(l.server.machine.negotiated?.authorized).toBe(true);
  });

  it('prefers psk_dhe_ke when the client offers both', async () => {
    const l = await handshake(provider, serverConfig(provider, pskServer), pskClient());
    expect(l.server.machine.negotiated?.pskMode).toBe('psk_dhe_ke');
  });

  it('works with a PSK-only server and an asynchronous lookup on both sides', async () => {
    const s = serverConfig(provider, { pskCallback: async (id: string) => (id === 'device-7' ? Buffer.from(KEY) : null) });
    const c = clientConfig(provider, {}, { psk: async () => ({ identity, key: KEY }), pskModes: ['psk_ke'] });
    const l = await handshake(provider, s, c);
    expect(l.server.error).toBeUndefined();
    expect(l.client.completed).toBe(1);
    expect(l.server.machine.negotiated?.pskMode).toBe('psk_ke');
  });

  it('refuses a wrong key: the binder does not verify (decrypt_error, RFC 8446 §4.2.11)', async () => {
    const l = await handshake(provider, serverConfig(provider, pskServer), pskClient(undefined, new Uint8Array(32).fill(9)));
    expect(l.errorOf('server')?.alert).toBe('decrypt_error');
    expect(l.errorOf('server')?.code).toBe('ERR_DTLS_BAD_PSK_BINDER');
  });

  it('refuses an unknown identity at a PSK-only server with the same alert (CRY-06)', async () => {
    const s = serverConfig(provider, { pskCallback: () => null });
    const l = await handshake(provider, s, pskClient());
    expect(l.errorOf('server')?.alert).toBe('decrypt_error');
  });

  it('ignores an unknown identity at a server with a certificate: a full handshake', async () => {
    const certs = serverConfig(provider);
    const withCert = serverConfig(provider, { pskCallback: () => null }, { certChain: certs.certChain, signingKey: certs.signingKey! });
    const l = await handshake(provider, withCert, pskClient());
    expect(l.server.error).toBeUndefined();
    expect(l.client.machine.negotiated?.pskMode).toBeUndefined();
    expect(l.client.machine.negotiated?.peerCertificates.length).toBeGreaterThan(0);
  });

  it('looks past an identity it does not know to the next one (a stale ticket, then the external PSK)', async () => {
    const first = await handshake(provider, serverConfig(provider, {}, { sessions: { tickets: new TicketKeys(provider, [new Uint8Array(48).fill(3)], 3600) } }), clientConfig(provider));
    const c = clientConfig(provider, {}, { session13: first.client.tickets[0]!, psk: () => ({ identity, key: KEY }) });
    const l = await handshake(provider, serverConfig(provider, pskServer), c);
    expect(offeredPsks(l.client.flights[0]![0]!.body).identities).toHaveLength(2);
    expect(l.server.error).toBeUndefined();
    expect(l.server.machine.negotiated?.pskIdentity).toBe('device-7');
    expect(l.server.machine.negotiated?.resumed).toBe(false);
  });

  it('fails a lookup that rejects with internal_error handling in the association (the suspension carries it)', async () => {
    const s = serverConfig(provider, { pskCallback: () => Promise.reject(new Error('database down')) });
    const l = await handshake(provider, s, pskClient());
    expect(l.server.error).toBeInstanceOf(Error);
    expect(l.server.completed).toBe(0);
  });
});

describe.each(PROVIDERS13)('resumption with tickets ($name provider)', (provider) => {
  const ticketKeys = new TicketKeys(provider, [new Uint8Array(48).fill(7)], 3600);
  const server = (more = {}) => serverConfig(provider, {}, { sessions: { tickets: ticketKeys }, ...more });

  async function firstSession(c = clientConfig(provider)): Promise<{ l: Loopback; session: Uint8Array }> {
    const l = await handshake(provider, server(), c);
    expect(l.client.tickets).toHaveLength(1);
    return { l, session: l.client.tickets[0]! };
  }

  it('issues a NewSessionTicket in epoch 3 whose PSK both sides derive alike', async () => {
    const { l, session } = await firstSession();
    const nst = decodeNewSessionTicket13(new Reader(l.server.flights[1]![0]!.body));
    expect(nst.ticketLifetime).toBe(7200);
    expect(nst.ticketNonce.length).toBeGreaterThan(0);
    const s = decodeClientSession13(session);
    expect(s.ticket).toEqual(nst.ticket);
    expect(s.ticketAgeAdd).toBe(nst.ticketAgeAdd);
    expect(s.servername).toBe('localhost');
    expect(s.peerCertificates.length).toBeGreaterThan(0);
  });

  it.each(['psk_dhe_ke', 'psk_ke'] as const)('resumes with the ticket in %s mode and keeps the server identity', async (mode) => {
    const { session } = await firstSession();
    const l = new Loopback(provider);
    l.clock.now += 60_000;
    l.start(server(), clientConfig(provider, {}, { session13: session, pskModes: [mode] }));
    await l.run();
    expect(l.server.error).toBeUndefined();
    expect(l.client.error).toBeUndefined();
    const n = l.client.machine.negotiated!;
    expect(n.resumed).toBe(true);
    expect(n.pskMode).toBe(mode);
    expect(n.authorized).toBe(true);
    expect(n.peerCertificates.length).toBeGreaterThan(0);
    expect(l.server.machine.negotiated?.resumed).toBe(true);
    expect(l.server.flights[0]!.map((m) => m.msgType)).toEqual([HT.server_hello, HT.encrypted_extensions, HT.finished]);
    // The ticket age is obfuscated with ticket_age_add (RFC 8446 §4.2.11.1).
    const age = offeredPsks(l.client.flights[0]![0]!.body).identities[0]!.obfuscatedTicketAge;
    expect((age - decodeClientSession13(session).ticketAgeAdd + 2 ** 32) % 2 ** 32).toBe(60_000);
    // A fresh ticket for the next time.
    expect(l.client.tickets).toHaveLength(1);
  });

  it('resumes after a stateless HelloRetryRequest (binders over message_hash and the HelloRetryRequest)', async () => {
    const { session } = await firstSession();
    const l = new Loopback(provider).startStateless(server(), clientConfig(provider, {}, { session13: session, keyShareGroups: [] }), new Uint8Array(16).fill(1));
    await l.run();
    expect(l.server.error).toBeUndefined();
    expect(l.client.machine.negotiated?.resumed).toBe(true);
  });

  it('falls back to a full handshake for a ticket sealed with other keys, or expired', async () => {
    const { session } = await firstSession();
    const other = serverConfig(provider, {}, { sessions: { tickets: new TicketKeys(provider, [new Uint8Array(48).fill(8)], 3600) } });
    const l1 = await handshake(provider, other, clientConfig(provider, {}, { session13: session }));
    expect(l1.client.machine.negotiated?.resumed).toBe(false);
    expect(l1.client.completed).toBe(1);
    const l2 = new Loopback(provider);
    l2.clock.now += 7201_000;
    l2.start(server(), clientConfig(provider, {}, { session13: session }));
    await l2.run();
    // Expired for the client too: it does not even offer it.
    expect(findExtension(decodeClientHello(new Reader(l2.client.flights[0]![0]!.body)).extensions, E.pre_shared_key)).toBeUndefined();
    expect(l2.client.machine.negotiated?.resumed).toBe(false);
  });

  it('sends no ticket to a client that did not send psk_key_exchange_modes (RFC 8446 §4.2.9)', async () => {
    const l = await handshake(provider, server(), clientConfig(provider, { sessionTickets: false }));
    expect(l.client.completed).toBe(1);
    expect(l.server.flights).toHaveLength(1);
    expect(findExtension(decodeClientHello(new Reader(l.client.flights[0]![0]!.body)).extensions, E.psk_key_exchange_modes)).toBeUndefined();
  });

  it('does not offer a ticket to another server name (RFC 8446 §4.6.1)', async () => {
    const { session } = await firstSession();
    const l = await handshake(provider, server(), clientConfig(provider, { servername: 'other.example', rejectUnauthorized: false }, { session13: session }));
    expect(findExtension(decodeClientHello(new Reader(l.client.flights[0]![0]!.body)).extensions, E.pre_shared_key)).toBeUndefined();
  });

  it('does not resume a session of another server name at the server either', async () => {
    const { session } = await firstSession();
    // The client would not offer it (its check is tested above): forge that it did by renaming the session.
    const s = decodeClientSession13(session);
    const renamed = encodeClientSession13({ ...s, servername: 'other.example' });
    const l = await handshake(provider, server(), clientConfig(provider, { servername: 'other.example', rejectUnauthorized: false }, { session13: renamed }));
    expect(offeredPsks(l.client.flights[0]![0]!.body).identities).toHaveLength(1);
    expect(l.server.machine.negotiated?.resumed).toBe(false);
    expect(l.client.completed).toBe(1);
  });

  it('resumes only with a suite of the ticket hash', async () => {
    const { session } = await firstSession(clientConfig(provider, {}, { suites13: [SUITES_13[1]!] }));
    expect(decodeClientSession13(session).suiteId).toBe(0x1302);
    const l = await handshake(provider, server({ suites13: SUITES_13 }), clientConfig(provider, {}, { session13: session, suites13: SUITES_13 }));
    expect(l.client.machine.negotiated?.resumed).toBe(true);
    expect(l.client.machine.negotiated?.suite13.hash).toBe('sha384');
  });

  it('resumes a client that derives the PSK with the "tls13 " label (wolfSSL before 5.6.2) through the ticket\'s twin PSK', async () => {
    const { l: first, session } = await firstSession();
    const cs = decodeClientSession13(session);
    const sealed = openTicket13(ticketKeys, cs.ticket, first.clock.now)!;
    expect(sealed.pskTls13Label).toBeDefined();
    expect(sealed.pskTls13Label).not.toEqual(sealed.psk);
    const wolfish = encodeClientSession13({ ...cs, psk: sealed.pskTls13Label! });
    const l = new Loopback(provider);
    l.start(server(), clientConfig(provider, {}, { session13: wolfish }));
    await l.run();
    expect(l.server.error).toBeUndefined();
    expect(l.client.error).toBeUndefined();
    expect(l.server.machine.negotiated?.resumed).toBe(true);
    // Any other key still fails the binder.
    const wrong = new Loopback(provider);
    wrong.start(server(), clientConfig(provider, {}, { session13: encodeClientSession13({ ...cs, psk: new Uint8Array(cs.psk.length).fill(9) }) }));
    await wrong.run();
    expect(wrong.errorOf('server')?.code).toBe('ERR_DTLS_BAD_PSK_BINDER');
  });

  it('keeps the ticket PSK secret: a tampered binder is refused with decrypt_error', async () => {
    const { session } = await firstSession();
    const l = new Loopback(provider);
    l.tamper = (from, m) => {
      if (from !== 'client' || m.msgType !== HT.client_hello) return m;
      const body = Uint8Array.from(m.body);
      body[body.length - 1]! ^= 1;
      return { ...m, body };
    };
    l.start(server(), clientConfig(provider, {}, { session13: session }));
    await l.run();
    expect(l.errorOf('server')?.alert).toBe('decrypt_error');
  });
});
