import { concatBytes as concat, equalBytes } from '../codec/bytes.js';
import type { Reader } from '../codec/reader.js';
import { encode } from '../codec/writer.js';
import type { GroupName, SigningKey, VerifyingKey } from '../crypto/provider.js';
import { type CipherSuite, suiteById } from '../crypto/suites.js';
import { type DtlsError, HandshakeError } from '../errors.js';
import { DTLS1_2 } from '../record/content-type.js';
import {
  type HelloParams, type Negotiated, Tls12Machine, checkFinished, encryptThenMacOf, extendedMasterSecretOf, flagExtension,
  importRawPublicKey, isPromise, masterFromPremaster, pskPremaster, renegotiationInfoOf, sendChangeCipherSpecAndFinished,
  sessionOf, untrustedRawPublicKey, useMaster,
} from './common.js';
import type { HandshakeDriver } from './driver.js';
import {
  CertificateType, type Extension, alpn, certificateTypes, connectionIdExt, ecPointFormats, findExtension, isEmptyExtension, renegotiationInfo, serverName,
  signatureAlgorithms, srtpProfileName, supportedGroups, useSrtp,
} from './extensions.js';
import { decodeCertificate, decodeRawPublicKeyCertificate, encodeCertificate, encodeRawPublicKeyCertificate } from './messages/certificate.js';
import { type CertificateRequest, decodeCertificateRequest } from './messages/certificate-request.js';
import { encodeCertificateVerify } from './messages/certificate-verify.js';
import { type ClientHello, encodeClientHello } from './messages/client-hello.js';
import { encodeClientKeyExchange } from './messages/client-key-exchange.js';
import { decodeHelloVerifyRequest } from './messages/hello-verify-request.js';
import { type NewSessionTicket, decodeNewSessionTicket } from './messages/new-session-ticket.js';
import type { ClientSession } from './session.js';
import { decodeServerHello } from './messages/server-hello.js';
import { decodeServerKeyExchange, encodeEcdhParams } from './messages/server-key-exchange.js';
import { SIGNATURE_SCHEMES, chooseSignatureScheme, groupById, groupId, schemeKeyKind } from './negotiation.js';
import type { HandshakeMessage } from './reassembler.js';
import { ExtensionType, HandshakeType as HT } from './registry.js';

/** Result of checking the server's chain: its leaf key, or why not. */
export type ServerChainCheck =
  | { readonly ok: true; readonly key: VerifyingKey; readonly authorized?: boolean; readonly error?: DtlsError }
  | { readonly ok: false; readonly error: DtlsError };

export interface ClientHandshakeConfig {
  readonly suites: readonly CipherSuite[];
  /** Sent as SNI when it is a DNS name. */
  readonly servername?: string;
  readonly signingKey?: SigningKey;
  readonly certChain: readonly Uint8Array[];
  /** Validate the server chain (trust, dates, usage, name) or, when not rejecting, just extract the leaf key. */
  readonly checkServerChain: (chain: readonly Uint8Array[]) => ServerChainCheck;
  readonly requireExtendedMasterSecret: boolean;
  /** ECDHE groups offered, in preference order. */
  readonly groups: readonly GroupName[];
  /** Pre-shared key for the PSK suites: identity and key from the server's hint, perhaps asynchronously. */
  readonly psk?: ClientPskCallback;
  /** A session to resume (from `getSession()` of an earlier connection). */
  readonly session?: ClientSession;
  /** Ask for session tickets (RFC 5077). Default true. */
  readonly sessionTickets?: boolean;
  /** ALPN protocols to offer (RFC 7301). */
  readonly alpnProtocols?: readonly Uint8Array[];
  /** DTLS-SRTP protection profiles to offer (RFC 5764). */
  readonly srtpProfiles?: readonly number[];
  /** Our raw public key (SPKI DER) to authenticate with when the server accepts one (RFC 7250). */
  readonly rawPublicKey?: Uint8Array;
  /** Trust a server's raw public key (SPKI DER); enables server RawPublicKey certificates. */
  readonly verifyRawPublicKey?: (spki: Uint8Array) => boolean;
  /** With a raw public key the server's trust comes from verifyRawPublicKey; false accepts an untrusted key (authorized stays false). */
  readonly rejectRawPublicKey?: boolean;
  /** Offer Connection IDs (RFC 9146): the CID we ask the server to use (may be empty). */
  readonly connectionId?: Uint8Array;
}

/** A client's PSK: identity and key, chosen from the server's hint (RFC 4279 §2). */
export type ClientPskCallback = (hint: Uint8Array | undefined) => ClientPsk | Promise<ClientPsk>;
export interface ClientPsk {
  readonly identity: Uint8Array;
  readonly key: Uint8Array;
}

