import { Tls12Secrets, deriveEpochKeys } from './key-schedule12.js';
import { concatBytes as concat, equalBytes } from '../codec/bytes.js';
import { Reader } from '../codec/reader.js';
import { encode } from '../codec/writer.js';
import { constantTimeEqual } from '../crypto/ct.js';
import { extendedMasterSecret, masterSecret, verifyData } from '../crypto/prf.js';
import type { GroupName, KeyShare, SigningKey, VerifyingKey } from '../crypto/provider.js';
import { type CipherSuite, EMPTY_RENEGOTIATION_INFO_SCSV, suiteById } from '../crypto/suites.js';
import { DecodeError, DtlsError, HandshakeError, UnexpectedMessageError } from '../errors.js';
import { DTLS1_2 } from '../record/content-type.js';
import type { HandshakeDriver, HandshakeMachine } from './driver.js';
import {
  CertificateType, type Extension, alpn, certificateTypes, connectionIdExt, ecPointFormats, findExtension, isEmptyExtension, renegotiationInfo, serverName,
  signatureAlgorithms, srtpProfileName, supportedGroups, useSrtp,
} from './extensions.js';
import { decodeCertificate, decodeRawPublicKeyCertificate, encodeCertificate, encodeRawPublicKeyCertificate } from './messages/certificate.js';
import { decodeCertificateVerify } from './messages/certificate-verify.js';
import { encodeCertificateRequest } from './messages/certificate-request.js';
import { type ClientHello, decodeClientHello } from './messages/client-hello.js';
import { decodeClientKeyExchange } from './messages/client-key-exchange.js';
import { decodeFinished, encodeFinished } from './messages/finished.js';
import { encodeNewSessionTicket } from './messages/new-session-ticket.js';
import type { Session, SessionCache, TicketKeys } from './session.js';
import { encodeServerHello } from './messages/server-hello.js';
import { encodeEcdhParams, encodeServerKeyExchange } from './messages/server-key-exchange.js';
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
  /** Pre-shared keys (RFC 4279): enables the PSK and ECDHE_PSK suites. */
  readonly psk?: ServerPskConfig;
  /** Session resumption: the session-ID cache and, when enabled, ticket keys (RFC 5077). */
  readonly sessions?: { readonly cache?: SessionCache; readonly tickets?: TicketKeys };
  /** ALPN protocols we accept, in preference order (RFC 7301). */
  readonly alpnProtocols?: readonly Uint8Array[];
  /** DTLS-SRTP protection profiles we accept, in preference order (RFC 5764). */
  readonly srtpProfiles?: readonly number[];
  /** Our raw public key (SPKI DER), when we may present it instead of a certificate (RFC 7250). */
  readonly rawPublicKey?: Uint8Array;
  /** Trust a client's raw public key (SPKI DER); enables client RawPublicKey certificates. */
  readonly verifyRawPublicKey?: (spki: Uint8Array) => boolean;
  /** Connection IDs (RFC 9146): makes the CID we ask clients to use (fixed length, ≥ 1). */
  readonly connectionId?: () => Uint8Array;
  /** SNI: the certificate and key for a server name, perhaps asynchronously (RFC 6066). */
  readonly sni?: (servername: string) => ServerIdentity | undefined | Promise<ServerIdentity | undefined>;
}

/** A certificate chain and its key. */
export interface ServerIdentity {
  readonly signingKey: SigningKey;
  readonly certChain: readonly Uint8Array[];
}

/** The client's address, for callbacks. */
export interface PeerAddress {
  readonly address: string;
  readonly port: number;
}

/** How the server finds pre-shared keys. */
export interface ServerPskConfig {
  /** The key for an identity, `null` when unknown; may be asynchronous. */
  readonly lookup: (identity: Uint8Array, peer: PeerAddress) => Uint8Array | null | undefined | Promise<Uint8Array | null | undefined>;
  /** Sent in ServerKeyExchange when set. */
  readonly hint?: Uint8Array;
}

