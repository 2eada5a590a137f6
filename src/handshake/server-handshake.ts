import { Reader } from '../codec/reader.js';
import { encode } from '../codec/writer.js';
import { constantTimeEqual } from '../crypto/ct.js';
import { extendedMasterSecret, masterSecret, verifyData } from '../crypto/prf.js';
import type { GroupName, KeyShare, SigningKey, VerifyingKey } from '../crypto/provider.js';
import { type CipherSuite, EMPTY_RENEGOTIATION_INFO_SCSV } from '../crypto/suites.js';
import { DecodeError, DtlsError, HandshakeError, UnexpectedMessageError } from '../errors.js';
import { DTLS1_2 } from '../record/content-type.js';
import type { HandshakeDriver, HandshakeMachine } from './driver.js';
import {
  type Extension, ecPointFormats, findExtension, isEmptyExtension, renegotiationInfo, serverName,
  signatureAlgorithms, supportedGroups,
} from './extensions.js';
import { decodeCertificate, encodeCertificate } from './messages/certificate.js';
import { decodeCertificateVerify } from './messages/certificate-verify.js';
import { encodeCertificateRequest } from './messages/certificate-request.js';
import { type ClientHello, decodeClientHello } from './messages/client-hello.js';
import { decodeClientKeyExchange } from './messages/client-key-exchange.js';
import { decodeFinished, encodeFinished } from './messages/finished.js';
import { encodeServerHello } from './messages/server-hello.js';
import { encodeServerKeyExchange } from './messages/server-key-exchange.js';
import {
  SIGNATURE_SCHEMES, chooseGroup, chooseSignatureScheme, groupById, groupId, schemeKeyKind, suiteFitsKey,
} from './negotiation.js';
import type { HandshakeMessage } from './reassembler.js';
import { ClientCertificateType, ExtensionType, HandshakeType as HT, HandshakeTypes } from './registry.js';

/** Result of checking a client's certificate chain (the connection layer supplies the check). */
export type ClientChainCheck =
  | { readonly ok: true; readonly key: VerifyingKey }
  | { readonly ok: false; readonly error: DtlsError; readonly key?: VerifyingKey };

/** What the server handshake needs to know, resolved once per server. */
export interface ServerHandshakeConfig {
  /** Suites allowed, in server preference order (already filtered to what the record layer can do). */
  readonly suites: readonly CipherSuite[];
  readonly signingKey?: SigningKey;
  /** Our certificate chain, leaf first, DER. */
  readonly certChain: readonly Uint8Array[];
  readonly requestCert: boolean;
  readonly rejectUnauthorized: boolean;
  /** DER subject names of the CAs we trust, for CertificateRequest. */
  readonly caNames: readonly Uint8Array[];
  /** Validate a client chain (leaf first): returns the leaf key, or an error (and the key when it could be parsed). */
  readonly checkClientChain: (chain: readonly Uint8Array[]) => ClientChainCheck;
  readonly requireExtendedMasterSecret: boolean;
  /** ECDHE groups allowed, in preference order. */
  readonly groups: readonly GroupName[];
}

/** What was negotiated, for the Peer API. */
export interface Negotiated {
  suite: CipherSuite;
  group?: string;
  extendedMasterSecret: boolean;
  servername?: string;
  peerCertificates: Uint8Array[];
  authorized: boolean;
  authorizationError?: DtlsError;
  signatureScheme?: number;
}

interface Params {
  readonly suite: CipherSuite;
  readonly clientRandom: Uint8Array;
  readonly serverRandom: Uint8Array;
  readonly share?: KeyShare;
  readonly ems: boolean;
}

type State =
  | { readonly kind: 'expectClientHello' }
  | { readonly kind: 'expectCertificate'; readonly p: Params }
  | { readonly kind: 'expectClientKeyExchange'; readonly p: Params; readonly clientKey?: VerifyingKey }
  | { readonly kind: 'expectCertificateVerify'; readonly p: Params; readonly master: Uint8Array; readonly clientKey: VerifyingKey }
  | { readonly kind: 'expectChangeCipherSpec'; readonly p: Params; readonly master: Uint8Array }
  | { readonly kind: 'expectFinished'; readonly p: Params; readonly master: Uint8Array }
  | { readonly kind: 'done' };

