import { concatBytes as concat, equalBytes } from '../codec/bytes.js';
import type { Reader } from '../codec/reader.js';
import { encode } from '../codec/writer.js';
import type { GroupName, KeyShare, SigningKey, VerifyingKey } from '../crypto/provider.js';
import { type CipherSuite, EMPTY_RENEGOTIATION_INFO_SCSV, suiteById } from '../crypto/suites.js';
import { type DtlsError, HandshakeError } from '../errors.js';
import { DTLS1_2 } from '../record/content-type.js';
import {
  type HelloParams, type Negotiated, Tls12Machine, checkFinished, encryptThenMacOf, extendedMasterSecretOf, flagExtension,
  importRawPublicKey, isPromise, masterFromPremaster, pskPremaster, renegotiationInfoOf, sendChangeCipherSpecAndFinished,
  sessionOf, untrustedRawPublicKey, useMaster,
} from './common.js';
import type { HandshakeDriver } from './driver.js';
import {
  CertificateType, type Extension, alpn, certificateTypes, connectionIdExt, ecPointFormats, findExtension, renegotiationInfo, serverName,
  signatureAlgorithms, srtpProfileName, supportedGroups, useSrtp,
} from './extensions.js';
import { decodeCertificate, decodeRawPublicKeyCertificate, encodeCertificate, encodeRawPublicKeyCertificate } from './messages/certificate.js';
import { decodeCertificateVerify } from './messages/certificate-verify.js';
import { encodeCertificateRequest } from './messages/certificate-request.js';
import { type ClientHello, decodeClientHello } from './messages/client-hello.js';
import { decodeClientKeyExchange } from './messages/client-key-exchange.js';
import { encodeNewSessionTicket } from './messages/new-session-ticket.js';
import type { Session, TicketKeys } from './session.js';
import type { SessionLookup } from './session-store.js';
import { encodeServerHello } from './messages/server-hello.js';
import { encodeEcdhParams, encodeServerKeyExchange } from './messages/server-key-exchange.js';
import {
  SIGNATURE_SCHEMES, chooseGroup, chooseSignatureScheme, groupId, schemeKeyKind, suiteFitsKey,
} from './negotiation.js';
import type { HandshakeMessage } from './reassembler.js';
import { ClientCertificateType, ExtensionType, HandshakeType as HT, NamedGroup } from './registry.js';

export type { Negotiated } from './common.js';

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
  readonly sessions?: { readonly cache?: SessionLookup; readonly tickets?: TicketKeys };
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
  /** We speak DTLS 1.3 too: a DTLS 1.2 ServerHello's random ends with the downgrade sentinel (RFC 8446 §4.1.3, RFC 9147 §5.3). */
  readonly downgradeSentinel?: boolean;
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

interface Params extends HelloParams {
  /** The certificate type the client will send (RFC 7250). */
  readonly clientCertType?: number;
  /** The session ID we sent in ServerHello. */
  readonly sessionId: Uint8Array;
  /** The client asked for a ticket and we will send one (RFC 5077 §3.2). */
  readonly sendTicket: boolean;
  /** Resuming this session (abbreviated handshake). */
  readonly resuming?: Session;
  readonly share?: KeyShare;
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
const ACCEPTS: { readonly [K in State['kind']]: readonly number[] } = {
  expectClientHello: [HT.client_hello],
  expectCertificate: [HT.certificate],
  expectClientKeyExchange: [HT.client_key_exchange],
  expectCertificateVerify: [HT.certificate_verify],
  expectChangeCipherSpec: [],
  expectFinished: [HT.finished],
  done: [],
};

const PEER_TYPES: readonly number[] = [HT.client_hello, HT.certificate, HT.client_key_exchange, HT.certificate_verify, HT.finished];

/** What the ClientHello's extensions ask, decoded once. */
interface HelloAsks {
  readonly secureReneg: boolean;
  readonly ems: boolean;
  readonly sendTicket: boolean;
  readonly servername: string | undefined;
  readonly ticketExt: Uint8Array | undefined;
  readonly extras: Extras;
}

/** ALPN and use_srtp answers. */
interface Extras {
  readonly extensions: Extension[];
  readonly alpnProtocol?: string;
  readonly srtpProfile?: string;
}

/**
 * The server side of the DTLS 1.2 handshake (RFC 6347 §4.2.4 flights 4 and
 * 6; RFC 5246 §7.3), full and abbreviated. Starts from a ClientHello whose
 * cookie verified.
 */
export class ServerHandshake extends Tls12Machine<State> {
  readonly peerMessageTypes = PEER_TYPES;