interface Hello {
  readonly random: Uint8Array;
  readonly body: Uint8Array;
  readonly messageSeq: number;
}

interface Params extends HelloParams {
  /** Certificate types of the server's and our Certificate (RFC 7250). */
  readonly serverCertType: number;
  readonly clientCertType: number;
  /** The server acknowledged session_ticket: a NewSessionTicket precedes its ChangeCipherSpec. */
  readonly ticketExpected: boolean;
  /** The session ID of the ServerHello. */
  readonly sessionId: Uint8Array;
  /** Resuming this session (abbreviated handshake). */
  readonly resuming?: ClientSession;
}

/** The ECDHE parameters of a server (ECDHE_PSK: unsigned). */
interface EcdhOffer {
  readonly group: GroupName;
  readonly publicKey: Uint8Array;
}

type State =
  | { readonly kind: 'expectServerHello'; readonly hello: Hello }
  | { readonly kind: 'expectCertificate'; readonly p: Params }
  | { readonly kind: 'expectServerKeyExchange'; readonly p: Params; readonly serverKey: VerifyingKey }
  | { readonly kind: 'expectPskHintOrDone'; readonly p: Params }
  | { readonly kind: 'expectEcdhePskKeyExchange'; readonly p: Params }
  | { readonly kind: 'expectPskServerHelloDone'; readonly p: Params; readonly hint?: Uint8Array; readonly ecdh?: EcdhOffer }
  | { readonly kind: 'expectCertificateRequestOrDone'; readonly p: Params; readonly pms: Uint8Array; readonly publicKey: Uint8Array }
  | { readonly kind: 'expectServerHelloDone'; readonly p: Params; readonly pms: Uint8Array; readonly publicKey: Uint8Array; readonly request: CertificateRequest }
  | { readonly kind: 'expectNewSessionTicket'; readonly p: Params; readonly master: Uint8Array }
  | { readonly kind: 'expectChangeCipherSpec'; readonly p: Params; readonly master: Uint8Array; readonly ticket?: NewSessionTicket }
  | { readonly kind: 'expectFinished'; readonly p: Params; readonly master: Uint8Array; readonly ticket?: NewSessionTicket }
  | { readonly kind: 'done' };

const ACCEPTS: { readonly [K in State['kind']]: readonly number[] } = {
  expectServerHello: [HT.hello_verify_request, HT.server_hello],
  expectCertificate: [HT.certificate],
  expectServerKeyExchange: [HT.server_key_exchange],
  expectPskHintOrDone: [HT.server_key_exchange, HT.server_hello_done],
  expectEcdhePskKeyExchange: [HT.server_key_exchange],
  expectPskServerHelloDone: [HT.server_hello_done],
  expectCertificateRequestOrDone: [HT.certificate_request, HT.server_hello_done],
  expectServerHelloDone: [HT.server_hello_done],
  expectNewSessionTicket: [HT.new_session_ticket],
  expectChangeCipherSpec: [],
  expectFinished: [HT.finished],
  done: [],
};

const PEER_TYPES: readonly number[] = [HT.hello_request, HT.server_hello, HT.hello_verify_request, HT.certificate, HT.server_key_exchange, HT.certificate_request, HT.server_hello_done, HT.new_session_ticket, HT.finished];
const PEER_TYPES_AFTER_HELLO = PEER_TYPES.filter((t) => t !== HT.hello_verify_request);

/**
 * The client side of the DTLS 1.2 handshake (RFC 6347 §4.2.4 flights 1, 3
 * and 5; RFC 5246 §7.3), full and abbreviated.
 */
export class ClientHandshake extends Tls12Machine<State> {
  private readonly offeredSuites: readonly number[];
  private readonly helloSessionId: Uint8Array;
  /** The session this connection established or resumed, for `getSession()`. */
  session: ClientSession | undefined;
  /** We offer encrypt_then_mac (RFC 7366) when we offer a CBC suite. */
  private readonly offeredEtm: boolean;

