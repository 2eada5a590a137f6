/**
 * The server's certificate chain: each certificate decoded with the
 * project's X.509 parser, the chain verified against `--ca` with its
 * validator, and whether another SNI name brings another chain.
 */
import { HandshakeType } from '../../handshake/registry.js';
import { Reader } from '../../codec/reader.js';
import { decodeCertificate } from '../../handshake/messages/certificate.js';
import { type ParsedCertificate, parseCertificate } from '../../x509/certificate.js';
import { OID } from '../../x509/oids.js';
import { namesOfType } from '../../x509/general-names.js';
import { formatIpAddress } from '../../x509/ip.js';
import { describeName } from '../../x509/names.js';
import { fingerprints, serialNumberHex } from '../../x509/peer-certificate.js';
import { toHex } from '../../x509/util.js';
import type { CryptoProvider } from '../../crypto/provider.js';
import { verifyChain } from '../../x509/verify.js';
import { describeAnswer } from '../answer.js';
import { type Exchange, exchangeHello } from '../exchange.js';
import { ianaSuite, preferenceOrder } from '../iana-suites.js';
import { Group } from '../names.js';
import type { CertificateInfo, CertificateResult } from '../report.js';
import type { ScanState } from '../state.js';

const SIGNATURE_NAMES = new Map<string, string>([
  [OID.ecdsaWithSha1, 'ecdsa-with-SHA1'], [OID.ecdsaWithSha256, 'ecdsa-with-SHA256'], [OID.ecdsaWithSha384, 'ecdsa-with-SHA384'],
  [OID.ecdsaWithSha512, 'ecdsa-with-SHA512'], [OID.sha1WithRsa, 'sha1WithRSAEncryption'], [OID.sha256WithRsa, 'sha256WithRSAEncryption'],
  [OID.sha384WithRsa, 'sha384WithRSAEncryption'], [OID.sha512WithRsa, 'sha512WithRSAEncryption'], [OID.rsassaPss, 'RSASSA-PSS'],
  [OID.ed25519, 'Ed25519'], [OID.ed448, 'Ed448'], ['1.2.840.113549.1.1.4', 'md5WithRSAEncryption'],
]);

const CURVE_GROUPS: Readonly<Record<string, number>> = { 'P-256': Group.secp256r1, 'P-384': Group.secp384r1, 'P-521': Group.secp521r1 };

/** The chain (DER) of an exchange's Certificate message, if any. */
export function chainOf(ex: Exchange): Uint8Array[] | undefined {
  const m = ex.reader.find(HandshakeType.certificate);
  if (!m) return undefined;
  try {
    return [...decodeCertificate(new Reader(m.body)).certificates];
  } catch {
    return undefined;
  }
}


export function certificateInfo(c: ParsedCertificate, now: Date, provider: CryptoProvider): CertificateInfo {
  const pk = c.publicKey;
  const names = c.subjectAltName;
  const sans = [
    ...namesOfType(names, 'dns').map((n) => `DNS:${n.value}`),
    ...namesOfType(names, 'ip').map((a) => `IP:${formatIpAddress(a.bytes) ?? toHex(a.bytes)}`),
    ...namesOfType(names, 'email').map((e) => `email:${e.value}`), ...namesOfType(names, 'uri').map((u) => `URI:${u.value}`),
  ];
  return {
    subject: describeName(c.subject), issuer: describeName(c.issuer), serialNumber: serialNumberHex(c.serial),
    notBefore: c.validFrom.toISOString(), notAfter: c.validTo.toISOString(),
    expired: c.validTo.getTime() < now.getTime(), notYetValid: c.validFrom.getTime() > now.getTime(),
    keyType: pk.kind, keyBits: pk.bits ?? null, curve: pk.curve ?? null,
    signatureAlgorithm: SIGNATURE_NAMES.get(c.signatureAlgorithm) ?? c.signatureAlgorithm,
    subjectAltNames: sans, selfSigned: c.selfIssued, isCA: c.basicConstraints?.ca === true, sha256: fingerprints(c.der, provider).fingerprint256,
  };
}

const sameChain = (a: readonly Uint8Array[], b: readonly Uint8Array[]) =>
  a.length === b.length && a.every((c, i) => c.length === b[i]!.length && c.every((x, k) => x === b[i]![k]));

/**
 * The chain from the baseline exchange (or a hello with the accepted
 * certificate suites), checked; then the same hello with an unknown SNI name.
 */
export async function probeCertificate(st: ScanState): Promise<{ cert: CertificateResult | null; unknownNameAnswer: string | null }> {
  const certSuites = preferenceOrder(st.accepted.filter((s) => !s.anonymous && !(s.psk && s.kx !== 'RSA_PSK') && !s.srp && s.kx !== 'NULL'));
  let ex = st.baseline;
  let chain = ex && chainOf(ex);
  if (!chain && certSuites.length > 0) {
    ex = await exchangeHello(st.ctx, st.spec(certSuites.map((s) => s.id)));
    chain = chainOf(ex);
  }
  if (!ex || !chain || chain.length === 0) return { cert: null, unknownNameAnswer: null };
  const now = new Date();
  const parsed: ParsedCertificate[] = [];
  for (const der of chain) {
    try {
      parsed.push(parseCertificate(der));
    } catch (e) {
      st.note(`certificate ${parsed.length} of the chain does not parse: ${(e as Error).message}`);
      break;
    }
  }
  const curve = parsed[0]?.publicKey.curve;
  if (curve) st.certificateCurve = CURVE_GROUPS[curve];
  let verified: boolean | null = null;
  let verifyError: string | null = null;
  if (st.settings.ca) {
    const res = verifyChain(st.ctx.provider, chain, {
      ca: st.settings.ca, purpose: 'serverAuth',
      ...(st.settings.servername !== undefined && { host: st.settings.servername }),
    });
    verified = res.ok;
    verifyError = res.ok ? null : `${res.error.code}: ${res.error.message}`;
  }
  // Another name: the same hello with an SNI nobody configures.
  let dependsOnSni: boolean | null = null;
  let unknownNameAnswer: string | null = null;
  const suites = certSuites.length > 0 ? certSuites.map((s) => s.id) : [ex.serverHello!.cipherSuite];
  const other = await exchangeHello(st.ctx, { ...st.spec(suites), sni: 'scan-unknown-name.invalid' });
  unknownNameAnswer = describeAnswer(other);
  const otherChain = chainOf(other);
  if (otherChain) dependsOnSni = !sameChain(chain, otherChain);
  return {
    cert: {
      chain: parsed.map((c) => certificateInfo(c, now, st.ctx.provider)), verified, verifyError, dependsOnSni,
      viaSuite: ianaSuite(ex.serverHello!.cipherSuite).name,
    },
    unknownNameAnswer,
  };
}