/** The message types each state accepts: anything else is an unexpected message (S-34). */
const accepts: Record<State['kind'], readonly number[]> = {
  expectClientHello: [HT.client_hello],
  expectCertificate: [HT.certificate],
  expectClientKeyExchange: [HT.client_key_exchange],
  expectCertificateVerify: [HT.certificate_verify],
  expectChangeCipherSpec: [],
  expectFinished: [HT.finished],
  done: [],
};

const PEER_TYPES: readonly number[] = [HT.client_hello, HT.certificate, HT.client_key_exchange, HT.certificate_verify, HT.finished];

/**
 * The server side of the DTLS 1.2 full handshake (RFC 6347 §4.2.4 flights
 * 4 and 6; RFC 5246 §7.3). Starts from a ClientHello whose cookie verified.
 */
export class ServerHandshake implements HandshakeMachine {
  private state: State = { kind: 'expectClientHello' };
  negotiated: Negotiated | undefined;

  constructor(protected readonly d: HandshakeDriver, protected readonly cfg: ServerHandshakeConfig) {}

  get stateName(): string {
    return this.state.kind;
  }
  get accepts(): readonly number[] {
    return accepts[this.state.kind];
  }
  get peerMessageTypes(): readonly number[] {
    return PEER_TYPES;
  }
  get expectsChangeCipherSpec(): boolean {
    return this.state.kind === 'expectChangeCipherSpec';
  }

  handleMessage(msg: HandshakeMessage): void {
    const st = this.state;
    if (!accepts[st.kind].includes(msg.msgType)) {
      throw new UnexpectedMessageError(accepts[st.kind].map((t) => HandshakeTypes.nameOf(t)), HandshakeTypes.nameOf(msg.msgType));
    }
    const r = new Reader(msg.body);
    switch (st.kind) {
      case 'expectClientHello': {
        const hello = decodeClientHello(r);
        this.d.transcript.add(msg.msgType, msg.messageSeq, msg.body);
        return this.onClientHello(hello);
      }
      case 'expectCertificate':
        return this.onCertificate(st.p, r, msg);
      case 'expectClientKeyExchange':
        return this.onClientKeyExchange(st.p, st.clientKey, r, msg);
      case 'expectCertificateVerify':
        return this.onCertificateVerify(st.p, st.master, st.clientKey, r, msg);
      case 'expectFinished':
        return this.onFinished(st.p, st.master, r, msg);
      default:
        throw new UnexpectedMessageError([], HandshakeTypes.nameOf(msg.msgType));
    }
  }

  handleChangeCipherSpec(): void {
    const st = this.state;
    if (st.kind !== 'expectChangeCipherSpec') throw new UnexpectedMessageError([], 'change_cipher_spec');
    this.state = { kind: 'expectFinished', p: st.p, master: st.master };
  }