/**
 * What a handshake negotiated: the `negotiated` property of a {@link Peer}
 * and of a {@link ClientConnection}, once the handshake completed.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { connectAsync, type Negotiated } from 'puredtls';
 *
 * const client = await connectAsync({ host: 'localhost', port: 4433, ca: readFileSync('ca.pem') });
 * const n: Negotiated | undefined = client.negotiated;
 * console.log(n?.suite.openssl, n?.group, n?.extendedMasterSecret, n?.resumed ? 'resumed' : 'full handshake');
 * ```
 */
export interface Negotiated {
  /** The cipher suite. */
  suite: CipherSuite;
  /** The ECDHE group (`x25519`, `secp256r1`, `secp384r1`); absent for plain PSK and resumed handshakes. */
  group?: string;
  /** The extended master secret (RFC 7627) in use. */
  extendedMasterSecret: boolean;
  /** encrypt_then_mac (RFC 7366) in use. */
  encryptThenMac: boolean;
  /** On a server: the name the client asked for (SNI, RFC 6066). */
  servername?: string;
  /** The peer's certificate chain, DER, leaf first (empty when it sent none). */
  peerCertificates: Uint8Array[];
  /** Whether the peer's certificate (or raw public key) verified; on a server that requests none, true. */
  authorized: boolean;
  /** Why it did not verify (when the handshake went on regardless). */
  authorizationError?: DtlsError;
  /** The TLS SignatureScheme of the server's ServerKeyExchange signature (certificate suites, full handshakes). */
  signatureScheme?: number;
  /** The PSK identity the client used. */
  pskIdentity?: string;
  /** The handshake resumed a session (abbreviated handshake). */
  resumed: boolean;
  /** The ALPN protocol agreed on (RFC 7301). */
  alpnProtocol?: string;
  /** The DTLS-SRTP profile agreed on (RFC 5764), by its OpenSSL name. */
  srtpProfile?: string;
  /** The peer's raw public key (SPKI DER), when it authenticated with one (RFC 7250). */
  peerRawPublicKey?: Uint8Array;
  /** Connection IDs in use (RFC 9146): ours (in records to us) and the peer's. */
  connectionIds?: { readonly ours: Uint8Array; readonly peers: Uint8Array };
}

interface Params {
  /** The certificate type the client will send (RFC 7250). */
  readonly clientCertType?: number;
  /** encrypt_then_mac in use (CBC suites only). */
  readonly etm: boolean;
  /** The session ID we sent in ServerHello. */
  readonly sessionId: Uint8Array;
  /** The client asked for a ticket and we will send one (RFC 5077 §3.2). */
  readonly sendTicket: boolean;
  /** Resuming this session (abbreviated handshake). */
  readonly resuming?: Session;
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

  constructor(
    protected readonly d: HandshakeDriver,
    protected readonly cfg: ServerHandshakeConfig,
    protected readonly peer: PeerAddress = { address: '', port: 0 },
  ) {}

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

    const ticketExt = findExtension(exts, ExtensionType.session_ticket);
    const tickets = this.cfg.sessions?.tickets;
    const sendTicket = ticketExt !== undefined && tickets !== undefined;
    const extras = this.negotiateExtras(exts);
    const resumable = this.findSession(hello, ticketExt, ems);
    if (resumable) return this.resume(hello, resumable, { secureReneg, ems, sendTicket, servername, ticketExt, extras });

