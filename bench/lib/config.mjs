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
  // DTLS 1.3 (minVersion DTLSv1.3 on both sides), each beside the 1.2 row it is compared
  // with (`vs12`): the same group and server key, TLS_AES_128_GCM_SHA256. The client's
  // first ClientHello carries a key share for its first group, so no HelloRetryRequest
  // asks for another; the server's stateless cookie HelloRetryRequest is 1.3's
  // HelloVerifyRequest and always happens, as the cookie exchange does in the 1.2 rows.
  'ecdsa-p256-v13': {
    label: 'DTLS 1.3 ECDSA P-256', identity: 'ecdsa', ciphers: 'TLS_AES_128_GCM_SHA256', version: 13, vs12: 'ecdsa-p256',
    serverCurve: 'P-256:X25519', clientCurve: 'P-256',
  },
  'ecdsa-x25519-v13': {
    label: 'DTLS 1.3 ECDSA X25519', identity: 'ecdsa', ciphers: 'TLS_AES_128_GCM_SHA256', version: 13, vs12: 'ecdsa-x25519',
    serverCurve: 'X25519:P-256', clientCurve: 'X25519:P-256',
  },
  'rsa2048-v13': {
    label: 'DTLS 1.3 RSA-2048 (X25519)', identity: 'rsa', ciphers: 'TLS_AES_128_GCM_SHA256', version: 13, vs12: 'rsa2048',
    serverCurve: 'X25519:P-256', clientCurve: 'X25519:P-256',
  },
  // psk_ke: the PSK alone, no (EC)DHE — what 1.2's PSK suite does. The client offers only
  // psk_ke (Client13Config.pskModes; the public API offers both and a server prefers psk_dhe_ke).
  'psk-v13': {
    label: 'DTLS 1.3 PSK (psk_ke)', identity: 'psk', ciphers: 'TLS_AES_128_GCM_SHA256', version: 13, vs12: 'psk', pskModes: ['psk_ke'],
  },
  // psk_dhe_ke with X25519: forward-secret PSK (no 1.2 row: 1.2's ECDHE-PSK suites have no GCM).
  'psk-dhe-v13': {
    label: 'DTLS 1.3 PSK (psk_dhe_ke, X25519)', identity: 'psk', ciphers: 'TLS_AES_128_GCM_SHA256', version: 13, pskModes: ['psk_dhe_ke'],
    serverCurve: 'X25519:P-256', clientCurve: 'X25519:P-256',
  },
};

/** createServer options (minus socket) for a suite and provider. */
export function serverOptions(pki, suiteName, crypto, extra = {}) {
  const s = SUITES[suiteName];
  const o = { ciphers: s.ciphers, crypto, maxHandshakesPerAddress: 100_000, maxHandshakes: 10_000, ...versionOptions(s), ...extra };
  if (s.identity === 'psk') {
    const key = pki.pskKey;
    o.pskCallback = (id) => (id === pki.pskIdentity ? key : null);
  } else {
    Object.assign(o, pki[s.identity]);
  }
  if (s.serverCurve) o.ecdhCurve = s.serverCurve;
  return o;
}

/** connect options (minus host/port) for a suite; the client always uses the node provider. */
export function clientOptions(pki, suiteName, extra = {}) {
  const s = SUITES[suiteName];
  const o = { ciphers: s.ciphers, crypto: 'node', ca: pki.ca, servername: 'localhost', ...versionOptions(s), ...extra };
  if (s.identity === 'psk') o.psk = { identity: pki.pskIdentity, key: pki.pskKey };
  if (s.clientCurve) o.ecdhCurve = s.clientCurve;
  return o;
}

/** DTLS 1.3 suites: minVersion DTLSv1.3 (the 1.2 suites' cipher lists keep those endpoints at 1.2). */
function versionOptions(s) {
  return s.version === 13 ? { minVersion: 'DTLSv1.3' } : {};
}

/** 'DTLSv1.3' or 'DTLSv1.2': the protocol a suite's handshakes negotiate. */
export const protocolOf = (suiteName) => (SUITES[suiteName].version === 13 ? 'DTLSv1.3' : 'DTLSv1.2');