  constructor(
    d: HandshakeDriver,
    private readonly cfg: ServerHandshakeConfig,
    private readonly peer: PeerAddress = { address: '', port: 0 },
  ) {
    super(d, { kind: 'expectClientHello' }, ACCEPTS);
  }

  protected onMessage(st: State, msg: HandshakeMessage, r: Reader): void {
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
        return;
    }
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
    const secureReneg = renegotiationInfoOf(exts, 'on an initial handshake') || hello.cipherSuites.includes(EMPTY_RENEGOTIATION_INFO_SCSV);
    const ems = extendedMasterSecretOf(exts, this.cfg.requireExtendedMasterSecret, 'client does not offer extended_master_secret');
    const sniExt = findExtension(exts, ExtensionType.server_name);
    const ticketExt = findExtension(exts, ExtensionType.session_ticket);
    const asks: HelloAsks = {
      secureReneg, ems, ticketExt,
      servername: sniExt && sniExt.length > 0 ? serverName.decode(sniExt) : undefined,
      sendTicket: ticketExt !== undefined && this.cfg.sessions?.tickets !== undefined,
      extras: this.negotiateExtras(exts),
    };
    const found = this.findSession(hello, ticketExt);
    // A shared session store may answer later: the handshake waits for it, as for a callback.
    if (isPromise(found)) this.d.suspend(found, (s) => this.resumeOrFull(hello, s, asks));
    else this.resumeOrFull(hello, found, asks);
  }

  /** Resume `found` when this ClientHello may (RFC 7627 §5.3), else the full handshake. */
  private resumeOrFull(hello: ClientHello, found: Session | undefined, asks: HelloAsks): void {
    const resumable = found && this.usableSession(hello, found, asks.ems);
    if (resumable) return this.resume(hello, resumable, asks);
    const proceed = (identity: ServerIdentity | undefined) => this.fullHandshake(hello, identity, asks);
    const sni = this.cfg.sni;
    const chosen = sni && asks.servername !== undefined ? sni(asks.servername) : undefined;
    if (isPromise(chosen)) this.d.suspend(chosen, proceed);
    else proceed(chosen);
  }

  /** ALPN (RFC 7301 §3.2) and use_srtp (RFC 5764 §4.1.1): what we answer, and the extensions saying it. */
  private negotiateExtras(exts: readonly Extension[]): Extras {
    const extensions: Extension[] = [];
    let alpnProtocol: string | undefined;
    let srtpProfile: string | undefined;
    const alpnExt = findExtension(exts, ExtensionType.application_layer_protocol_negotiation);
    const ours = this.cfg.alpnProtocols;
    if (alpnExt !== undefined && ours && ours.length > 0) {
      const theirs = alpn.decode(alpnExt);
      const pick = ours.find((p) => theirs.some((t) => equalBytes(t, p)));
      if (!pick) throw new HandshakeError('ERR_DTLS_NO_APPLICATION_PROTOCOL', 'no ALPN protocol in common', 'no_application_protocol');
      extensions.push({ type: ExtensionType.application_layer_protocol_negotiation, data: encode((w) => alpn.encode(w, [pick])) });
      alpnProtocol = new TextDecoder().decode(pick);
    }
    const srtpExt = findExtension(exts, ExtensionType.use_srtp);
    const profiles = this.cfg.srtpProfiles;
    if (srtpExt !== undefined && profiles && profiles.length > 0) {
      const offered = useSrtp.decode(srtpExt).profiles;
      const pick = profiles.find((p) => offered.includes(p));
      if (pick !== undefined) {
        extensions.push({ type: ExtensionType.use_srtp, data: encode((w) => useSrtp.encode(w, [pick])) });
        srtpProfile = srtpProfileName(pick);
      }
    }
    return { extensions, ...(alpnProtocol !== undefined && { alpnProtocol }), ...(srtpProfile !== undefined && { srtpProfile }) };
  }

