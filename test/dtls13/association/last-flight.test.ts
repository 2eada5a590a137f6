/**
 * The DTLS 1.3 client's last flight (its Finished) after the handshake
 * (RFC 9147 §5.8.4, §7): kept until the server acknowledges it. An ACK that
 * never comes must not close an established association; the flight stays
 * for the server's retransmission to bring it again.
 */
import { describe, expect, it } from 'vitest';
import { CLIENT_ADDR, PROVIDERS, SERVER_ADDR, pair, runHandshake } from '../../helpers/net.js';

describe.each(PROVIDERS)('a DTLS 1.3 client whose Finished is never acknowledged ($name)', (provider) => {
  it('stays established, and carries data once the path heals', () => {
    const p = pair({ provider, client: { minVersion: 'DTLSv1.3', maxVersion: 'DTLSv1.3' } });
    // The server's ACK of the client's Finished is the only datagram from it after its flight: cut that way once the client is done.
    p.net.run({ until: () => p.client.established, maxTime: 10_000 });
    expect(p.client.established).toBe(true);
    p.net.link(SERVER_ADDR, CLIENT_ADDR, { drop: 1 });
    const before = p.net.stats(CLIENT_ADDR, SERVER_ADDR).sent;
    // Past every retransmission (10, the last ones 60 s apart), short of the 10-minute idle timeout.
    p.net.advance(450_000);
    // It did keep resending its Finished flight for the ACK.
    expect(p.net.stats(CLIENT_ADDR, SERVER_ADDR).sent - before).toBeGreaterThanOrEqual(3);
    expect(p.client.closed).toBe(false);
    expect(p.client.error).toBeUndefined();
    p.net.unlink(SERVER_ADDR, CLIENT_ADDR);
    expect(runHandshake(p)).toBe(true);
    p.client.send(new TextEncoder().encode('still here'), p.net.now);
    p.net.advance(1_000);
    expect(p.server.received.get(`${CLIENT_ADDR.address}:${CLIENT_ADDR.port}`)?.map((m) => new TextDecoder().decode(m))).toContain('still here');
  });
});
