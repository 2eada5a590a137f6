// One node of a puredtls cluster (docs/scaling.md, "A cluster"): a DTLS echo server whose
// Connection IDs carry its node id, which forwards the records of clients owned by other
// nodes to them over the authenticated node-to-node channel, and shares session IDs
// through Redis. Run three behind examples/cluster/nginx.conf:
//
//   head -c 32 /dev/urandom > cluster.key; head -c 32 /dev/urandom > cookie.secret
//   head -c 48 /dev/urandom > ticket.keys; head -c 32 /dev/urandom > session-store.key
//   redis-server --port 6379 --bind 127.0.0.1 &
//   for i in 1 2 3; do node examples/cluster/node.mjs --node $i --port 444$i \
//     --nodes 1=127.0.0.1:7441,2=127.0.0.1:7442,3=127.0.0.1:7443 --redis redis://127.0.0.1:6379 & done
//   nginx -p /tmp -c "$PWD/examples/cluster/nginx.conf" -e stderr
//
// It echoes every message as "<node id>/<via>:<message>" (the owner answers; via: the node the
// client's datagrams reach, which forwards them when it is another), prints "listening
// node N on udp://HOST:PORT" when ready, and its cluster counters on SIGUSR2 and at exit.
import * as dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { parseArgs } from 'node:util';
import { createClient } from 'redis';
import { createServer } from 'puredtls';
import { redisSessionStore } from 'puredtls/redis';

const pki = (file) => new URL(`../../test/fixtures/pki/${file}`, import.meta.url);
const { values: opt } = parseArgs({
  options: {
    node: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '4441' },
    nodes: { type: 'string' }, // id=host:port,... (the channel addresses, this node's included)
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
    'cluster-key': { type: 'string', default: 'cluster.key' },
    'cookie-secret': { type: 'string', default: 'cookie.secret' },
    'ticket-keys': { type: 'string', default: 'ticket.keys' },
    'session-store-key': { type: 'string', default: 'session-store.key' },
    'no-tickets': { type: 'boolean', default: false },
  },
});
const nodeId = Number(opt.node);
const nodes = opt.nodes.split(',').map((n) => {
  const [id, hostPort] = n.split('=');
  const i = hostPort.lastIndexOf(':');
  return { id: Number(id), address: hostPort.slice(0, i), port: Number(hostPort.slice(i + 1)) };
});

const redis = createClient({ url: opt.redis });
redis.on('error', (err) => console.error(`redis: ${err.message}`));
await redis.connect();

const server = createServer({
  key: readFileSync(pki('server-ecdsa-p256.key.pem')),
  cert: readFileSync(pki('server-ecdsa-p256.crt.pem')),
  // The same on every node: any node answers any ClientHello, resumes any ticket or session ID.
  cookieSecret: readFileSync(opt['cookie-secret']),
  ticketKeys: readFileSync(opt['ticket-keys']),
  sessionTickets: !opt['no-tickets'],
  sessionStore: redisSessionStore(redis),
  sessionStoreKey: readFileSync(opt['session-store-key']),
  cluster: { nodeId, nodes, key: readFileSync(opt['cluster-key']) },
  socket: dgram.createSocket(isIPv4(opt.host) ? 'udp4' : 'udp6'),
});
server.on('secureConnection', (peer) => {
  const { address, port, via } = peer.address();
  console.log(`secure ${address}:${port}${via !== undefined ? ` via ${via}` : ''} ${peer.getProtocol()}${peer.isSessionReused() ? ' resumed' : ''}`);
  peer.on('message', (msg) => {
    try {
      // "<owner>/<the node the client talks to>:<message>"
      peer.send(`${nodeId}/${peer.address().via ?? nodeId}:${msg}`);
    } catch {
      // closed meanwhile
    }
  });
});
server.on('error', (err, info) => console.error(`error ${info ? `${info.address}:${info.port} ` : ''}${err.code ?? ''} ${err.message}`));
server.on('listening', () => console.log(`listening node ${nodeId} on udp://${opt.host}:${opt.port}`));
server.bind(Number(opt.port), opt.host);

const counters = () => console.log(`cluster ${JSON.stringify(server.clusterStats)}`);
process.on('SIGUSR2', counters);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    counters();
    server.close(() => redis.quit().finally(() => process.exit(0)));
  });
}