  /**
   * Connection ID (RFC 9146 §3): when the client offers one and we have CIDs on,
   * answer with ours; with AEAD suites only (CBC's CID MAC layout is not done).
   * With both sides offering `rrc`, addresses move only after a return
   * routability check (RFC 9853). Returns the ids in use.
   */
  private negotiateConnectionId(exts: readonly Extension[], suite: CipherSuite, extensions: Extension[]): Negotiated['connectionIds'] {
    const offered = findExtension(exts, ExtensionType.connection_id);
    const make = this.cfg.connectionId;
    if (offered === undefined || !make || suite.protection.kind !== 'aead') return undefined;
    const peers = connectionIdExt.decode(offered);
    const ours = make();
    const rrc = findExtension(exts, ExtensionType.rrc) !== undefined;
    extensions.push({ type: ExtensionType.connection_id, data: encode((w) => connectionIdExt.encode(w, ours)) });
    if (rrc) extensions.push(flagExtension(ExtensionType.rrc));
    this.d.setConnectionIds(ours, peers, rrc);
    return { ours, peers };
  }

  /** The extensions both ServerHellos end with (RFC 5746, RFC 7627, RFC 7366, RFC 5077). */
  private commonServerHelloExtensions(asks: HelloAsks, etm: boolean): Extension[] {
    const out: Extension[] = [];
    if (asks.secureReneg) out.push({ type: ExtensionType.renegotiation_info, data: encode((w) => renegotiationInfo.encode(w, new Uint8Array(0)), 1) });
    if (asks.ems) out.push(flagExtension(ExtensionType.extended_master_secret));
    if (etm) out.push(flagExtension(ExtensionType.encrypt_then_mac));
    if (asks.sendTicket) out.push(flagExtension(ExtensionType.session_ticket));
    return out;
  }