  /**
   * @param sent the ClientHello a DTLS 1.3 client already sent, offering 1.2
   *   too, when a 1.2 server answered it (the association continues as 1.2:
   *   the same hello, resent with the cookie after a HelloVerifyRequest; a
   *   ServerHello's random is checked for the downgrade sentinel).
   */
  constructor(d: HandshakeDriver, private readonly cfg: ClientHandshakeConfig, private readonly sent?: { readonly hello: ClientHello; readonly messageSeq: number }) {
    super(d, { kind: 'done' }, ACCEPTS);
    this.offeredSuites = sent ? sent.hello.cipherSuites : cfg.suites.map((s) => s.id);
    this.offeredEtm = cfg.suites.some((s) => s.protection.kind === 'cbc');
    if (sent) {
      this.helloSessionId = sent.hello.sessionId;
      const body = encode((w) => encodeClientHello(w, sent.hello), 512);
      this.state = { kind: 'expectServerHello', hello: { random: sent.hello.random, body, messageSeq: sent.messageSeq } };
      return;
    }
    // Resumption offers the session's ID; a ticket-only session gets a random one so
    // that an echo of it tells us the server resumed (RFC 5077 §3.4).
    const session = cfg.session;
    this.helloSessionId = session ? (session.sessionId.length > 0 ? session.sessionId : d.provider.randomBytes(32)) : new Uint8Array(0);
    this.state = { kind: 'expectServerHello', hello: this.sendHello(d.provider.randomBytes(32), new Uint8Array(0)) };
  }

  get peerMessageTypes(): readonly number[] {
    // S-16/SM-13: after the ServerHello an HVR is ignored (dropped, its slot left open).
    return this.state.kind === 'expectServerHello' ? PEER_TYPES : PEER_TYPES_AFTER_HELLO;
  }

  /** Flight 1 or 3: the ClientHello (the same one again, with the cookie, after an HVR; S-16). */
  private sendHello(random: Uint8Array, cookie: Uint8Array): Hello {
    if (this.sent) {
      const body = encode((w) => encodeClientHello(w, { ...this.sent!.hello, cookie }), 512);
      const messageSeq = this.d.sendUntracked(HT.client_hello, body);
      this.d.flushFlight(false);
      return { random, body, messageSeq };
    }
    const cfg = this.cfg;
    const extensions: Extension[] = [
      { type: ExtensionType.supported_groups, data: encode((w) => supportedGroups.encode(w, cfg.groups.map(groupId))) },
      { type: ExtensionType.ec_point_formats, data: encode((w) => ecPointFormats.encode(w, [0])) },
      { type: ExtensionType.signature_algorithms, data: encode((w) => signatureAlgorithms.encode(w, SIGNATURE_SCHEMES)) },
      flagExtension(ExtensionType.extended_master_secret),
      { type: ExtensionType.renegotiation_info, data: encode((w) => renegotiationInfo.encode(w, new Uint8Array(0))) },
    ];
    if (this.offeredEtm) extensions.push(flagExtension(ExtensionType.encrypt_then_mac));
    if (cfg.alpnProtocols && cfg.alpnProtocols.length > 0) {
      const names = cfg.alpnProtocols;
      extensions.push({ type: ExtensionType.application_layer_protocol_negotiation, data: encode((w) => alpn.encode(w, names)) });
    }
    if (cfg.srtpProfiles && cfg.srtpProfiles.length > 0) {
      const profiles = cfg.srtpProfiles;
      extensions.push({ type: ExtensionType.use_srtp, data: encode((w) => useSrtp.encode(w, profiles)) });
    }
    if (cfg.verifyRawPublicKey) {
      const types = [CertificateType.RawPublicKey, CertificateType.X509];
      extensions.push({ type: ExtensionType.server_certificate_type, data: encode((w) => certificateTypes.encodeList(w, types)) });
    }
    if (cfg.rawPublicKey) {
      const types = cfg.certChain.length > 0 ? [CertificateType.RawPublicKey, CertificateType.X509] : [CertificateType.RawPublicKey];
      extensions.push({ type: ExtensionType.client_certificate_type, data: encode((w) => certificateTypes.encodeList(w, types)) });
    }
    if (cfg.connectionId) {
      const cid = cfg.connectionId;
      extensions.push({ type: ExtensionType.connection_id, data: encode((w) => connectionIdExt.encode(w, cid)) });
      extensions.push(flagExtension(ExtensionType.rrc));
    }
    const session = cfg.session;
    if (cfg.sessionTickets !== false || session?.ticket) {
      extensions.push({ type: ExtensionType.session_ticket, data: session?.ticket ?? new Uint8Array(0) });
    }
    const sni = cfg.servername;
    if (sni && !isIpLiteral(sni)) extensions.unshift({ type: ExtensionType.server_name, data: encode((w) => serverName.encode(w, sni)) });
    const hello: ClientHello = {
      clientVersion: DTLS1_2, random, sessionId: this.helloSessionId, cookie,
      cipherSuites: this.offeredSuites, compressionMethods: [0], extensions,
    };
    const body = encode((w) => encodeClientHello(w, hello), 512);
    const messageSeq = this.d.sendUntracked(HT.client_hello, body);
    this.d.flushFlight(false);
    return { random, body, messageSeq };
  }

