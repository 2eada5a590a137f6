// Test PKI and the handshake configurations measured.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const PKI_DIR = path.resolve(here, '..', '..', 'test', 'fixtures', 'pki');
export const pkiPath = (f) => path.join(PKI_DIR, f);
const read = (f) => fs.readFileSync(pkiPath(f));

export function loadPki() {
  return {
    ca: read('ca-bundle.pem'),
    ecdsa: { key: read('server-ecdsa-p256.key.pem'), cert: read('server-ecdsa-p256.crt.pem') },
    rsa: { key: read('server-rsa2048.key.pem'), cert: read('server-rsa2048.crt.pem') },
    pskIdentity: fs.readFileSync(pkiPath('psk-identity.txt'), 'utf8').trim(),
    pskKey: Buffer.from(fs.readFileSync(pkiPath('psk-key.hex'), 'utf8').trim(), 'hex'),
  };
}

/**
 * Handshake configurations. `serverCurve`/`clientCurve` are ecdhCurve values:
 * an ECDSA P-256 certificate needs P-256 among the client's supported_groups
 * (RFC 8422 §5.1), so the X25519 rows offer 'X25519:P-256' and the server prefers X25519.
 * `werift`: its signatureHash ({hash: sha256, signature: 3 ecdsa | 1 rsa}) and the
 * curves its client offers (werift's server takes the client's first: 23 = P-256, 29 = X25519).
 */
export const SUITES = {
  'ecdsa-p256': {
    label: 'ECDHE-ECDSA P-256', identity: 'ecdsa', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256',
    serverCurve: 'P-256:X25519', clientCurve: 'P-256', werift: { signature: 3, curves: [23] },
  },
  'ecdsa-x25519': {
    label: 'ECDHE-ECDSA X25519', identity: 'ecdsa', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256',
    serverCurve: 'X25519:P-256', clientCurve: 'X25519:P-256', werift: { signature: 3, curves: [29, 23] },
  },
  'rsa2048': {
    label: 'ECDHE-RSA-2048 (X25519)', identity: 'rsa', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256',
    serverCurve: 'X25519:P-256', clientCurve: 'X25519:P-256', werift: { signature: 1, curves: [29, 23] },
  },
  psk: { label: 'PSK (PSK-AES128-GCM-SHA256)', identity: 'psk', ciphers: 'PSK-AES128-GCM-SHA256' },
};

/** createServer options (minus socket) for a suite and provider. */
export function serverOptions(pki, suiteName, crypto, extra = {}) {
  const s = SUITES[suiteName];
  const o = { ciphers: s.ciphers, crypto, maxHandshakesPerAddress: 100_000, maxHandshakes: 10_000, ...extra };
  if (s.identity === 'psk') {
    const key = pki.pskKey;
    o.pskCallback = (id) => (id === pki.pskIdentity ? key : null);
  } else {
    Object.assign(o, pki[s.identity]);
    o.ecdhCurve = s.serverCurve;
  }
  return o;
}

/** connect options (minus host/port) for a suite; the client always uses the node provider. */
export function clientOptions(pki, suiteName, extra = {}) {
  const s = SUITES[suiteName];
  const o = { ciphers: s.ciphers, crypto: 'node', ca: pki.ca, servername: 'localhost', ...extra };
  if (s.identity === 'psk') o.psk = { identity: pki.pskIdentity, key: pki.pskKey };
  else o.ecdhCurve = s.clientCurve;
  return o;
}