  private fullHandshake(hello: ClientHello, identity: ServerIdentity | undefined, asks: HelloAsks): void {
    const exts = hello.extensions;
    const groupsExt = findExtension(exts, ExtensionType.supported_groups);
    const groups = groupsExt && supportedGroups.decode(groupsExt);
    const formatsExt = findExtension(exts, ExtensionType.ec_point_formats);
    const formats = formatsExt && ecPointFormats.decode(formatsExt);
    const sigExt = findExtension(exts, ExtensionType.signature_algorithms);
    const sigAlgs = sigExt && signatureAlgorithms.decode(sigExt);
    const certChain = identity?.certChain ?? this.cfg.certChain;
    const group = formats && !formats.includes(0) ? undefined : chooseGroup(groups, this.cfg.groups);
    const key = identity?.signingKey ?? this.cfg.signingKey;
    const types = this.certificateTypes(exts, certChain);
    const scheme = key && chooseSignatureScheme(key, sigAlgs);
    // RFC 8422 §5.1: an ECDSA certificate must be on a curve the client listed.
    const keyCurve = key?.kind === 'ecdsa' && key.curve ? CURVE_GROUPS[key.curve] : undefined;
    const curveAcceptable = keyCurve === undefined || groups === undefined || groups.includes(keyCurve);
    const suite = this.cfg.suites.find((s) => {
      if (!hello.cipherSuites.includes(s.id)) return false;
      if ((s.kx === 'ECDHE' || s.kx === 'ECDHE_PSK') && !group) return false;
      if (s.auth === 'PSK') return this.cfg.psk !== undefined;
      return types.server !== undefined && suiteFitsKey(s, key?.kind) && scheme !== undefined && curveAcceptable;
    });
    if (!suite) throw new HandshakeError('ERR_DTLS_NO_SHARED_CIPHER', 'no cipher suite, group and signature algorithm in common', 'handshake_failure');

    const serverRandom = this.serverRandom();
    const share = suite.kx !== 'PSK' ? this.d.provider.generateKeyShare(group!) : undefined;
    const etm = encryptThenMacOf(exts, suite);
    const sessionId = this.cfg.sessions?.cache ? this.d.provider.randomBytes(32) : new Uint8Array(0);
    const certAuth = suite.auth !== 'PSK';

    // Flight 4: ServerHello, Certificate, ServerKeyExchange, [CertificateRequest], ServerHelloDone.
    const extensions: Extension[] = [];
    if (asks.servername !== undefined && this.cfg.sni) extensions.push(flagExtension(ExtensionType.server_name));
    extensions.push(...asks.extras.extensions);
    const connectionIds = this.negotiateConnectionId(exts, suite, extensions);
    if (certAuth) extensions.push(...types.extensions(this.cfg.requestCert));
    extensions.push(...this.commonServerHelloExtensions(asks, etm));
    if (formats && share) extensions.push({ type: ExtensionType.ec_point_formats, data: encode((w) => ecPointFormats.encode(w, [0]), 2) });
    const neg: Negotiated = {
      suite, extendedMasterSecret: asks.ems, encryptThenMac: etm, peerCertificates: [], resumed: false,
      // Nothing to verify without a certificate request (or with PSK): authorized.
      authorized: !(this.cfg.requestCert && certAuth),
      ...(share && { group: share.group }), ...(asks.servername !== undefined && { servername: asks.servername }),
      ...(scheme !== undefined && certAuth && { signatureScheme: scheme }),
      ...(asks.extras.alpnProtocol !== undefined && { alpnProtocol: asks.extras.alpnProtocol }),
      ...(asks.extras.srtpProfile !== undefined && { srtpProfile: asks.extras.srtpProfile }),
      ...(connectionIds && { connectionIds }),
    };
    const p: Params = {
      suite, clientRandom: hello.random, serverRandom, ...(share && { share }), ems: asks.ems, etm, sessionId,
      sendTicket: asks.sendTicket, clientCertType: types.client, neg,
    };
    this.d.sendMessage(HT.server_hello, encode((w) => encodeServerHello(w, {
      serverVersion: DTLS1_2, random: serverRandom, sessionId, cipherSuite: suite.id, compressionMethod: 0, extensions,
    })));
    const ecdh = share && { namedGroup: groupId(share.group), publicKey: share.publicKey };
    if (certAuth) {
      this.d.sendMessage(HT.certificate, types.server === CertificateType.RawPublicKey
        ? encode((w) => encodeRawPublicKeyCertificate(w, this.cfg.rawPublicKey!))
        : certificateBody(certChain));
      const params = encode((w) => encodeEcdhParams(w, ecdh!), 4 + ecdh!.publicKey.length);
      const signature = key!.sign(scheme!, concat(hello.random, serverRandom, params));
      this.d.sendMessage(HT.server_key_exchange, encode((w) => encodeServerKeyExchange(w, { ecdh: ecdh!, signature: { scheme: scheme!, signature } })));
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

  /** The client's certificate, verified, or refused (rejectUnauthorized), or accepted unverified. */
  private onCertificate(p: Params, r: Reader, msg: HandshakeMessage): void {
    if (p.clientCertType === CertificateType.RawPublicKey) return this.onRawPublicKey(p, r, msg);
    const { certificates } = decodeCertificate(r);
    this.d.transcript.add(msg.msgType, msg.messageSeq, msg.body);
    if (certificates.length === 0) {
      // S-55: an empty Certificate when one is required.
      const error = new HandshakeError('ERR_DTLS_NO_PEER_CERTIFICATE', 'client sent no certificate', 'handshake_failure');
      if (this.cfg.rejectUnauthorized) throw error;
      this.state = { kind: 'expectClientKeyExchange', p: withNeg(p, { authorized: false, authorizationError: error }) };
      return;
    }
    const check = this.cfg.checkClientChain(certificates);
    if (!check.ok && (this.cfg.rejectUnauthorized || !check.key)) throw check.error;
    const neg = check.ok
      ? { peerCertificates: [...certificates], authorized: true }
      : { peerCertificates: [...certificates], authorized: false, authorizationError: check.error };
    this.state = { kind: 'expectClientKeyExchange', p: withNeg(p, neg), clientKey: check.key };
  }

  /** The client authenticates with a raw public key: trusted only if verifyRawPublicKey says so. */
  private onRawPublicKey(p: Params, r: Reader, msg: HandshakeMessage): void {
    const spki = decodeRawPublicKeyCertificate(r);
    this.d.transcript.add(msg.msgType, msg.messageSeq, msg.body);
    if (spki.length === 0) {
      if (this.cfg.rejectUnauthorized) throw new HandshakeError('ERR_DTLS_NO_PEER_CERTIFICATE', 'client sent no raw public key', 'handshake_failure');
      // Stryker disable next-line ObjectLiteral: the server's negotiated parameters start with authorized: false (set true only by a verified key)
      this.state = { kind: 'expectClientKeyExchange', p: withNeg(p, { authorized: false }) };
      return;
    }
    // Stryker disable next-line StringLiteral: who sent the key only appears in the error message
    const key = importRawPublicKey(this.d.provider, spki, 'client');
    const trusted = this.cfg.verifyRawPublicKey!(spki) === true;
    // Stryker disable next-line StringLiteral: who sent the key only appears in the error message
    if (!trusted && this.cfg.rejectUnauthorized) throw untrustedRawPublicKey('client');
    // Stryker disable next-line StringLiteral: who sent the key only appears in the error message
    const neg = { peerRawPublicKey: spki, authorized: trusted, ...(!trusted && { authorizationError: untrustedRawPublicKey('client') }) };
    this.state = { kind: 'expectClientKeyExchange', p: withNeg(p, neg), clientKey: key };
  }

  private onClientKeyExchange(p: Params, clientKey: VerifyingKey | undefined, r: Reader, msg: HandshakeMessage): void {
    const cke = decodeClientKeyExchange(r, p.suite.kx);
    // Stryker disable next-line LogicalOperator: the share exists exactly when the suite is ECDHE or ECDHE_PSK, and then decodeClientKeyExchange requires the public key: never one without the other
    const ecdhSecret = p.share && cke.publicKey ? p.share.computeSecret(cke.publicKey) : undefined;
    this.d.transcript.add(msg.msgType, msg.messageSeq, msg.body);
    if (p.suite.kx === 'ECDHE') return this.keysReady(p, clientKey, ecdhSecret!);
    // PSK and ECDHE_PSK (RFC 4279 §2, RFC 5489 §2): find the key, perhaps asynchronously.
    const identity = cke.pskIdentity!;
    const withIdentity = withNeg(p, { pskIdentity: new TextDecoder().decode(identity) });
    const found = this.cfg.psk!.lookup(identity, this.peer);
    const withKey = (key: Uint8Array | null | undefined) => {
      // An unknown identity continues with a random key: the client sees the same
      // decrypt_error, after the same work, as for a wrong key (RFC 4279 §5, CRY-06).
      const psk = key && key.length > 0 ? key : this.d.provider.randomBytes(32);
      this.keysReady(withIdentity, clientKey, pskPremaster(psk, ecdhSecret));
    };
    if (isPromise(found)) this.d.suspend(found, withKey);
    else withKey(found);
  }

  private keysReady(p: Params, clientKey: VerifyingKey | undefined, pms: Uint8Array): void {
    const master = masterFromPremaster(this.d, p, pms);
    // Stryker disable next-line StringLiteral: the role is compared with 'client' only (deriveEpochKeys, Tls12Secrets), so '' acts as 'server'
    useMaster(this.d, 'server', p, master);
    // S-35: CCS only once key exchange input is complete, i.e. after CertificateVerify when the client authenticates.
    this.state = clientKey
      ? { kind: 'expectCertificateVerify', p, master, clientKey }
      : { kind: 'expectChangeCipherSpec', p, master };
  }

  private onCertificateVerify(p: Params, master: Uint8Array, key: VerifyingKey, r: Reader, msg: HandshakeMessage): void {
    const cv = decodeCertificateVerify(r);
    // Stryker disable next-line ConditionalExpression: → true lets a scheme for another key kind through to key.verify below, which fails it with the same error (both providers' verify return false for it)
    const fitsKey = schemeKeyKind(cv.scheme) === key.kind;
    if (!SIGNATURE_SCHEMES.includes(cv.scheme) || !fitsKey) {
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
    checkFinished(this.d, p, master, 'client', msg, r);
    if (!p.resuming) {
      // Flight 6: [NewSessionTicket], ChangeCipherSpec, Finished.
      const session = sessionOf(p, master, Math.floor(this.d.now / 1000), true);
      this.cfg.sessions?.cache?.set(p.sessionId, session);
      if (p.sendTicket) this.sendNewSessionTicket(session);
      sendChangeCipherSpecAndFinished(this.d, p, master, 'server', true);
    }
    this.finish(p.neg);
  }

  /** The session the client asks for: from its ticket (preferred) or the session-ID cache, which may answer later. */
  private findSession(hello: ClientHello, ticketExt: Uint8Array | undefined): Session | undefined | Promise<Session | undefined> {
    const sessions = this.cfg.sessions;
    if (!sessions) return undefined;
    const nowS = Math.floor(this.d.now / 1000);
    const s = ticketExt && ticketExt.length > 0 && sessions.tickets ? sessions.tickets.open(ticketExt, nowS) : undefined;
    if (s) return s;
    return hello.sessionId.length > 0 ? sessions.cache?.get(hello.sessionId, nowS) : undefined;
  }

  /** `s`, when this ClientHello may resume it (RFC 7627 §5.3). */
  private usableSession(hello: ClientHello, s: Session, ems: boolean): Session | undefined {
    // S-46: a resumption that would change the EMS state becomes a full handshake.
    if (s.extendedMasterSecret !== ems) return undefined;
    const suite = suiteById(s.suiteId);
    if (!suite || !hello.cipherSuites.includes(s.suiteId) || !this.cfg.suites.includes(suite)) return undefined;
    // A session from a client certificate we required must still satisfy that requirement.
    if (this.cfg.requestCert && this.cfg.rejectUnauthorized && suite.auth !== 'PSK' && !s.authorized) return undefined;
    return s;
  }

  /** The abbreviated handshake (RFC 5246 §7.3): ServerHello, [NewSessionTicket], ChangeCipherSpec, Finished. */
  private resume(hello: ClientHello, s: Session, asks: HelloAsks): void {
    const suite = suiteById(s.suiteId)!;
    const serverRandom = this.serverRandom();
    // Echo the client's session ID: that is what tells it we resume (RFC 5077 §3.4 for tickets).
    const sessionId = hello.sessionId;
    const extensions: Extension[] = [...asks.extras.extensions];
    const connectionIds = this.negotiateConnectionId(hello.extensions, suite, extensions);
    extensions.push(...this.commonServerHelloExtensions(asks, s.encryptThenMac));
    const neg: Negotiated = {
      suite, extendedMasterSecret: asks.ems, encryptThenMac: s.encryptThenMac, peerCertificates: [...s.peerCertificates],
      authorized: s.authorized, resumed: true,
      ...(s.peerRawPublicKey !== undefined && { peerRawPublicKey: s.peerRawPublicKey }),
      ...(s.pskIdentity !== undefined && { pskIdentity: s.pskIdentity }), ...(asks.servername !== undefined && { servername: asks.servername }),
      ...(asks.extras.alpnProtocol !== undefined && { alpnProtocol: asks.extras.alpnProtocol }),
      ...(asks.extras.srtpProfile !== undefined && { srtpProfile: asks.extras.srtpProfile }),
      ...(connectionIds && { connectionIds }),
    };
    const p: Params = {
      suite, clientRandom: hello.random, serverRandom, ems: asks.ems, etm: s.encryptThenMac, sessionId, sendTicket: asks.sendTicket, resuming: s, neg,
    };
    this.d.sendMessage(HT.server_hello, encode((w) => encodeServerHello(w, {
      serverVersion: DTLS1_2, random: serverRandom, sessionId, cipherSuite: suite.id, compressionMethod: 0, extensions,
    })));
    if (asks.sendTicket) this.sendNewSessionTicket({ ...s });
    const master = Uint8Array.from(s.masterSecret);
    useMaster(this.d, 'server', p, master);
    sendChangeCipherSpecAndFinished(this.d, p, master, 'server', false);
    this.state = { kind: 'expectChangeCipherSpec', p, master };
  }

  /** Our random (RFC 5246 §7.4.1.3), with the downgrade sentinel when we could have spoken DTLS 1.3. */
  private serverRandom(): Uint8Array {
    const r = this.d.provider.randomBytes(32);
    if (this.cfg.downgradeSentinel) r.set(DOWNGRADE_SENTINEL_12, 24);
    return r;
  }

  private sendNewSessionTicket(s: Session): void {
    const tickets = this.cfg.sessions!.tickets!;
    let ticket = tickets.seal(s);
    // RFC 5077 §3.3: having acknowledged the extension, send an empty ticket when one cannot be issued.
    if (ticket.length > 0xffff) ticket = new Uint8Array(0);
    this.d.sendMessage(HT.new_session_ticket, encode((w) => encodeNewSessionTicket(w, { lifetimeHint: tickets.lifetimeSeconds, ticket })));
  }
}

/** The last 8 bytes of a 1.2 ServerHello's random from a server that speaks 1.3 too: "DOWNGRD" 01 (RFC 8446 §4.1.3). */
export const DOWNGRADE_SENTINEL_12 = Uint8Array.of(0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01);

/** The hello facts with more negotiated. */
function withNeg(p: Params, more: Partial<Negotiated>): Params {
  return { ...p, neg: { ...p.neg, ...more } };
}

/** The NamedGroup of an ECDSA key's curve (RFC 8422 §5.1.1). */
const CURVE_GROUPS: Readonly<Record<string, number>> = Object.freeze({
  'P-256': NamedGroup.secp256r1, 'P-384': NamedGroup.secp384r1, 'P-521': NamedGroup.secp521r1,
});

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