  protected onMessage(st: State, msg: HandshakeMessage, r: Reader): void {
    switch (st.kind) {
      case 'expectServerHello':
        if (msg.msgType === HT.hello_verify_request) {
          const hvr = decodeHelloVerifyRequest(r);
          this.state = { kind: 'expectServerHello', hello: this.sendHello(st.hello.random, hvr.cookie) };
          return;
        }
        return this.onServerHello(st.hello, r, msg);
      case 'expectCertificate':
        return this.onCertificate(st.p, r, msg);
      case 'expectServerKeyExchange':
        return this.onServerKeyExchange(st.p, st.serverKey, r, msg);
      case 'expectPskHintOrDone':
      case 'expectEcdhePskKeyExchange':
        if (msg.msgType === HT.server_hello_done) return this.onPskServerHelloDone(st.p, undefined, undefined, r, msg);
        return this.onPskServerKeyExchange(st.p, r, msg);
      case 'expectPskServerHelloDone':
        return this.onPskServerHelloDone(st.p, st.hint, st.ecdh, r, msg);
      case 'expectCertificateRequestOrDone':
        if (msg.msgType === HT.certificate_request) {
          const request = decodeCertificateRequest(r);
          this.d.transcript.add(msg.msgType, msg.messageSeq, msg.body);
          this.state = { kind: 'expectServerHelloDone', p: st.p, pms: st.pms, publicKey: st.publicKey, request };
          return;
        }
        return this.onServerHelloDone(st.p, st.pms, st.publicKey, undefined, r, msg);
      case 'expectServerHelloDone':
        return this.onServerHelloDone(st.p, st.pms, st.publicKey, st.request, r, msg);
      case 'expectNewSessionTicket': {
        const ticket = decodeNewSessionTicket(r);
        this.d.transcript.add(msg.msgType, msg.messageSeq, msg.body);
        this.state = { kind: 'expectChangeCipherSpec', p: st.p, master: st.master, ticket };
        return;
      }
      case 'expectFinished':
        return this.onFinished(st.p, st.master, st.ticket, r, msg);
      default:
        return;
    }
  }

  /** The extensions we may see in a ServerHello: the ones we offered. */
  private offeredExtensions(): Set<number> {
    const cfg = this.cfg;
    return new Set<number>([ExtensionType.supported_groups, ExtensionType.ec_point_formats, ExtensionType.signature_algorithms,
      ExtensionType.extended_master_secret, ExtensionType.renegotiation_info, ExtensionType.server_name, ExtensionType.session_ticket,
      ...(cfg.alpnProtocols?.length ? [ExtensionType.application_layer_protocol_negotiation] : []),
      ...(cfg.srtpProfiles?.length ? [ExtensionType.use_srtp] : []),
      ...(cfg.connectionId ? [ExtensionType.connection_id, ExtensionType.rrc] : []),
      ...(cfg.verifyRawPublicKey ? [ExtensionType.server_certificate_type] : []),
      ...(cfg.rawPublicKey ? [ExtensionType.client_certificate_type] : []),
      ...(this.offeredEtm ? [ExtensionType.encrypt_then_mac] : [])]);
  }

