/**
 * ACKs (RFC 9147 §7) and KeyUpdate (§8) that an attacker or a misbehaving
 * peer sends, both crypto providers, through the endpoints (issue 13): ACKs
 * for records never sent, for the wrong epoch, or in plaintext after the
 * handshake are ignored, a malformed ACK changes nothing, and a KeyUpdate
 * storm cannot make the peer allocate or answer without bound.
 */
import { describe, expect, it } from 'vitest';
import { encode } from '../../src/codec/writer.js';
import { encodeAck } from '../../src/dtls13/messages/ack.js';
import { encodePlaintextRecord13 } from '../../src/dtls13/record.js';
import { HandshakeType } from '../../src/handshake/registry.js';
import { ContentType } from '../../src/record/content-type.js';
import type { RecordNumber } from '../../src/connection/flight-sender.js';
import {
  CLIENT_ADDR, PROVIDERS13, type Pair13, RecordTap, SERVER_ADDR, collect, conn13, established13, fragmentsIn, handshake13, handshakeMessage, pair13,
  peerControls, sealed, serverConn13,
} from './helpers/dtls13.js';

const te = new TextEncoder();
const ackBody = (numbers: RecordNumber[]) => encode((w) => encodeAck(w, { recordNumbers: numbers }));

/** The client starts a KeyUpdate while the server's answers are lost; returns the KeyUpdate's record number. */
function clientKeyUpdateUnanswered(p: Pair13): RecordNumber {
  p.net.run({ maxTime: 50 }); // the handshake's last ACKs
  const client = conn13(p.client.conn);
  p.net.link(SERVER_ADDR, CLIENT_ADDR, { drop: 1 });
  const rn = { epoch: client.records.currentWriteEpoch, seq: client.records.nextWriteSeq() };
  client.updateKeys(false);
  collect(p);
  p.net.run({ maxTime: 50 });
  expect((client as unknown as { keyUpdate: string }).keyUpdate).toBe('sent');
  return rn;
}