  private onClientHello(hello: ClientHello): void {
    // S-48: DTLS 1.2 only. Versions count down, so "older than 1.2" is numerically greater.
    if (hello.clientVersion > DTLS1_2) {
      throw new HandshakeError('ERR_DTLS_PROTOCOL_VERSION', `client offers only DTLS version 0x${hello.clientVersion.toString(16)}`, 'protocol_version');
    }
    if (!hello.compressionMethods.includes(0)) {
      throw new HandshakeError('ERR_DTLS_NO_NULL_COMPRESSION', 'client does not offer null compression', 'illegal_parameter');
    }
    const exts = hello.extensions;
    const reneg = findExtension(exts, ExtensionType.renegotiation_info);
    if (reneg !== undefined && renegotiationInfo.decode(reneg).length !== 0) {
      throw new HandshakeError('ERR_DTLS_RENEGOTIATION', 'non-empty renegotiation_info on an initial handshake', 'handshake_failure');
    }
    const secureReneg = reneg !== undefined || hello.cipherSuites.includes(EMPTY_RENEGOTIATION_INFO_SCSV);
    const emsExt = findExtension(exts, ExtensionType.extended_master_secret);
    const ems = emsExt !== undefined && isEmptyExtension(emsExt, 'extended_master_secret');
    if (!ems && this.cfg.requireExtendedMasterSecret) {
      throw new HandshakeError('ERR_DTLS_EMS_REQUIRED', 'client does not offer extended_master_secret', 'handshake_failure');
    }
    const groupsExt = findExtension(exts, ExtensionType.supported_groups);
    const groups = groupsExt && supportedGroups.decode(groupsExt);
    const formatsExt = findExtension(exts, ExtensionType.ec_point_formats);
    const formats = formatsExt && ecPointFormats.decode(formatsExt);
    const sigExt = findExtension(exts, ExtensionType.signature_algorithms);
    const sigAlgs = sigExt && signatureAlgorithms.decode(sigExt);
    const sniExt = findExtension(exts, ExtensionType.server_name);
    const servername = sniExt && sniExt.length > 0 ? serverName.decode(sniExt) : undefined;

    const group = formats && !formats.includes(0) ? undefined : chooseGroup(groups, this.cfg.groups);
    const key = this.cfg.signingKey;
    const scheme = key && chooseSignatureScheme(key, sigAlgs);
    const suite = this.cfg.suites.find((s) => {
      if (!hello.cipherSuites.includes(s.id)) return false;
      if (s.kx === 'ECDHE' || s.kx === 'ECDHE_PSK') { if (!group) return false; }
      if (s.auth !== 'PSK') return suiteFitsKey(s, key?.kind) && scheme !== undefined;
      return false;
    });
    if (!suite) throw new HandshakeError('ERR_DTLS_NO_SHARED_CIPHER', 'no cipher suite, group and signature algorithm in common', 'handshake_failure');

    const serverRandom = this.d.provider.randomBytes(32);
    const share = suite.kx !== 'PSK' ? this.d.provider.generateKeyShare(group!) : undefined;
    const p: Params = { suite, clientRandom: hello.random, serverRandom, ...(share && { share }), ems };
    this.negotiated = {
      suite, extendedMasterSecret: ems, peerCertificates: [], authorized: !this.cfg.requestCert,
      ...(group && { group }), ...(servername !== undefined && { servername }), ...(scheme !== undefined && { signatureScheme: scheme }),
    };

    // Flight 4: ServerHello, Certificate, ServerKeyExchange, [CertificateRequest], ServerHelloDone.
    const extensions: Extension[] = [];
    if (secureReneg) extensions.push({ type: ExtensionType.renegotiation_info, data: encode((w) => renegotiationInfo.encode(w, new Uint8Array(0))) });
    if (ems) extensions.push({ type: ExtensionType.extended_master_secret, data: new Uint8Array(0) });
    if (formats && share) extensions.push({ type: ExtensionType.ec_point_formats, data: encode((w) => ecPointFormats.encode(w, [0])) });
    this.d.sendMessage(HT.server_hello, encode((w) => encodeServerHello(w, {
      serverVersion: DTLS1_2, random: serverRandom, sessionId: this.d.provider.randomBytes(32),
      cipherSuite: suite.id, compressionMethod: 0, extensions,
    })));
    this.d.sendMessage(HT.certificate, encode((w) => encodeCertificate(w, { certificates: this.cfg.certChain }), 4096));
    const ecdh = { namedGroup: groupId(share!.group), publicKey: share!.publicKey };
    const params = encode((w) => w.u8(3).u16(ecdh.namedGroup).opaque8(ecdh.publicKey));
    const signed = concat(hello.random, serverRandom, params);
    this.d.sendMessage(HT.server_key_exchange, encode((w) => encodeServerKeyExchange(w, { ecdh, ...this.signKeyExchange(key!, scheme!, signed) })));
    if (this.cfg.requestCert) {
      this.d.sendMessage(HT.certificate_request, encode((w) => encodeCertificateRequest(w, {
        certificateTypes: [ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign],
        signatureAlgorithms: SIGNATURE_SCHEMES,
        certificateAuthorities: this.cfg.caNames,
      })));
    }
    this.d.sendMessage(HT.server_hello_done, new Uint8Array(0));
    this.d.flushFlight(false);
    this.state = this.cfg.requestCert ? { kind: 'expectCertificate', p } : { kind: 'expectClientKeyExchange', p };
  }

  /** The ServerKeyExchange signature (tests override it to script a misbehaving server). */
  protected signKeyExchange(key: SigningKey, scheme: number, signed: Uint8Array): { signature?: { scheme: number; signature: Uint8Array } } {
    return { signature: { scheme, signature: key.sign(scheme, signed) } };
  }