  private onServerHello(hello: Hello, r: Reader, msg: HandshakeMessage): void {
    const sh = decodeServerHello(r);
    if (sh.serverVersion !== DTLS1_2) {
      throw new HandshakeError('ERR_DTLS_PROTOCOL_VERSION', `server chose version 0x${sh.serverVersion.toString(16)}`, 'protocol_version');
    }
    // We offered DTLS 1.3: a server that speaks it says so here when it chose 1.2 (RFC 8446 §4.1.3).
    if (this.sent && isDowngradeSentinel(sh.random)) {
      throw new HandshakeError('ERR_DTLS_DOWNGRADE', 'the server speaks DTLS 1.3 but chose 1.2 (downgrade sentinel)', 'illegal_parameter');
    }
    const suite = suiteById(sh.cipherSuite);
    if (!suite || !this.offeredSuites.includes(sh.cipherSuite)) {
      throw new HandshakeError('ERR_DTLS_BAD_SERVER_HELLO', `server chose a cipher suite we did not offer (0x${sh.cipherSuite.toString(16)})`, 'illegal_parameter');
    }
    if (sh.compressionMethod !== 0) throw new HandshakeError('ERR_DTLS_BAD_SERVER_HELLO', 'server chose compression', 'illegal_parameter');
    const exts = sh.extensions;
    const offered = this.offeredExtensions();
    for (const e of exts) {
      if (!offered.has(e.type)) throw new HandshakeError('ERR_DTLS_BAD_SERVER_HELLO', `unsolicited extension ${e.type}`, 'unsupported_extension');
    }
    // Stryker disable next-line StringLiteral: only the text of an error message
    renegotiationInfoOf(exts, 'in ServerHello');
    // Stryker disable next-line StringLiteral: only the text of an error message
    const ems = extendedMasterSecretOf(exts, this.cfg.requireExtendedMasterSecret, 'server did not negotiate extended_master_secret');
    const formats = findExtension(exts, ExtensionType.ec_point_formats);
    if (formats !== undefined && !ecPointFormats.decode(formats).includes(0)) {
      throw new HandshakeError('ERR_DTLS_BAD_SERVER_HELLO', 'server does not accept uncompressed points', 'illegal_parameter');
    }
    this.d.transcript.add(HT.client_hello, hello.messageSeq, hello.body);
    this.d.transcript.add(msg.msgType, msg.messageSeq, msg.body);
    const etm = encryptThenMacOf(exts, suite);
    const ticketAck = findExtension(exts, ExtensionType.session_ticket);
    // Stryker disable next-line StringLiteral: only the text of an error message
    const ticketExpected = ticketAck !== undefined && isEmptyExtension(ticketAck, 'session_ticket');
    const session = this.cfg.session;
    // Stryker disable next-line ConditionalExpression,EqualityOperator,LogicalOperator: with a session the hello's session ID is never empty (the session's, or 32 random bytes), so the length test repeats what equalBytes decides (session || length > 0, then && equalBytes, is the same); without a session, resuming is undefined either way. (The marked LogicalOperator of the outer && is killed by server-hello12.test.ts, an unknown session.)
    const resuming = session && sh.sessionId.length > 0 && equalBytes(sh.sessionId, this.helloSessionId) ? session : undefined;
    if (resuming) {
      if (resuming.suiteId !== suite.id) {
        throw new HandshakeError('ERR_DTLS_BAD_SERVER_HELLO', 'server resumed with a different cipher suite', 'illegal_parameter');
      }
      // RFC 7627 §5.3 (S-46, SM-23): the client aborts a resumption that changes the EMS state.
      if (resuming.extendedMasterSecret !== ems) {
        throw new HandshakeError('ERR_DTLS_EMS_MISMATCH', 'resumption would change the extended master secret state', 'handshake_failure');
      }
    }
    const { serverCertType, clientCertType } = this.certificateTypes(exts);
    const connectionIds = this.connectionIds(exts, suite);
    const neg: Negotiated = {
      // Stryker disable next-line BooleanLiteral: every path sets authorized before the handshake completes (Certificate, raw key, resumption, PSK)
      suite, extendedMasterSecret: ems, encryptThenMac: etm, peerCertificates: [], authorized: false, resumed: resuming !== undefined,
      ...this.extras(exts), ...(connectionIds && { connectionIds }),
      ...(resuming && {
        peerCertificates: [...resuming.peerCertificates], authorized: resuming.authorized,
        // Stryker disable next-line ConditionalExpression: → true adds peerRawPublicKey: undefined, which reads the same
        ...(resuming.peerRawPublicKey !== undefined && { peerRawPublicKey: resuming.peerRawPublicKey }),
        ...(resuming.pskIdentity !== undefined && { pskIdentity: resuming.pskIdentity }),
      }),
    };
    const p: Params = {
      // A resumed session keeps its record protection (encrypt_then_mac included).
      suite, clientRandom: hello.random, serverRandom: sh.random, ems, etm: resuming ? resuming.encryptThenMac : etm, ticketExpected, sessionId: sh.sessionId,
      serverCertType, clientCertType, ...(resuming && { resuming }), neg,
    };
    if (resuming) {
      const master = Uint8Array.from(resuming.masterSecret);
      useMaster(this.d, 'client', p, master);
      this.state = ticketExpected ? { kind: 'expectNewSessionTicket', p, master } : { kind: 'expectChangeCipherSpec', p, master };
      return;
    }
    if (suite.auth === 'PSK') {
      this.state = suite.kx === 'PSK' ? { kind: 'expectPskHintOrDone', p } : { kind: 'expectEcdhePskKeyExchange', p };
      return;
    }
    this.state = { kind: 'expectCertificate', p };
  }