    const proceed = (identity: ServerIdentity | undefined) =>
      this.fullHandshake(hello, identity, { secureReneg, ems, sendTicket, servername, groups, formats, sigAlgs, extras });
    const sni = this.cfg.sni;
    const chosen = sni && servername !== undefined ? sni(servername) : undefined;
    if (isPromise(chosen)) this.d.suspend(chosen, proceed);
    else proceed(chosen);
  }

  /** ALPN (RFC 7301 §3.2) and use_srtp (RFC 5764 §4.1.1): what we answer, and the extensions saying it. */
  private negotiateExtras(exts: readonly Extension[]): { extensions: Extension[]; alpnProtocol?: string; srtpProfile?: string } {
    const extensions: Extension[] = [];
    const out: { extensions: Extension[]; alpnProtocol?: string; srtpProfile?: string } = { extensions };
    const alpnExt = findExtension(exts, ExtensionType.application_layer_protocol_negotiation);
    const ours = this.cfg.alpnProtocols;
    if (alpnExt !== undefined && ours && ours.length > 0) {
      const theirs = alpn.decode(alpnExt);
      const pick = ours.find((p) => theirs.some((t) => equalBytes(t, p)));
      if (!pick) throw new HandshakeError('ERR_DTLS_NO_APPLICATION_PROTOCOL', 'no ALPN protocol in common', 'no_application_protocol');
      extensions.push({ type: ExtensionType.application_layer_protocol_negotiation, data: encode((w) => alpn.encode(w, [pick])) });
      out.alpnProtocol = new TextDecoder().decode(pick);
    }
    const srtpExt = findExtension(exts, ExtensionType.use_srtp);
    const profiles = this.cfg.srtpProfiles;
    if (srtpExt !== undefined && profiles && profiles.length > 0) {
      const offered = useSrtp.decode(srtpExt).profiles;
      const pick = profiles.find((p) => offered.includes(p));
      if (pick !== undefined) {
        extensions.push({ type: ExtensionType.use_srtp, data: encode((w) => useSrtp.encode(w, [pick])) });
        out.srtpProfile = srtpProfileName(pick);
      }
    }
    return out;
  }

  /**
   * Connection ID (RFC 9146 §3): when the client offers one and we have CIDs on,
   * answer with ours; with AEAD suites only (CBC's CID MAC layout is not done).
   * With both sides offering `rrc`, addresses move only after a return
   * routability check (RFC 9853).
   */
  private negotiateConnectionId(exts: readonly Extension[], suite: CipherSuite, extensions: Extension[]): void {
    const offered = findExtension(exts, ExtensionType.connection_id);
    const make = this.cfg.connectionId;
    if (offered === undefined || !make || suite.protection.kind !== 'aead') return;
    const peers = connectionIdExt.decode(offered);
    const ours = make();
    const rrc = findExtension(exts, ExtensionType.rrc) !== undefined;
    extensions.push({ type: ExtensionType.connection_id, data: encode((w) => connectionIdExt.encode(w, ours)) });
    if (rrc) extensions.push({ type: ExtensionType.rrc, data: new Uint8Array(0) });
    this.d.setConnectionIds(ours, peers, rrc);
    this.negotiated!.connectionIds = { ours, peers };
  }

  private fullHandshake(
    hello: ClientHello,
    identity: ServerIdentity | undefined,
    o: {
      secureReneg: boolean; ems: boolean; sendTicket: boolean; servername: string | undefined;
      groups: number[] | undefined; formats: number[] | undefined; sigAlgs: number[] | undefined;
      extras: { extensions: Extension[]; alpnProtocol?: string; srtpProfile?: string };
    },
  ): void {
    const { secureReneg, ems, sendTicket, servername, groups, formats, sigAlgs } = o;
    const exts = hello.extensions;
    const certChain = identity?.certChain ?? this.cfg.certChain;
    const group = formats && !formats.includes(0) ? undefined : chooseGroup(groups, this.cfg.groups);
    const key = identity?.signingKey ?? this.cfg.signingKey;
    const types = this.certificateTypes(exts, certChain);
    const scheme = key && chooseSignatureScheme(key, sigAlgs);
    // RFC 8422 §5.1: an ECDSA certificate must be on a curve the client listed.
    const keyCurve = key?.kind === 'ecdsa' && key.curve ? curveGroupId(key.curve) : undefined;
    const curveAcceptable = keyCurve === undefined || groups === undefined || groups.includes(keyCurve);
    const suite = this.cfg.suites.find((s) => {
      if (!hello.cipherSuites.includes(s.id)) return false;
      if (s.kx === 'ECDHE' || s.kx === 'ECDHE_PSK') { if (!group) return false; }
      if (s.auth === 'PSK') return this.cfg.psk !== undefined;
      return types.server !== undefined && suiteFitsKey(s, key?.kind) && scheme !== undefined && curveAcceptable;
    });
    if (!suite) throw new HandshakeError('ERR_DTLS_NO_SHARED_CIPHER', 'no cipher suite, group and signature algorithm in common', 'handshake_failure');

    const serverRandom = this.d.provider.randomBytes(32);
    const share = suite.kx !== 'PSK' ? this.d.provider.generateKeyShare(group!) : undefined;
    const etmExt = findExtension(exts, ExtensionType.encrypt_then_mac);
    // RFC 7366 §3: answer encrypt_then_mac only when a CBC suite was chosen.
    const etm = etmExt !== undefined && isEmptyExtension(etmExt, 'encrypt_then_mac') && suite.protection.kind === 'cbc';
    const sessionId = this.cfg.sessions?.cache ? this.d.provider.randomBytes(32) : new Uint8Array(0);
    const p: Params = { suite, clientRandom: hello.random, serverRandom, ...(share && { share }), ems, etm, sessionId, sendTicket, clientCertType: types.client };
    this.negotiated = {
      suite, extendedMasterSecret: ems, encryptThenMac: etm, peerCertificates: [], resumed: false, authorized: !this.cfg.requestCert,
      ...(share && { group: share.group }), ...(servername !== undefined && { servername }),
      ...(scheme !== undefined && suite.auth !== 'PSK' && { signatureScheme: scheme }),
      ...(o.extras.alpnProtocol !== undefined && { alpnProtocol: o.extras.alpnProtocol }),
      ...(o.extras.srtpProfile !== undefined && { srtpProfile: o.extras.srtpProfile }),
    };

    // Flight 4: ServerHello, Certificate, ServerKeyExchange, [CertificateRequest], ServerHelloDone.
    const extensions: Extension[] = [];
    if (servername !== undefined && this.cfg.sni) extensions.push({ type: ExtensionType.server_name, data: new Uint8Array(0) });
    extensions.push(...o.extras.extensions);
    this.negotiateConnectionId(exts, suite, extensions);
    if (suite.auth !== 'PSK') extensions.push(...types.extensions(this.cfg.requestCert));
    if (secureReneg) extensions.push({ type: ExtensionType.renegotiation_info, data: encode((w) => renegotiationInfo.encode(w, new Uint8Array(0)), 1) });
    if (ems) extensions.push({ type: ExtensionType.extended_master_secret, data: new Uint8Array(0) });
    if (etm) extensions.push({ type: ExtensionType.encrypt_then_mac, data: new Uint8Array(0) });
    if (sendTicket) extensions.push({ type: ExtensionType.session_ticket, data: new Uint8Array(0) });
    if (formats && share) extensions.push({ type: ExtensionType.ec_point_formats, data: encode((w) => ecPointFormats.encode(w, [0]), 2) });
    this.d.sendMessage(HT.server_hello, encode((w) => encodeServerHello(w, {
      serverVersion: DTLS1_2, random: serverRandom, sessionId,
      cipherSuite: suite.id, compressionMethod: 0, extensions,
    })));
    const ecdh = share && { namedGroup: groupId(share.group), publicKey: share.publicKey };
    const certAuth = suite.auth !== 'PSK';
    if (certAuth) {
      this.d.sendMessage(HT.certificate, types.server === CertificateType.RawPublicKey
        ? encode((w) => encodeRawPublicKeyCertificate(w, this.cfg.rawPublicKey!))
        : certificateBody(certChain));
      const params = encode((w) => encodeEcdhParams(w, ecdh!), 4 + ecdh!.publicKey.length);
      const signed = concat(hello.random, serverRandom, params);
      this.d.sendMessage(HT.server_key_exchange, encode((w) => encodeServerKeyExchange(w, { ecdh: ecdh!, ...this.signKeyExchange(key!, scheme!, signed) })));
    } else if (suite.kx === 'ECDHE_PSK' || this.cfg.psk?.hint) {
      // RFC 4279 §2: PSK sends ServerKeyExchange only to carry a hint; RFC 5489: ECDHE_PSK always, unsigned.
      const pskIdentityHint = this.cfg.psk?.hint ?? new Uint8Array(0);
      this.d.sendMessage(HT.server_key_exchange, encode((w) => encodeServerKeyExchange(w, { pskIdentityHint, ...(ecdh && { ecdh }) })));
    }
    if (this.cfg.requestCert && certAuth) {
      this.d.sendMessage(HT.certificate_request, encode((w) => encodeCertificateRequest(w, {
        certificateTypes: [ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign],
        signatureAlgorithms: SIGNATURE_SCHEMES,
        certificateAuthorities: this.cfg.caNames,
      })));
    }
    this.d.sendMessage(HT.server_hello_done, new Uint8Array(0));
    this.d.flushFlight(false);
    this.state = this.cfg.requestCert && certAuth ? { kind: 'expectCertificate', p } : { kind: 'expectClientKeyExchange', p };
    if (!certAuth) this.negotiated.authorized = true;
  }

  /** The ServerKeyExchange signature (tests override it to script a misbehaving server). */
  protected signKeyExchange(key: SigningKey, scheme: number, signed: Uint8Array): { signature?: { scheme: number; signature: Uint8Array } } {
    return { signature: { scheme, signature: key.sign(scheme, signed) } };
  }

  /**
   * Certificate types (RFC 7250 §4.2): which we present (X.509 when the client
   * did not say, RawPublicKey when both can), and which the client sends.
   */
  private certificateTypes(exts: readonly Extension[], certChain: readonly Uint8Array[]): {
    server: number | undefined; client: number; extensions: (requestCert: boolean) => Extension[];
  } {
    const sExt = findExtension(exts, ExtensionType.server_certificate_type);
    const cExt = findExtension(exts, ExtensionType.client_certificate_type);
    const theirs = sExt ? certificateTypes.decodeList(sExt) : [CertificateType.X509];
    const server = this.cfg.rawPublicKey && theirs.includes(CertificateType.RawPublicKey) ? CertificateType.RawPublicKey
      : certChain.length > 0 && theirs.includes(CertificateType.X509) ? CertificateType.X509 : undefined;
    const offered = cExt ? certificateTypes.decodeList(cExt) : [CertificateType.X509];
    const client = this.cfg.verifyRawPublicKey && offered.includes(CertificateType.RawPublicKey) ? CertificateType.RawPublicKey : CertificateType.X509;
    return {
      server, client,
      extensions: (requestCert) => [
        ...(sExt && server !== undefined ? [{ type: ExtensionType.server_certificate_type, data: encode((w) => certificateTypes.encodeOne(w, server)) }] : []),
        ...(cExt && requestCert ? [{ type: ExtensionType.client_certificate_type, data: encode((w) => certificateTypes.encodeOne(w, client)) }] : []),
      ],
    };
  }

  private onCertificate(p: Params, r: Reader, msg: HandshakeMessage): void {
    if (p.clientCertType === CertificateType.RawPublicKey) return this.onRawPublicKey(p, r, msg);
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

  /** The client authenticates with a raw public key: trusted only if verifyRawPublicKey says so. */
  private onRawPublicKey(p: Params, r: Reader, msg: HandshakeMessage): void {
    const spki = decodeRawPublicKeyCertificate(r);
    this.d.transcript.add(msg.msgType, msg.messageSeq, msg.body);
    const neg = this.negotiated!;
    if (spki.length === 0) {
      if (this.cfg.rejectUnauthorized) throw new HandshakeError('ERR_DTLS_NO_PEER_CERTIFICATE', 'client sent no raw public key', 'handshake_failure');
      neg.authorized = false;
      this.state = { kind: 'expectClientKeyExchange', p };
      return;
    }
    let key: VerifyingKey;
    try {
      key = this.d.provider.importVerifyingKey(spki);
    } catch {
      throw new HandshakeError('ERR_DTLS_BAD_CERTIFICATE', 'client raw public key cannot be parsed', 'bad_certificate');
    }
    neg.peerRawPublicKey = spki;
    const trusted = this.cfg.verifyRawPublicKey!(spki) === true;
    if (!trusted) {
      const error = new HandshakeError('ERR_DTLS_RAW_KEY_UNTRUSTED', 'client raw public key is not trusted', 'bad_certificate');
      if (this.cfg.rejectUnauthorized) throw error;
      neg.authorizationError = error;
    }
    neg.authorized = trusted;
    this.state = { kind: 'expectClientKeyExchange', p, clientKey: key };
  }

  private onClientKeyExchange(p: Params, clientKey: VerifyingKey | undefined, r: Reader, msg: HandshakeMessage): void {
    const cke = decodeClientKeyExchange(r, p.suite.kx);
    const ecdhSecret = p.share && cke.publicKey ? p.share.computeSecret(cke.publicKey) : undefined;
    this.d.transcript.add(msg.msgType, msg.messageSeq, msg.body);
    if (p.suite.kx === 'ECDHE') return this.keysReady(p, clientKey, ecdhSecret!);
    // PSK and ECDHE_PSK (RFC 4279 §2, RFC 5489 §2): find the key, perhaps asynchronously.
    const identity = cke.pskIdentity!;
    this.negotiated!.pskIdentity = new TextDecoder().decode(identity);
    const found = this.cfg.psk!.lookup(identity, this.peer);
    const withKey = (key: Uint8Array | null | undefined) => {
      // An unknown identity continues with a random key: the client sees the same
      // decrypt_error, after the same work, as for a wrong key (RFC 4279 §5, CRY-06).
      const psk = key && key.length > 0 ? key : this.d.provider.randomBytes(32);
      this.keysReady(p, clientKey, pskPremaster(psk, ecdhSecret));
    };
    if (isPromise(found)) this.d.suspend(found, withKey);
    else withKey(found);
  }

  private keysReady(p: Params, clientKey: VerifyingKey | undefined, pms: Uint8Array): void {
    const master = p.ems
      ? extendedMasterSecret(this.d.provider, p.suite.prfHash, pms, this.d.transcript.hash(this.d.provider, p.suite.prfHash))
      : masterSecret(this.d.provider, p.suite.prfHash, pms, p.clientRandom, p.serverRandom);
    pms.fill(0);
    this.d.secretsReady(new Tls12Secrets(this.d.provider, p.suite, master, p.clientRandom, p.serverRandom));
    this.d.installPendingKeys(deriveEpochKeys(this.d.provider, 'server', p.suite, master, p.clientRandom, p.serverRandom, p.etm));
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
    if (!p.resuming) {
      // Flight 6: [NewSessionTicket], ChangeCipherSpec, Finished.
      const session = this.sessionOf(p, master);
      this.cfg.sessions?.cache?.set(p.sessionId, session);
      if (p.sendTicket) this.sendNewSessionTicket(session);
      const ours = verifyData(this.d.provider, h, master, 'server finished', this.d.transcript.hash(this.d.provider, h));
      this.d.sendChangeCipherSpec();
      this.d.sendMessage(HT.finished, encode((w) => encodeFinished(w, { verifyData: ours })));
      this.d.flushFlight(true);
    }
    master.fill(0);
    this.state = { kind: 'done' };
    this.d.complete();
  }

  /** A session to resume: from the ticket (preferred) or the cache, usable with this ClientHello (RFC 7627 §5.3). */
  private findSession(hello: ClientHello, ticketExt: Uint8Array | undefined, ems: boolean): Session | undefined {
    const sessions = this.cfg.sessions;
    if (!sessions) return undefined;
    const nowS = Math.floor(this.d.now / 1000);
    let s: Session | undefined;
    if (ticketExt && ticketExt.length > 0 && sessions.tickets) s = sessions.tickets.open(ticketExt, nowS);
    if (!s && hello.sessionId.length > 0) s = sessions.cache?.get(hello.sessionId, nowS);
    if (!s) return undefined;
    // S-46: a resumption that would change the EMS state becomes a full handshake.
    if (s.extendedMasterSecret !== ems) return undefined;
    const suite = suiteById(s.suiteId);
    if (!suite || !hello.cipherSuites.includes(s.suiteId) || !this.cfg.suites.includes(suite)) return undefined;
    // A session from a client certificate we required must still satisfy that requirement.
    if (this.cfg.requestCert && this.cfg.rejectUnauthorized && suite.auth !== 'PSK' && !s.authorized) return undefined;
    return s;
  }

  /** The abbreviated handshake (RFC 5246 §7.3): ServerHello, [NewSessionTicket], ChangeCipherSpec, Finished. */
  private resume(hello: ClientHello, s: Session, o: {
    secureReneg: boolean; ems: boolean; sendTicket: boolean; servername: string | undefined; ticketExt: Uint8Array | undefined;
    extras: { extensions: Extension[]; alpnProtocol?: string; srtpProfile?: string };
  }): void {
    const suite = suiteById(s.suiteId)!;
    const serverRandom = this.d.provider.randomBytes(32);
    // Echo the client's session ID: that is what tells it we resume (RFC 5077 §3.4 for tickets).
    const sessionId = hello.sessionId;
    const p: Params = { suite, clientRandom: hello.random, serverRandom, ems: o.ems, etm: s.encryptThenMac, sessionId, sendTicket: o.sendTicket, resuming: s };
    this.negotiated = {
      suite, extendedMasterSecret: o.ems, encryptThenMac: s.encryptThenMac, peerCertificates: [...s.peerCertificates],
      authorized: s.authorized, resumed: true,
      ...(s.peerRawPublicKey !== undefined && { peerRawPublicKey: s.peerRawPublicKey }),
      ...(s.pskIdentity !== undefined && { pskIdentity: s.pskIdentity }), ...(o.servername !== undefined && { servername: o.servername }),
      ...(o.extras.alpnProtocol !== undefined && { alpnProtocol: o.extras.alpnProtocol }),
      ...(o.extras.srtpProfile !== undefined && { srtpProfile: o.extras.srtpProfile }),
    };
    const extensions: Extension[] = [...o.extras.extensions];
    this.negotiateConnectionId(hello.extensions, suite, extensions);
    if (o.secureReneg) extensions.push({ type: ExtensionType.renegotiation_info, data: encode((w) => renegotiationInfo.encode(w, new Uint8Array(0))) });
    if (o.ems) extensions.push({ type: ExtensionType.extended_master_secret, data: new Uint8Array(0) });
    if (s.encryptThenMac) extensions.push({ type: ExtensionType.encrypt_then_mac, data: new Uint8Array(0) });
    if (o.sendTicket) extensions.push({ type: ExtensionType.session_ticket, data: new Uint8Array(0) });
    this.d.sendMessage(HT.server_hello, encode((w) => encodeServerHello(w, {
      serverVersion: DTLS1_2, random: serverRandom, sessionId, cipherSuite: suite.id, compressionMethod: 0, extensions,
    })));
    if (o.sendTicket) this.sendNewSessionTicket({ ...s });
    const master = Uint8Array.from(s.masterSecret);
    this.d.secretsReady(new Tls12Secrets(this.d.provider, suite, master, hello.random, serverRandom));
    this.d.installPendingKeys(deriveEpochKeys(this.d.provider, 'server', suite, master, hello.random, serverRandom, s.encryptThenMac));
    const h = suite.prfHash;
    const ours = verifyData(this.d.provider, h, master, 'server finished', this.d.transcript.hash(this.d.provider, h));
    this.d.sendChangeCipherSpec();
    this.d.sendMessage(HT.finished, encode((w) => encodeFinished(w, { verifyData: ours })));
    this.d.flushFlight(false);
    this.state = { kind: 'expectChangeCipherSpec', p, master };
  }

  private sessionOf(p: Params, master: Uint8Array): Session {
    const n = this.negotiated!;
    return {
      suiteId: p.suite.id, masterSecret: Uint8Array.from(master), extendedMasterSecret: p.ems, encryptThenMac: p.etm,
      // The leaf is the verified identity; the rest of the chain would only swell tickets.
      created: Math.floor(this.d.now / 1000), peerCertificates: n.peerCertificates.slice(0, 1), authorized: n.authorized,
      ...(n.pskIdentity !== undefined && { pskIdentity: n.pskIdentity }), ...(n.servername !== undefined && { servername: n.servername }),
      ...(n.peerRawPublicKey !== undefined && { peerRawPublicKey: n.peerRawPublicKey }),
    };
  }

  private sendNewSessionTicket(s: Session): void {
    const tickets = this.cfg.sessions!.tickets!;
    let ticket = tickets.seal(s);
    // RFC 5077 §3.3: having acknowledged the extension, send an empty ticket when one cannot be issued.
    if (ticket.length > 0xffff) ticket = new Uint8Array(0);
    this.d.sendMessage(HT.new_session_ticket, encode((w) => encodeNewSessionTicket(w, { lifetimeHint: tickets.lifetimeSeconds, ticket })));
  }

  wipe(): void {
    const st = this.state;
    if ('master' in st) st.master.fill(0);
    this.state = { kind: 'done' };
  }
}