describe.each(PROVIDERS13)('hostile ACKs and KeyUpdates (%s)', (_name, provider) => {
  it('§7: during the handshake a spoofed plaintext ACK naming the server\'s protected records does not stop their retransmission', () => {
    const tap = new RecordTap();
    const p = pair13({ provider, impairments: { filter: tap.filter } });
    // The server's flight (its second datagram to the client) is lost once.
    p.net.link(SERVER_ADDR, CLIENT_ADDR, { filter: (dg) => (tap.filter(dg), dg.index === 1 ? 'drop' : 'pass') });
    p.net.run({ until: () => tap.from('server').length === 2, maxTime: 100 });
    const flight = tap.from('server')[1]!;
    const numbers = flight.records.filter((r) => r.epoch === 2).map((r) => ({ epoch: r.epoch, seq: r.seq }));
    // EncryptedExtensions … Finished: one record since flights pack their epoch-2 messages (FlightSender).
    expect(numbers.length).toBeGreaterThanOrEqual(1);
    expect(fragmentsIn(flight).length).toBeGreaterThan(3);
    p.net.inject(CLIENT_ADDR, SERVER_ADDR, encodePlaintextRecord13(ContentType.ack, 40, ackBody(numbers)));
    expect(handshake13(p, 5_000)).toBe(true);
    tap.close();
    // The server resent every protected record of its flight on its timer.
    const resent = tap.from('server', 900).flatMap(fragmentsIn);
    expect(resent).toEqual(expect.arrayContaining(fragmentsIn(flight)));
    expect(p.server.events.some((e) => e.type === 'drop' && e.reason === 'ack for a later epoch than its own')).toBe(true);
  });

  it('§7: ACKs for records never sent, or naming a record in the wrong epoch, do not complete a KeyUpdate', () => {
    const p = established13({ provider });
    const ku = clientKeyUpdateUnanswered(p);
    const client = conn13(p.client.conn);
    const server = serverConn13(p);
    for (const numbers of [[{ epoch: ku.epoch, seq: ku.seq + 1_000 }], [{ epoch: ku.epoch + 1, seq: ku.seq }], [{ epoch: 2, seq: ku.seq }]]) {
      p.net.inject(SERVER_ADDR, CLIENT_ADDR, sealed(server, ContentType.ack, ackBody(numbers)));
    }
    p.net.run({ maxTime: 50 });
    expect((client as unknown as { keyUpdate: string }).keyUpdate).toBe('sent');
    expect(client.records.currentWriteEpoch).toBe(ku.epoch);
    // The genuine ACK, once the path heals, completes it.
    p.net.unlink(SERVER_ADDR, CLIENT_ADDR);
    p.net.run({ maxTime: 3_000 });
    expect(client.records.currentWriteEpoch).toBe(ku.epoch + 1);
  });

  it('§7: a plaintext ACK after the handshake is ignored, even naming the right record; so is a malformed authenticated one', () => {
    const p = established13({ provider });
    const ku = clientKeyUpdateUnanswered(p);
    const client = conn13(p.client.conn);
    p.net.inject(SERVER_ADDR, CLIENT_ADDR, encodePlaintextRecord13(ContentType.ack, 99, ackBody([ku])));
    p.net.inject(SERVER_ADDR, CLIENT_ADDR, sealed(serverConn13(p), ContentType.ack, Uint8Array.of(0, 3, 1, 2, 3)));
    p.net.run({ maxTime: 50 });
    expect(client.drops['plaintext ack after the handshake']).toBe(1);
    expect(client.drops['malformed ack']).toBe(1);
    expect((client as unknown as { keyUpdate: string }).keyUpdate).toBe('sent');
    expect(client.records.currentWriteEpoch).toBe(ku.epoch);
    expect(client.isClosed).toBe(false);
  });

  it('§8: a KeyUpdate storm (500, each asking for ours, each in the next epoch without waiting for our ACK) keeps at most two read epochs and one answer per KeyUpdate', () => {
    const p = established13({ provider });
    p.net.run({ maxTime: 50 });
    const client = conn13(p.client.conn);
    const server = serverConn13(p);
    const ctl = peerControls(server);
    const before = p.net.stats(CLIENT_ADDR, SERVER_ADDR);
    const STORM = 500;
    let maxReadable = 0;
    let maxAck = 0;
    const tap = new RecordTap();
    p.net.link(CLIENT_ADDR, SERVER_ADDR, { filter: tap.filter });
    for (let i = 0; i < STORM; i++) {
      const ku = handshakeMessage(HandshakeType.key_update, ctl.nextSendSeq++, Uint8Array.of(1)); // update_requested
      p.net.inject(SERVER_ADDR, CLIENT_ADDR, sealed(server, ContentType.handshake, ku));
      ctl.switchWriteKeys();
      p.net.run({ maxTime: 5 });
      maxReadable = Math.max(maxReadable, client.records.readableEpochs.length);
    }
    p.net.run({ maxTime: 100 });
    tap.close();
    for (const d of tap.from('client')) maxAck = Math.max(maxAck, d.size);
    const after = p.net.stats(CLIENT_ADDR, SERVER_ADDR);
    expect(client.isClosed).toBe(false);
    expect(maxReadable).toBeLessThanOrEqual(2);
    // Each KeyUpdate got one ACK; the client's own KeyUpdates went one at a time (each waits for its ACK).
    expect(after.sent - before.sent).toBeLessThanOrEqual(2 * STORM);
    expect(maxAck).toBeLessThan(200);
    // Still one association that carries data both ways, in the newest epochs.
    p.server.echo = true;
    p.client.send(te.encode('after the storm'), p.net.now);
    p.net.run({ until: () => p.client.received.length > 0, maxTime: 5_000 });
    expect(p.client.received.map((m) => Buffer.from(m).toString())).toEqual(['after the storm']);
    expect(client.records.currentReadEpoch).toBe(3 + STORM);
  });

  it('§8: one KeyUpdate replayed in 300 fresh records changes the keys once; each copy is answered by one small ACK', () => {
    const p = established13({ provider });
    p.net.run({ maxTime: 50 });
    const client = conn13(p.client.conn);
    const server = serverConn13(p);
    const ku = handshakeMessage(HandshakeType.key_update, peerControls(server).nextSendSeq++, Uint8Array.of(0));
    const tap = new RecordTap();
    p.net.link(CLIENT_ADDR, SERVER_ADDR, { filter: tap.filter });
    for (let i = 0; i < 300; i++) p.net.inject(SERVER_ADDR, CLIENT_ADDR, sealed(server, ContentType.handshake, ku));
    p.net.run({ maxTime: 50 });
    tap.close();
    expect(client.isClosed).toBe(false);
    expect(client.records.currentReadEpoch).toBe(4);
    const answers = tap.from('client');
    expect(answers.length).toBeLessThanOrEqual(300);
    expect(Math.max(...answers.map((d) => d.size))).toBeLessThan(200);
  });

  it('§8: a second KeyUpdate in the epoch the first one left is a protocol violation: unexpected_message', () => {
    const p = established13({ provider });
    p.net.run({ maxTime: 50 });
    const server = serverConn13(p);
    for (let i = 0; i < 2; i++) {
      p.net.inject(SERVER_ADDR, CLIENT_ADDR, sealed(server, ContentType.handshake, handshakeMessage(HandshakeType.key_update, peerControls(server).nextSendSeq++, Uint8Array.of(0))));
    }
    p.net.run({ maxTime: 50 });
    expect(p.client.error?.alert).toBe('unexpected_message');
  });
});