  /** The certificate types the server chose (RFC 7250 §4.2): one we offered, each way. */
  private certificateTypes(exts: readonly Extension[]): { serverCertType: number; clientCertType: number } {
    const sct = findExtension(exts, ExtensionType.server_certificate_type);
    const cct = findExtension(exts, ExtensionType.client_certificate_type);
    const serverCertType = sct ? certificateTypes.decodeOne(sct) : CertificateType.X509;
    const clientCertType = cct ? certificateTypes.decodeOne(cct) : CertificateType.X509;
    const known = (t: number) => t === CertificateType.X509 || t === CertificateType.RawPublicKey;
    if (!known(serverCertType) || !known(clientCertType)
      || (serverCertType === CertificateType.RawPublicKey && !this.cfg.verifyRawPublicKey)
      || (clientCertType === CertificateType.RawPublicKey && !this.cfg.rawPublicKey)) {
      throw new HandshakeError('ERR_DTLS_BAD_SERVER_HELLO', 'server chose a certificate type we did not offer', 'unsupported_certificate');
    }
    return { serverCertType, clientCertType };
  }

  /** The server's ALPN and use_srtp answers must pick one thing we offered (RFC 7301 §3.1, RFC 5764 §4.1.1). */
  private extras(exts: readonly Extension[]): { alpnProtocol?: string; srtpProfile?: string } {
    let alpnProtocol: string | undefined;
    let srtpProfile: string | undefined;
    const alpnExt = findExtension(exts, ExtensionType.application_layer_protocol_negotiation);
    if (alpnExt !== undefined) {
      const names = alpn.decode(alpnExt);
      const ours = this.cfg.alpnProtocols ?? [];
      if (names.length !== 1 || !ours.some((p) => equalBytes(p, names[0]!))) {
        throw new HandshakeError('ERR_DTLS_BAD_SERVER_HELLO', 'server chose an ALPN protocol we did not offer', 'illegal_parameter');
      }
      alpnProtocol = new TextDecoder().decode(names[0]);
    }
    const srtpExt = findExtension(exts, ExtensionType.use_srtp);
    if (srtpExt !== undefined) {
      const { profiles, mki } = useSrtp.decode(srtpExt);
      if (profiles.length !== 1 || !(this.cfg.srtpProfiles ?? []).includes(profiles[0]!) || mki.length !== 0) {
        throw new HandshakeError('ERR_DTLS_BAD_SERVER_HELLO', 'server chose an SRTP profile we did not offer', 'illegal_parameter');
      }
      srtpProfile = srtpProfileName(profiles[0]!);
    }
    return { ...(alpnProtocol !== undefined && { alpnProtocol }), ...(srtpProfile !== undefined && { srtpProfile }) };
  }

  /** Connection IDs (RFC 9146 §3): the server's answer to our offer, AEAD suites only. */
  private connectionIds(exts: readonly Extension[], suite: CipherSuite): Negotiated['connectionIds'] {
    const cidExt = findExtension(exts, ExtensionType.connection_id);
    if (cidExt === undefined) return undefined;
    if (suite.protection.kind !== 'aead') {
      throw new HandshakeError('ERR_DTLS_BAD_SERVER_HELLO', 'Connection IDs are used with AEAD suites only', 'handshake_failure');
    }
    const peers = connectionIdExt.decode(cidExt);
    const ours = this.cfg.connectionId!;
    this.d.setConnectionIds(ours, peers, findExtension(exts, ExtensionType.rrc) !== undefined);
    return { ours, peers };
  }

  private onCertificate(p: Params, r: Reader, msg: HandshakeMessage): void {
    if (p.serverCertType === CertificateType.RawPublicKey) {
      // RFC 7250: a bare SubjectPublicKeyInfo, trusted only through verifyRawPublicKey.
      const spki = decodeRawPublicKeyCertificate(r);
      // Stryker disable next-line StringLiteral: who sent the key only appears in the error message
      const key = importRawPublicKey(this.d.provider, spki, 'server');
      const trusted = this.cfg.verifyRawPublicKey!(spki) === true;
      // Stryker disable next-line StringLiteral: who sent the key only appears in the error message
      if (!trusted && this.cfg.rejectRawPublicKey !== false) throw untrustedRawPublicKey('server');
      this.d.transcript.add(msg.msgType, msg.messageSeq, msg.body);
      this.state = { kind: 'expectServerKeyExchange', p: withNeg(p, { peerRawPublicKey: spki, authorized: trusted }), serverKey: key };
      return;
    }
    const { certificates } = decodeCertificate(r);
    if (certificates.length === 0) {
      throw new HandshakeError('ERR_DTLS_NO_PEER_CERTIFICATE', 'server sent no certificate', 'bad_certificate');
    }
    const check = this.cfg.checkServerChain(certificates);
    if (!check.ok) throw check.error;
    this.d.transcript.add(msg.msgType, msg.messageSeq, msg.body);
    const neg = {
      peerCertificates: [...certificates],
      authorized: check.authorized !== false,
      // Stryker disable next-line ConditionalExpression: → true adds authorizationError: undefined when there is no error, which reads the same
      ...(check.error && { authorizationError: check.error }),
    };
    this.state = { kind: 'expectServerKeyExchange', p: withNeg(p, neg), serverKey: check.key };
  }