  private onCertificate(p: Params, r: Reader, msg: HandshakeMessage): void {
    const { certificates } = decodeCertificate(r);
    this.d.transcript.add(msg.msgType, msg.messageSeq, msg.body);
    const neg = this.negotiated!;
    if (certificates.length === 0) {
      // S-55: an empty Certificate when one is required.
      if (this.cfg.rejectUnauthorized) {
        throw new HandshakeError('ERR_DTLS_NO_PEER_CERTIFICATE', 'client sent no certificate', 'handshake_failure');
      }
      neg.authorized = false;
      neg.authorizationError = new HandshakeError('ERR_DTLS_NO_PEER_CERTIFICATE', 'client sent no certificate', 'handshake_failure');
      this.state = { kind: 'expectClientKeyExchange', p };
      return;
    }
    neg.peerCertificates = [...certificates];
    const check = this.cfg.checkClientChain(certificates);
    if (!check.ok) {
      if (this.cfg.rejectUnauthorized || !check.key) throw check.error;
      neg.authorized = false;
      neg.authorizationError = check.error;
      this.state = { kind: 'expectClientKeyExchange', p, clientKey: check.key };
      return;
    }
    neg.authorized = true;
    this.state = { kind: 'expectClientKeyExchange', p, clientKey: check.key };
  }

  private onClientKeyExchange(p: Params, clientKey: VerifyingKey | undefined, r: Reader, msg: HandshakeMessage): void {
    const cke = decodeClientKeyExchange(r, p.suite.kx);
    const pms = p.share!.computeSecret(cke.publicKey!);
    this.d.transcript.add(msg.msgType, msg.messageSeq, msg.body);
    const master = p.ems
      ? extendedMasterSecret(this.d.provider, p.suite.prfHash, pms, this.d.transcript.hash(this.d.provider, p.suite.prfHash))
      : masterSecret(this.d.provider, p.suite.prfHash, pms, p.clientRandom, p.serverRandom);
    pms.fill(0);
    this.d.deriveKeys(p.suite, master, p.clientRandom, p.serverRandom);
    // S-35: CCS only once key exchange input is complete, i.e. after CertificateVerify when the client authenticates.
    this.state = clientKey
      ? { kind: 'expectCertificateVerify', p, master, clientKey }
      : { kind: 'expectChangeCipherSpec', p, master };
  }

  private onCertificateVerify(p: Params, master: Uint8Array, key: VerifyingKey, r: Reader, msg: HandshakeMessage): void {
    const cv = decodeCertificateVerify(r);
    if (!SIGNATURE_SCHEMES.includes(cv.scheme) || schemeKeyKind(cv.scheme) !== key.kind) {
      // CERT-03: an algorithm we did not offer for this key fails like a bad signature.
      throw new HandshakeError('ERR_DTLS_BAD_CERTIFICATE_VERIFY', `CertificateVerify uses signature scheme 0x${cv.scheme.toString(16)} we did not offer for this key`, 'decrypt_error');
    }
    if (!key.verify(cv.scheme, this.d.transcript.bytes(), cv.signature)) {
      throw new HandshakeError('ERR_DTLS_BAD_CERTIFICATE_VERIFY', 'CertificateVerify signature does not verify', 'decrypt_error');
    }
    this.d.transcript.add(msg.msgType, msg.messageSeq, msg.body);
    this.state = { kind: 'expectChangeCipherSpec', p, master };
  }

  private onFinished(p: Params, master: Uint8Array, r: Reader, msg: HandshakeMessage): void {
    if (msg.epoch === 0) throw new HandshakeError('ERR_DTLS_FINISHED_EPOCH', 'Finished in epoch 0', 'unexpected_message');
    const { verifyData: got } = decodeFinished(r);
    const h = p.suite.prfHash;
    const want = verifyData(this.d.provider, h, master, 'client finished', this.d.transcript.hash(this.d.provider, h));
    if (!constantTimeEqual(got, want)) {
      throw new HandshakeError('ERR_DTLS_BAD_FINISHED', 'client Finished does not verify', 'decrypt_error');
    }
    this.d.transcript.add(msg.msgType, msg.messageSeq, msg.body);
    const ours = verifyData(this.d.provider, h, master, 'server finished', this.d.transcript.hash(this.d.provider, h));
    this.d.sendChangeCipherSpec();
    this.d.sendMessage(HT.finished, encode((w) => encodeFinished(w, { verifyData: ours })));
    this.d.flushFlight(true);
    master.fill(0);
    this.state = { kind: 'done' };
    this.d.complete();
  }

  wipe(): void {
    const st = this.state;
    if ('master' in st) st.master.fill(0);
    this.state = { kind: 'done' };
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export { concat, DecodeError };
