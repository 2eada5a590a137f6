/**
 * Acceptance item 2 of issue 17: nginx's UDP proxy (loopback, its own prefix)
 * in front of three server processes (examples/cluster/node.mjs) sharing a
 * Redis server, all started here. Clients behind a NAT of their own change
 * their source port mid-connection and keep their association; a session ID
 * resumes on a node other than the one that made it; a node killed mid-run:
 * its clients handshake again on the others, and the others' associations go
 * on (no new handshake, every message answered by the same owner).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as dgram from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClientConnection, connectAsync } from '../../src/index.js';
import { requirePeer } from '../interop/peers.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';
const has = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
const NGINX = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';
const HAS_NGINX = requirePeer('nginx with the stream module', has(NGINX, ['-v']) && existsSync(STREAM_MODULE), 'nginx libnginx-mod-stream');
const HAS_REDIS = requirePeer('redis-server', has('redis-server', ['--version']), 'redis-server');

const CA = readFileSync(join(ROOT, 'test/fixtures/pki/ca-bundle.pem'));

async function freePort(kind: 'udp' | 'tcp'): Promise<number> {
  if (kind === 'tcp') {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise((r) => s.close(r));
    return port;
  }
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A process whose output is kept, with a wait for a line. */
class Proc {
  out = '';
  readonly child: ChildProcess;
  constructor(readonly name: string, cmd: string, args: string[], cwd: string) {
    this.child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d) => (this.out += d));
    this.child.stderr!.on('data', (d) => (this.out += d));
  }
  async waitFor(re: RegExp, ms = 30_000): Promise<void> {
    const until = Date.now() + ms;
    while (!re.test(this.out)) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`${this.name} exited: ${this.out}`);
      if (Date.now() > until) throw new Error(`${this.name}: no ${re} in ${ms} ms: ${this.out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}

/** A client's NAT: the client talks to `port`; datagrams leave from an upstream port that `rebind` changes. */
class Nat {
  private readonly down = dgram.createSocket('udp4');
  private up: dgram.Socket | undefined;
  private client: { address: string; port: number } | undefined;
  port = 0;
  constructor(private readonly lbPort: number) {}
  async start(): Promise<this> {
    await new Promise<void>((r) => this.down.bind(0, '127.0.0.1', r));
    this.port = this.down.address().port;
    this.down.on('message', (msg, rinfo) => {
      this.client = { address: rinfo.address, port: rinfo.port };
      this.up?.send(msg, this.lbPort, '127.0.0.1');
    });
    await this.rebind();
    return this;
  }
  /** NAT rebinding: a new upstream socket, so nginx sees a new source port (a new session, maybe another node). */
  async rebind(): Promise<void> {
    const old = this.up;
    const up = dgram.createSocket('udp4');
    await new Promise<void>((r) => up.bind(0, '127.0.0.1', r));
    up.on('message', (msg) => this.client && this.down.send(msg, this.client.port, this.client.address));
    up.on('error', () => {});
    this.up = up;
    old?.close();
  }
  close(): void {
    this.up?.close();
    this.down.close();
  }
}

interface Device {
  nat: Nat;
  client: ClientConnection;
  owner: number;
  /** The node its datagrams reach now (the owner, or a node forwarding to it). */
  via?: number;
  closed: boolean;
  retries: number;
}

/**
 * Send `msg` until its echo arrives (the owner answers "<owner>/<via>:<msg>"); the owner's id
 * (and the node the client talks to in `d.via`), or undefined after `tries`.
 */
async function ask(d: { client: ClientConnection; retries?: number; closed?: boolean; via?: number }, msg: string, tries = 6, wait = 1500): Promise<number | undefined> {
  return new Promise((resolve) => {
    let n = 0;
    let timer: NodeJS.Timeout;
    const onMessage = (m: Buffer) => {
      const s = m.toString();
      if (!s.endsWith(`:${msg}`)) return;
      clearTimeout(timer);
      d.client.off('message', onMessage);
      const [owner, via] = s.slice(0, s.indexOf(':')).split('/').map(Number);
      d.via = via;
      resolve(owner);
    };
    const attempt = () => {
      if (n++ >= tries || d.closed === true) {
        d.client.off('message', onMessage);
        return resolve(undefined);
      }
      if (n > 1 && d.retries !== undefined) d.retries++;
      try {
        d.client.send(msg);
      } catch {
        // closed
      }
      timer = setTimeout(attempt, wait);
    };
    d.client.on('message', onMessage);
    attempt();
  });
}

describe.runIf(HAS_NGINX && HAS_REDIS)('a cluster of three processes behind nginx, sharing Redis', () => {
  let dir: string;
  const procs: Proc[] = [];
  const nodes = new Map<number, Proc>();
  const nats: Nat[] = [];
  let lbPort = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'puredtls-cluster-'));
    for (const [f, n] of [['cluster.key', 32], ['cookie.secret', 32], ['ticket.keys', 48], ['session-store.key', 32]] as const) writeFileSync(join(dir, f), randomBytes(n));
    const redisPort = await freePort('tcp');
    const redis = new Proc('redis', 'redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], dir);
    procs.push(redis);
    await redis.waitFor(/Ready to accept connections/);
    const dtls = [await freePort('udp'), await freePort('udp'), await freePort('udp')];
    const chan = [await freePort('udp'), await freePort('udp'), await freePort('udp')];
    const list = chan.map((p, i) => `${i + 1}=127.0.0.1:${p}`).join(',');
    for (const id of [1, 2, 3]) {
      const p = new Proc(`node ${id}`, process.execPath, [join(ROOT, 'examples/cluster/node.mjs'), '--node', String(id), '--port', String(dtls[id - 1]), '--nodes', list, '--redis', `redis://127.0.0.1:${redisPort}`, '--no-tickets'], dir);
      procs.push(p);
      nodes.set(id, p);
    }
    for (const [id, p] of nodes) await p.waitFor(new RegExp(`listening node ${id} `));
    lbPort = await freePort('udp');
    // The repository's nginx.conf, with free ports instead of its own.
    const conf = readFileSync(join(ROOT, 'examples/cluster/nginx.conf'), 'utf8')
      .replace('127.0.0.1:4433 udp', `127.0.0.1:${lbPort} udp`)
      .replace('127.0.0.1:4441', `127.0.0.1:${dtls[0]}`).replace('127.0.0.1:4442', `127.0.0.1:${dtls[1]}`).replace('127.0.0.1:4443', `127.0.0.1:${dtls[2]}`);
    expect(conf).not.toMatch(/:444[1-3]\b|:4433 /);
    writeFileSync(join(dir, 'nginx.conf'), conf);
    const nginx = new Proc('nginx', NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', 'stderr'], dir);
    procs.push(nginx);
    const until = Date.now() + 20_000;
    while (!existsSync(join(dir, 'nginx.pid'))) {
      if (nginx.child.exitCode !== null || Date.now() > until) throw new Error(`nginx did not start: ${nginx.out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  afterAll(async () => {
    for (const n of nats) {
      try {
        n.close();
      } catch {
        // closed
      }
    }
    for (const p of procs) p.kill('SIGTERM');
    await Promise.all(procs.map((p) => (p.child.exitCode !== null || p.child.signalCode !== null ? undefined : new Promise((r) => p.child.once('exit', r)))));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function device(version: 'DTLSv1.2' | 'DTLSv1.3', session?: Buffer): Promise<Device> {
    const nat = await new Nat(lbPort).start();
    nats.push(nat);
    const client = await connectAsync({
      host: '127.0.0.1', port: nat.port, ca: CA, servername: 'localhost', connectionId: 0, maxVersion: version, minVersion: version,
      ...(session && { session }),
    });
    const d: Device = { nat, client, owner: 0, closed: false, retries: 0 };
    client.on('close', () => (d.closed = true));
    client.on('error', () => {});
    d.owner = (await ask(d, `hello-${nat.port}`))!;
    expect([1, 2, 3]).toContain(d.owner);
    return d;
  }

  it('keeps associations across port changes, resumes session IDs on other nodes, and survives a node killed mid-run', async () => {
    // Devices, DTLS 1.2 and 1.3, until at least two nodes own some.
    const devices: Device[] = [];
    while (devices.length < 6 || (new Set(devices.map((d) => d.owner)).size < 2 && devices.length < 12)) {
      devices.push(await device(devices.length % 2 === 0 ? 'DTLSv1.2' : 'DTLSv1.3'));
    }
    expect(new Set(devices.map((d) => d.owner)).size).toBeGreaterThanOrEqual(2);

    // 1. NAT rebinding, twice per device: the same owner answers, no new handshake.
    for (let round = 0; round < 2; round++) {
      for (const d of devices) {
        await d.nat.rebind();
        expect(await ask(d, `moved-${round}-${d.nat.port}`)).toBe(d.owner);
        expect(d.closed).toBe(false);
      }
    }
    const forwarded = await clusterCounters();
    expect(forwarded.forwarded).toBeGreaterThan(0);
    expect(forwarded.repliesDelivered).toBeGreaterThan(0);
    expect(forwarded.drops).toBe(0);

    // 2. Session-ID resumption on a node other than the one that made the session.
    const first = await device('DTLSv1.2');
    const made = first.owner;
    const session = first.client.getSession()!;
    expect(session).toBeDefined();
    first.client.end();
    let resumedElsewhere: { owner: number; reused: boolean } | undefined;
    for (let i = 0; i < 12 && resumedElsewhere === undefined; i++) {
      const again = await device('DTLSv1.2', session);
      if (again.owner !== made) resumedElsewhere = { owner: again.owner, reused: again.client.isSessionReused() };
      again.client.end();
    }
    expect(resumedElsewhere).toMatchObject({ reused: true });
    expect(resumedElsewhere!.owner).not.toBe(made);

    // 3. A node dies (SIGKILL) mid-run.
    const counts = new Map<number, number>();
    for (const d of devices) counts.set(d.owner, (counts.get(d.owner) ?? 0) + 1);
    // Rather a node that also forwards for devices it does not own: they must go on through another.
    const through = (n: number) => devices.filter((d) => d.owner !== n && d.via === n).length;
    const victim = [...counts].sort((a, b) => (through(b[0]) > 0 ? 1 : 0) - (through(a[0]) > 0 ? 1 : 0) || a[1] - b[1])[0]![0];
    const detoured = through(victim);
    const orphans = devices.filter((d) => d.owner === victim);
    const others = devices.filter((d) => d.owner !== victim);
    expect(orphans.length).toBeGreaterThan(0);
    expect(others.length).toBeGreaterThan(0);
    const dead = nodes.get(victim)!;
    dead.kill('SIGKILL');
    await new Promise((r) => dead.child.once('exit', r));

    // The others: every message answered by the same owner, the same association (never closed, no handshake).
    const before = others.map((d) => d.client);
    await Promise.all(others.map(async (d) => {
      for (let i = 0; i < 5; i++) expect(await ask(d, `after-${i}-${d.nat.port}`, 10, 1500)).toBe(d.owner);
    }));
    expect(others.map((d) => d.client)).toEqual(before);
    expect(others.filter((d) => d.closed)).toEqual([]);
    // The orphans: their owner is gone; they handshake again (a new socket, as a device would) on a live node.
    console.log(`cluster: ${devices.length} devices, owners ${JSON.stringify([...counts])}, forwarded ${forwarded.forwarded}, replies through other nodes ${forwarded.repliesDelivered}; session made on ${made}, resumed on ${resumedElsewhere!.owner}; killed node ${victim} (${orphans.length} orphans; ${detoured} others were reaching their owner through it), messages re-sent by the others ${others.reduce((a, d) => a + d.retries, 0)}`);
    await Promise.all(orphans.map(async (d) => {
      expect(await ask(d, `orphan-${d.nat.port}`, 2, 1000)).toBeUndefined();
      d.client.end();
      const fresh = await device(d === orphans[0] ? 'DTLSv1.2' : 'DTLSv1.3');
      expect(fresh.owner).not.toBe(victim);
      expect(fresh.client.isSessionReused()).toBe(false);
    }));
  });

  /** The cluster counters of the live nodes (SIGUSR2 prints them). */
  async function clusterCounters(): Promise<{ forwarded: number; repliesDelivered: number; drops: number }> {
    const sum = { forwarded: 0, repliesDelivered: 0, drops: 0 };
    for (const p of nodes.values()) {
      if (p.child.exitCode !== null || p.child.signalCode !== null) continue;
      const at = p.out.length;
      p.child.kill('SIGUSR2');
      const until = Date.now() + 10_000;
      while (!/cluster \{.*\}\n/.test(p.out.slice(at)) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      const line = /cluster (\{.*\})\n/.exec(p.out.slice(at))![1]!;
      const s = JSON.parse(line) as { forwarded: number; repliesDelivered: number; channelDrops: Record<string, number> };
      sum.forwarded += s.forwarded;
      sum.repliesDelivered += s.repliesDelivered;
      sum.drops += Object.values(s.channelDrops).reduce((a, b) => a + b, 0);
    }
    return sum;
  }
});