/**
 * The PSK premaster secret (RFC 4279 §2, RFC 5489 §2):
 * `opaque other_secret<0..2^16-1>; opaque psk<0..2^16-1>;` where other_secret
 * is N zero bytes for plain PSK and the ECDH secret for ECDHE_PSK.
 */
export function pskPremaster(psk: Uint8Array, ecdhSecret: Uint8Array | undefined): Uint8Array {
  const other = ecdhSecret ?? new Uint8Array(psk.length);
  const out = new Uint8Array(4 + other.length + psk.length);
  out[0] = other.length >>> 8;
  out[1] = other.length & 0xff;
  out.set(other, 2);
  out[2 + other.length] = psk.length >>> 8;
  out[3 + other.length] = psk.length & 0xff;
  out.set(psk, 4 + other.length);
  if (ecdhSecret) ecdhSecret.fill(0);
  return out;
}


/** Certificate message bodies by chain: a server presents the same chain to every client. */
const certificateBodies = new WeakMap<readonly Uint8Array[], Uint8Array>();

/**
 * The Certificate message body for a chain, encoded once per chain array (the
 * resolved configuration's, or an SNI identity's) rather than per handshake.
 * Shared between handshakes: message bodies are never written to once sent.
 */
function certificateBody(certChain: readonly Uint8Array[]): Uint8Array {
  let body = certificateBodies.get(certChain);
  if (body === undefined) {
    let size = 3;
    for (const c of certChain) size += 3 + c.length;
    body = encode((w) => encodeCertificate(w, { certificates: certChain }), size);
    certificateBodies.set(certChain, body);
  }
  return body;
}

function curveGroupId(curve: string): number | undefined {
  return curve === 'P-256' ? 23 : curve === 'P-384' ? 24 : curve === 'P-521' ? 25 : undefined;
}

export function isPromise<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown })?.then === 'function';
}