  private onServerKeyExchange(p: Params, serverKey: VerifyingKey, r: Reader, msg: HandshakeMessage): void {
    const ske = decodeServerKeyExchange(r, p.suite.kx);
    const ecdh = ske.ecdh!;
    const group = this.offeredGroup(ecdh.namedGroup);
    // S-54/S-57: the signature, with a scheme we offered that fits the leaf key, before anything else.
    const sig = ske.signature!;
    if (!SIGNATURE_SCHEMES.includes(sig.scheme) || schemeKeyKind(sig.scheme) !== serverKey.kind) {
      throw new HandshakeError('ERR_DTLS_BAD_SIGNATURE_SCHEME', `server signed with scheme 0x${sig.scheme.toString(16)} we did not offer for its key`, 'illegal_parameter');
    }
    const params = encode((w) => encodeEcdhParams(w, ecdh));
    if (!serverKey.verify(sig.scheme, concat(p.clientRandom, p.serverRandom, params), sig.signature)) {
      throw new HandshakeError('ERR_DTLS_BAD_SKE_SIGNATURE', 'ServerKeyExchange signature does not verify', 'decrypt_error');
    }
    this.d.transcript.add(msg.msgType, msg.messageSeq, msg.body);
    const share = this.d.provider.generateKeyShare(group);
    const pms = share.computeSecret(ecdh.publicKey);
    this.state = { kind: 'expectCertificateRequestOrDone', p: withNeg(p, { group, signatureScheme: sig.scheme }), pms, publicKey: share.publicKey };
  }

  /** The group of the server's ECDHE parameters: one we offered. */
  private offeredGroup(namedGroup: number): GroupName {
    const group = groupById(namedGroup);
    if (!group || !this.cfg.groups.includes(group)) {
      throw new HandshakeError('ERR_DTLS_BAD_KEY_EXCHANGE', `server chose group ${namedGroup} we did not offer`, 'illegal_parameter');
    }
    return group;
  }

  /** PSK: the optional hint; ECDHE_PSK: hint and unsigned ECDH parameters (RFC 5489 §2). */
  private onPskServerKeyExchange(p: Params, r: Reader, msg: HandshakeMessage): void {
    const ske = decodeServerKeyExchange(r, p.suite.kx);
    const ecdh = ske.ecdh && { group: this.offeredGroup(ske.ecdh.namedGroup), publicKey: ske.ecdh.publicKey };
    this.d.transcript.add(msg.msgType, msg.messageSeq, msg.body);
    const hint = ske.pskIdentityHint && ske.pskIdentityHint.length > 0 ? ske.pskIdentityHint : undefined;
    this.state = { kind: 'expectPskServerHelloDone', p: ecdh ? withNeg(p, { group: ecdh.group }) : p, ...(hint && { hint }), ...(ecdh && { ecdh }) };
  }

  /** PSK flight 5: ClientKeyExchange (identity [+ point]), ChangeCipherSpec, Finished. */
  private onPskServerHelloDone(p: Params, hint: Uint8Array | undefined, ecdh: EcdhOffer | undefined, r: Reader, msg: HandshakeMessage): void {
    r.end('ServerHelloDone');
    this.d.transcript.add(msg.msgType, msg.messageSeq, msg.body);
    const source = this.cfg.psk;
    if (!source) throw new HandshakeError('ERR_DTLS_NO_PSK', 'server chose a PSK suite but no PSK is configured', 'handshake_failure');
    const withPsk = (psk: ClientPsk) => {
      if (!psk || !(psk.identity instanceof Uint8Array) || !(psk.key instanceof Uint8Array) || psk.key.length === 0) {
        throw new HandshakeError('ERR_DTLS_NO_PSK', 'the psk callback gave no identity and key', 'internal_error');
      }
      let publicKey: Uint8Array | undefined;
      let ecdhSecret: Uint8Array | undefined;
      if (ecdh) {
        const share = this.d.provider.generateKeyShare(ecdh.group);
        ecdhSecret = share.computeSecret(ecdh.publicKey);
        publicKey = share.publicKey;
      }
      const q = withNeg(p, { pskIdentity: new TextDecoder().decode(psk.identity) });
      // Stryker disable next-line ConditionalExpression: → true adds publicKey: undefined for plain PSK, which encodes the same
      this.d.sendMessage(HT.client_key_exchange, encode((w) => encodeClientKeyExchange(w, { pskIdentity: psk.identity, ...(publicKey && { publicKey }) })));
      const master = masterFromPremaster(this.d, q, pskPremaster(psk.key, ecdhSecret));
      useMaster(this.d, 'client', q, master);
      this.finishFlight5(q, master);
    };
    const got = source(hint);
    if (isPromise(got)) this.d.suspend(got, withPsk);
    else withPsk(got);
  }

