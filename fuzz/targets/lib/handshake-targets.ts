/**
 * The bodies of the whole-handshake targets, for DTLS 1.2 (server-handshake,
 * client-handshake) and DTLS 1.3 (dtls13-server-handshake,
 * dtls13-client-handshake): the same input format, oracle and end checks,
 * over a version's scenarios. See the target files and fuzz/README.md.
 */
import { FuzzInput, check } from './oracle.js';
import {
  CLIENT_ADDR, OTHER_ADDR, SERVER_ADDR, type Scenario, T0, TICK, assertEstablishedSurvived, assertNoInternalError, assertOnlyAuthenticData,
  newClient, newServer, steps,
} from './endpoints.js';
import { clientHelloWithCookie, isClientLastFlight, serverFlightsBeforeFinished } from './recordings.js';

/** A target: `fuzz`, and whether an input completed a handshake (the regression replay checks that the seeds still do). */
export interface HandshakeTarget {
  fuzz(buf: Buffer): void;
  completesHandshake(buf: Buffer): boolean;
}

/**
 * A server fed the input: byte 0 bit 0 picks a cookie server that first
 * receives the recorded ClientHello-with-cookie (0) or a `cookieExchange:
 * false` server (1); bits 1-2 the scenario; then `steps`.
 */
export function serverTarget(scenarios: readonly Scenario[]): HandshakeTarget {
  const hellos = new Map<Scenario, Uint8Array>(scenarios.map((s) => [s, clientHelloWithCookie(s)]));
  let established = false;
  const fuzz = (buf: Buffer): void => {
    const input = new FuzzInput(buf);
    const mode = input.u8();
    const scenario = scenarios[(mode >> 1) & 3]!;
    const direct = (mode & 1) === 1;
    const server = newServer(scenario, !direct);
    let now = T0;
    if (!direct) {
      server.receive(hellos.get(scenario)!, CLIENT_ADDR, now);
      check(server.endpoint.handshakeCount === 1, 'the recorded ClientHello did not start a handshake');
    }
    for (const st of steps(input)) {
      if (st.kind === 'tick') {
        now += TICK;
        server.onTimeout(now);
      } else {
        server.receive(st.data, st.other ? OTHER_ADDR : CLIENT_ADDR, now);
      }
      server.takeOutgoing();
      check(server.endpoint.handshakeCount <= 4, 'more half-open handshakes than maxHandshakes');
    }
    check(!server.waiting, 'a synchronous callback left the handshake waiting');
    established = server.established > 0;
    // Past every deadline nothing may be left: no association, no timer.
    server.onTimeout(now + 3_600_000);
    server.takeOutgoing();
    assertNoInternalError(server.events, 'server');
    for (const e of server.events) if (e.type === 'close' && e.wasEstablished) assertEstablishedSurvived(e.error, 'server');
    const delivered = new Map<unknown, Uint8Array[]>();
    for (const e of server.events) {
      if (e.type === 'secure') delivered.set(e.assoc, []);
      if (e.type === 'data') {
        check(delivered.has(e.assoc), 'application data delivered before the handshake completed');
        delivered.get(e.assoc)!.push(e.data);
      }
    }
    for (const list of delivered.values()) assertOnlyAuthenticData(list, 'server');
    check(server.endpoint.size === 0, `${server.endpoint.size} association(s) left after every deadline passed`);
    check(server.endpoint.nextTimeout() === undefined, 'a timer is left after every association closed');
  };
  return {
    fuzz,
    completesHandshake(buf) {
      fuzz(buf);
      return established;
    },
  };
}

const PING = new TextEncoder().encode('fuzz');

/**
 * A client fed the input as the server's datagrams: byte 0 bit 0 picks the
 * input from the server's first answer on (0), or the recorded server
 * datagrams played first so that the input continues after the client's
 * last flight (1); bits 1-2 the scenario; then `steps` (the top bit of a
 * length makes the client send application data after that datagram).
 */
export function clientTarget(scenarios: readonly Scenario[]): HandshakeTarget {
  const flights = new Map<Scenario, Uint8Array[]>(scenarios.map((s) => [s, serverFlightsBeforeFinished(s)]));
  let established = false;
  const fuzz = (buf: Buffer): void => {
    const input = new FuzzInput(buf);
    const mode = input.u8();
    const scenario = scenarios[(mode >> 1) & 3]!;
    const replay = (mode & 1) === 1;
    const client = newClient(scenario);
    client.takeOutgoing();
    let now = T0;
    if (replay) {
      for (const d of flights.get(scenario)!) client.receive(d, SERVER_ADDR, now);
      const last = client.takeOutgoing();
      check(!client.closed && last.some((d) => isClientLastFlight(d.data)),
        `replaying the recorded flights did not make the client send its last flight (${client.conn.handshakeState}, ${client.error?.message ?? 'open'})`);
    }
    for (const st of steps(input)) {
      if (st.kind === 'tick') {
        now += TICK;
        client.onTimeout(now);
      } else {
        client.receive(st.data, SERVER_ADDR, now);
        if (st.other && !client.closed) client.send(PING, now);
      }
      client.takeOutgoing();
    }
    established = client.established || client.establishedAt !== undefined;
    // Past every deadline the client is closed (handshake timeout or idle timeout) and has no timer left.
    client.onTimeout(now + 3_600_000);
    client.takeOutgoing();
    assertNoInternalError(client.events, 'client');
    if (client.establishedAt !== undefined) assertEstablishedSurvived(client.error, 'client');
    assertOnlyAuthenticData(client.received, 'client');
    check(client.closed, 'the client is still open after every deadline passed');
    check(client.nextTimeout() === undefined, 'a closed client still has a timer');
  };
  return {
    fuzz,
    completesHandshake(buf) {
      fuzz(buf);
      return established;
    },
  };
}