  /**
   * Flight 5 of a certificate suite: [Certificate], ClientKeyExchange,
   * [CertificateVerify], ChangeCipherSpec, Finished.
   */
  private onServerHelloDone(p: Params, pms: Uint8Array, publicKey: Uint8Array, request: CertificateRequest | undefined, r: Reader, msg: HandshakeMessage): void {
    r.end('ServerHelloDone');
    this.d.transcript.add(msg.msgType, msg.messageSeq, msg.body);
    let signWith: { key: SigningKey; scheme: number } | undefined;
    if (request) {
      const key = this.cfg.signingKey;
      const scheme = key && chooseSignatureScheme(key, request.signatureAlgorithms);
      const raw = p.clientCertType === CertificateType.RawPublicKey;
      const send = key !== undefined && scheme !== undefined && (raw ? this.cfg.rawPublicKey !== undefined : this.cfg.certChain.length > 0);
      if (send) signWith = { key: key!, scheme: scheme! };
      this.d.sendMessage(HT.certificate, raw
        ? encode((w) => encodeRawPublicKeyCertificate(w, send ? this.cfg.rawPublicKey! : new Uint8Array(0)))
        : encode((w) => encodeCertificate(w, { certificates: send ? this.cfg.certChain : [] }), 2048));
    }
    this.d.sendMessage(HT.client_key_exchange, encode((w) => encodeClientKeyExchange(w, { publicKey })));
    const master = masterFromPremaster(this.d, p, pms);
    useMaster(this.d, 'client', p, master);
    if (signWith) {
      const signature = signWith.key.sign(signWith.scheme, this.d.transcript.bytes());
      this.d.sendMessage(HT.certificate_verify, encode((w) => encodeCertificateVerify(w, { scheme: signWith!.scheme, signature })));
    }
    this.finishFlight5(p, master);
  }

  /** ChangeCipherSpec and Finished end flight 5; the server answers with [NewSessionTicket,] ChangeCipherSpec, Finished. */
  private finishFlight5(p: Params, master: Uint8Array): void {
    sendChangeCipherSpecAndFinished(this.d, p, master, 'client', false);
    this.state = p.ticketExpected ? { kind: 'expectNewSessionTicket', p, master } : { kind: 'expectChangeCipherSpec', p, master };
  }

  private onFinished(p: Params, master: Uint8Array, ticket: NewSessionTicket | undefined, r: Reader, msg: HandshakeMessage): void {
    checkFinished(this.d, p, master, 'server', msg, r);
    // The abbreviated handshake's last flight is ours: ChangeCipherSpec, Finished.
    if (p.resuming) sendChangeCipherSpecAndFinished(this.d, p, master, 'client', true);
    // A PSK server is authenticated by its Finished (it knows the key).
    const neg = p.suite.auth === 'PSK' && !p.resuming ? { ...p.neg, authorized: true } : p.neg;
    this.session = this.sessionOf({ ...p, neg }, master, ticket);
    this.finish(neg);
  }

  private sessionOf(p: Params, master: Uint8Array, nst: NewSessionTicket | undefined): ClientSession {
    const base = p.resuming;
    const ticket = nst?.ticket ?? (base?.ticket && !nst ? base.ticket : undefined);
    return {
      ...sessionOf(p, master, base?.created ?? Math.floor(this.d.now / 1000), false),
      sessionId: base && base.sessionId.length === 0 ? new Uint8Array(0) : p.sessionId,
      lifetime: nst?.lifetimeHint ?? base?.lifetime ?? 0,
      ...(ticket && ticket.length > 0 && { ticket }),
      ...(this.cfg.servername !== undefined && { servername: this.cfg.servername }),
    };
  }
}

/** The hello facts with more negotiated. */
function withNeg(p: Params, more: Partial<Negotiated>): Params {
  return { ...p, neg: { ...p.neg, ...more } };
}

/** Does a ServerHello random end with "DOWNGRD" 01 or 00 (RFC 8446 §4.1.3)? */
function isDowngradeSentinel(random: Uint8Array): boolean {
  const tail = [0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44];
  return tail.every((b, i) => random[24 + i] === b) && (random[31] === 0x01 || random[31] === 0x00);
}

function isIpLiteral(s: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(s) || s.includes(':');
}
