import { Tls12Secrets, deriveEpochKeys } from './key-schedule12.js';
import { concatBytes as concat, equalBytes } from '../codec/bytes.js';
import { Reader } from '../codec/reader.js';
import { encode } from '../codec/writer.js';
import { constantTimeEqual } from '../crypto/ct.js';
import { extendedMasterSecret, masterSecret, verifyData } from '../crypto/prf.js';
import type { GroupName, SigningKey, VerifyingKey } from '../crypto/provider.js';
import { type CipherSuite, suiteById } from '../crypto/suites.js';
import { type DtlsError, HandshakeError, UnexpectedMessageError } from '../errors.js';
import { DTLS1_2 } from '../record/content-type.js';
import type { HandshakeDriver, HandshakeMachine } from './driver.js';
import {
  CertificateType, type Extension, alpn, certificateTypes, connectionIdExt, ecPointFormats, findExtension, isEmptyExtension, renegotiationInfo, serverName,
  signatureAlgorithms, srtpProfileName, supportedGroups, useSrtp,
} from './extensions.js';
import { decodeCertificate, decodeRawPublicKeyCertificate, encodeCertificate, encodeRawPublicKeyCertificate } from './messages/certificate.js';
import { type CertificateRequest, decodeCertificateRequest } from './messages/certificate-request.js';
import { encodeCertificateVerify } from './messages/certificate-verify.js';
import { type ClientHello, encodeClientHello } from './messages/client-hello.js';
import { encodeClientKeyExchange } from './messages/client-key-exchange.js';
import { decodeFinished, encodeFinished } from './messages/finished.js';
import { decodeHelloVerifyRequest } from './messages/hello-verify-request.js';
import { type NewSessionTicket, decodeNewSessionTicket } from './messages/new-session-ticket.js';
import type { ClientSession } from './session.js';
import { decodeServerHello } from './messages/server-hello.js';
import { decodeServerKeyExchange, encodeEcdhParams } from './messages/server-key-exchange.js';
import { SIGNATURE_SCHEMES, chooseSignatureScheme, groupById, groupId, schemeKeyKind } from './negotiation.js';
import type { HandshakeMessage } from './reassembler.js';
import { ExtensionType, HandshakeType as HT, HandshakeTypes } from './registry.js';
import { isPromise, type Negotiated, pskPremaster } from './server-handshake.js';

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

interface Params {
  /** Certificate types of the server's and our Certificate (RFC 7250). */
  readonly serverCertType: number;
  readonly clientCertType: number;
  /** The server acknowledged session_ticket: a NewSessionTicket precedes its ChangeCipherSpec. */
  readonly ticketExpected: boolean;
  /** The session ID of the ServerHello. */
  readonly sessionId: Uint8Array;
  /** Resuming this session (abbreviated handshake). */
  readonly resuming?: ClientSession;
  readonly suite: CipherSuite;
  readonly clientRandom: Uint8Array;
  readonly serverRandom: Uint8Array;
  readonly ems: boolean;
  /** encrypt_then_mac in use (CBC suites only). */
  readonly etm: boolean;
}

/** What the client's last flight is built from. */
export interface FinishedFlightInput extends Params {
  readonly pms: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly request?: CertificateRequest;
}

type State =
  | { readonly kind: 'expectServerHello'; readonly hello: Hello }
  | { readonly kind: 'expectCertificate'; readonly p: Params }
  | { readonly kind: 'expectServerKeyExchange'; readonly p: Params; readonly serverKey: VerifyingKey }
  | { readonly kind: 'expectPskHintOrDone'; readonly p: Params }
  | { readonly kind: 'expectEcdhePskKeyExchange'; readonly p: Params }
  | { readonly kind: 'expectPskServerHelloDone'; readonly p: Params; readonly hint?: Uint8Array; readonly ecdh?: { group: GroupName; publicKey: Uint8Array } }
  | { readonly kind: 'expectCertificateRequestOrDone'; readonly p: Params; readonly pms: Uint8Array; readonly publicKey: Uint8Array }
  | { readonly kind: 'expectServerHelloDone'; readonly p: Params; readonly pms: Uint8Array; readonly publicKey: Uint8Array; readonly request: CertificateRequest }
  | { readonly kind: 'expectNewSessionTicket'; readonly p: Params; readonly master: Uint8Array }
  | { readonly kind: 'expectChangeCipherSpec'; readonly p: Params; readonly master: Uint8Array }
  | { readonly kind: 'expectFinished'; readonly p: Params; readonly master: Uint8Array }
  | { readonly kind: 'done' };

const accepts: Record<State['kind'], readonly number[]> = {
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
 * The client side of the DTLS 1.2 full handshake (RFC 6347 §4.2.4 flights
 * 1, 3 and 5; RFC 5246 §7.3).
 */
export class ClientHandshake implements HandshakeMachine {
  private state: State;
  negotiated: Negotiated | undefined;
  private readonly offeredSuites: readonly number[];
  private readonly helloSessionId: Uint8Array;
  /** The session this connection established or resumed, for `getSession()`. */
  session: ClientSession | undefined;
  /** We offer encrypt_then_mac (RFC 7366) when we offer a CBC suite. */
  private readonly offeredEtm: boolean;

  constructor(protected readonly d: HandshakeDriver, protected readonly cfg: ClientHandshakeConfig) {
    this.offeredSuites = cfg.suites.map((s) => s.id);
    this.offeredEtm = cfg.suites.some((s) => s.protection.kind === 'cbc');
    // Resumption offers the session's ID; a ticket-only session gets a random one so
    // that an echo of it tells us the server resumed (RFC 5077 §3.4).
    const session = cfg.session;
    this.helloSessionId = session ? (session.sessionId.length > 0 ? session.sessionId : this.d.provider.randomBytes(32)) : new Uint8Array(0);
    this.state = { kind: 'expectServerHello', hello: this.sendHello(this.d.provider.randomBytes(32), new Uint8Array(0)) };
  }

  get stateName(): string {
    return this.state.kind;
  }
  get accepts(): readonly number[] {
    return accepts[this.state.kind];
  }
  get peerMessageTypes(): readonly number[] {
    // S-16/SM-13: after the ServerHello an HVR is ignored (dropped, its slot left open).
    return this.state.kind === 'expectServerHello' ? PEER_TYPES : PEER_TYPES_AFTER_HELLO;
  }
  get expectsChangeCipherSpec(): boolean {
    return this.state.kind === 'expectChangeCipherSpec';
  }

  /** Flight 1 or 3: the ClientHello (the same one again, with the cookie, after an HVR; S-16). */
  private sendHello(random: Uint8Array, cookie: Uint8Array): Hello {
    const extensions: Extension[] = [
      { type: ExtensionType.supported_groups, data: encode((w) => supportedGroups.encode(w, this.cfg.groups.map(groupId))) },
      { type: ExtensionType.ec_point_formats, data: encode((w) => ecPointFormats.encode(w, [0])) },
      { type: ExtensionType.signature_algorithms, data: encode((w) => signatureAlgorithms.encode(w, SIGNATURE_SCHEMES)) },
      { type: ExtensionType.extended_master_secret, data: new Uint8Array(0) },
      { type: ExtensionType.renegotiation_info, data: encode((w) => renegotiationInfo.encode(w, new Uint8Array(0))) },
    ];
    if (this.offeredEtm) extensions.push({ type: ExtensionType.encrypt_then_mac, data: new Uint8Array(0) });
    if (this.cfg.alpnProtocols && this.cfg.alpnProtocols.length > 0) {
      const names = this.cfg.alpnProtocols;
      extensions.push({ type: ExtensionType.application_layer_protocol_negotiation, data: encode((w) => alpn.encode(w, names)) });
    }
    if (this.cfg.srtpProfiles && this.cfg.srtpProfiles.length > 0) {
      const profiles = this.cfg.srtpProfiles;
      extensions.push({ type: ExtensionType.use_srtp, data: encode((w) => useSrtp.encode(w, profiles)) });
    }
    if (this.cfg.verifyRawPublicKey) {
      const types = [CertificateType.RawPublicKey, CertificateType.X509];
      extensions.push({ type: ExtensionType.server_certificate_type, data: encode((w) => certificateTypes.encodeList(w, types)) });
    }
    if (this.cfg.rawPublicKey) {
      const types = this.cfg.certChain.length > 0 ? [CertificateType.RawPublicKey, CertificateType.X509] : [CertificateType.RawPublicKey];
      extensions.push({ type: ExtensionType.client_certificate_type, data: encode((w) => certificateTypes.encodeList(w, types)) });
    }
    if (this.cfg.connectionId) {
      const cid = this.cfg.connectionId;
      extensions.push({ type: ExtensionType.connection_id, data: encode((w) => connectionIdExt.encode(w, cid)) });
      extensions.push({ type: ExtensionType.rrc, data: new Uint8Array(0) });
    }
    const session = this.cfg.session;
    if (this.cfg.sessionTickets !== false || session?.ticket) {
      extensions.push({ type: ExtensionType.session_ticket, data: session?.ticket ?? new Uint8Array(0) });
    }
    const sni = this.cfg.servername;
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

  handleMessage(msg: HandshakeMessage): void {
    const st = this.state;
    if (!accepts[st.kind].includes(msg.msgType)) {
      throw new UnexpectedMessageError(accepts[st.kind].map((t) => HandshakeTypes.nameOf(t)), HandshakeTypes.nameOf(msg.msgType));
    }
    const r = new Reader(msg.body);
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
        const nst = decodeNewSessionTicket(r);
        this.d.transcript.add(msg.msgType, msg.messageSeq, msg.body);
        this.ticket = nst;
        this.state = { kind: 'expectChangeCipherSpec', p: st.p, master: st.master };
        return;
      }
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

  private onServerHello(hello: Hello, r: Reader, msg: HandshakeMessage): void {
    const sh = decodeServerHello(r);
    if (sh.serverVersion !== DTLS1_2) {
      throw new HandshakeError('ERR_DTLS_PROTOCOL_VERSION', `server chose version 0x${sh.serverVersion.toString(16)}`, 'protocol_version');
    }
    const suite = suiteById(sh.cipherSuite);
    if (!suite || !this.offeredSuites.includes(sh.cipherSuite)) {
      throw new HandshakeError('ERR_DTLS_BAD_SERVER_HELLO', `server chose a cipher suite we did not offer (0x${sh.cipherSuite.toString(16)})`, 'illegal_parameter');
    }
    if (sh.compressionMethod !== 0) {
      throw new HandshakeError('ERR_DTLS_BAD_SERVER_HELLO', 'server chose compression', 'illegal_parameter');
    }
    const offered = new Set<number>([ExtensionType.supported_groups, ExtensionType.ec_point_formats, ExtensionType.signature_algorithms,
      ExtensionType.extended_master_secret, ExtensionType.renegotiation_info, ExtensionType.server_name, ExtensionType.session_ticket,
      ...(this.cfg.alpnProtocols?.length ? [ExtensionType.application_layer_protocol_negotiation] : []),
      ...(this.cfg.srtpProfiles?.length ? [ExtensionType.use_srtp] : []),
      ...(this.cfg.connectionId ? [ExtensionType.connection_id, ExtensionType.rrc] : []),
      ...(this.cfg.verifyRawPublicKey ? [ExtensionType.server_certificate_type] : []),
      ...(this.cfg.rawPublicKey ? [ExtensionType.client_certificate_type] : [])]);
    for (const e of sh.extensions) {
      if (!offered.has(e.type) && !(e.type === ExtensionType.encrypt_then_mac && this.offeredEtm)) throw new HandshakeError('ERR_DTLS_BAD_SERVER_HELLO', `unsolicited extension ${e.type}`, 'unsupported_extension');
    }
    const reneg = findExtension(sh.extensions, ExtensionType.renegotiation_info);
    if (reneg !== undefined && renegotiationInfo.decode(reneg).length !== 0) {
      throw new HandshakeError('ERR_DTLS_RENEGOTIATION', 'non-empty renegotiation_info in ServerHello', 'handshake_failure');
    }
    const emsExt = findExtension(sh.extensions, ExtensionType.extended_master_secret);
    const ems = emsExt !== undefined && isEmptyExtension(emsExt, 'extended_master_secret');
    if (!ems && this.cfg.requireExtendedMasterSecret) {
      throw new HandshakeError('ERR_DTLS_EMS_REQUIRED', 'server did not negotiate extended_master_secret', 'handshake_failure');
    }
    const formats = findExtension(sh.extensions, ExtensionType.ec_point_formats);
    if (formats !== undefined && !ecPointFormats.decode(formats).includes(0)) {
      throw new HandshakeError('ERR_DTLS_BAD_SERVER_HELLO', 'server does not accept uncompressed points', 'illegal_parameter');
    }
    this.d.transcript.add(HT.client_hello, hello.messageSeq, hello.body);
    this.d.transcript.add(msg.msgType, msg.messageSeq, msg.body);
    const etmExt = findExtension(sh.extensions, ExtensionType.encrypt_then_mac);
    const etm = etmExt !== undefined && isEmptyExtension(etmExt, 'encrypt_then_mac') && suite.protection.kind === 'cbc';
    const ticketAck = findExtension(sh.extensions, ExtensionType.session_ticket);
    const ticketExpected = ticketAck !== undefined && isEmptyExtension(ticketAck, 'session_ticket');
    const session = this.cfg.session;
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
    const sct = findExtension(sh.extensions, ExtensionType.server_certificate_type);
    const cct = findExtension(sh.extensions, ExtensionType.client_certificate_type);
    const serverCertType = sct ? certificateTypes.decodeOne(sct) : CertificateType.X509;
    const clientCertType = cct ? certificateTypes.decodeOne(cct) : CertificateType.X509;
    if ((serverCertType === CertificateType.RawPublicKey && !this.cfg.verifyRawPublicKey) || (serverCertType !== CertificateType.X509 && serverCertType !== CertificateType.RawPublicKey)
      || (clientCertType === CertificateType.RawPublicKey && !this.cfg.rawPublicKey) || (clientCertType !== CertificateType.X509 && clientCertType !== CertificateType.RawPublicKey)) {
      throw new HandshakeError('ERR_DTLS_BAD_SERVER_HELLO', 'server chose a certificate type we did not offer', 'unsupported_certificate');
    }
    const p: Params = {
      suite, clientRandom: hello.random, serverRandom: sh.random, ems, etm, ticketExpected, sessionId: sh.sessionId,
      serverCertType, clientCertType, ...(resuming && { resuming }),
    };
    this.negotiated = { suite, extendedMasterSecret: ems, encryptThenMac: etm, peerCertificates: [], authorized: false, resumed: resuming !== undefined };
    this.checkExtras(sh.extensions);
    const cidExt = findExtension(sh.extensions, ExtensionType.connection_id);
    if (cidExt !== undefined) {
      if (suite.protection.kind !== 'aead') {
        throw new HandshakeError('ERR_DTLS_BAD_SERVER_HELLO', 'Connection IDs are used with AEAD suites only', 'handshake_failure');
      }
      const peers = connectionIdExt.decode(cidExt);
      const ours = this.cfg.connectionId!;
      this.d.setConnectionIds(ours, peers, findExtension(sh.extensions, ExtensionType.rrc) !== undefined);
      this.negotiated.connectionIds = { ours, peers };
    }
    if (resuming) {
      this.negotiated.peerCertificates = [...resuming.peerCertificates];
      this.negotiated.authorized = resuming.authorized;
      if (resuming.peerRawPublicKey !== undefined) this.negotiated.peerRawPublicKey = resuming.peerRawPublicKey;
      if (resuming.pskIdentity !== undefined) this.negotiated.pskIdentity = resuming.pskIdentity;
      const master = Uint8Array.from(resuming.masterSecret);
      this.d.secretsReady(new Tls12Secrets(this.d.provider, suite, master, p.clientRandom, p.serverRandom));
      this.d.installPendingKeys(deriveEpochKeys(this.d.provider, 'client', suite, master, p.clientRandom, p.serverRandom, resuming.encryptThenMac));
      this.state = ticketExpected ? { kind: 'expectNewSessionTicket', p, master } : { kind: 'expectChangeCipherSpec', p, master };
      return;
    }
    if (suite.auth === 'PSK') {
      this.state = suite.kx === 'PSK' ? { kind: 'expectPskHintOrDone', p } : { kind: 'expectEcdhePskKeyExchange', p };
      return;
    }
    this.state = { kind: 'expectCertificate', p };
  }

  private onCertificate(p: Params, r: Reader, msg: HandshakeMessage): void {
    if (p.serverCertType === CertificateType.RawPublicKey) {
      // RFC 7250: a bare SubjectPublicKeyInfo, trusted only through verifyRawPublicKey.
      const spki = decodeRawPublicKeyCertificate(r);
      let key: VerifyingKey;
      try {
        key = this.d.provider.importVerifyingKey(spki);
      } catch {
        throw new HandshakeError('ERR_DTLS_BAD_CERTIFICATE', 'server raw public key cannot be parsed', 'bad_certificate');
      }
      const trusted = this.cfg.verifyRawPublicKey!(spki) === true;
      if (!trusted && this.cfg.rejectRawPublicKey !== false) {
        throw new HandshakeError('ERR_DTLS_RAW_KEY_UNTRUSTED', 'server raw public key is not trusted', 'bad_certificate');
      }
      this.negotiated!.peerRawPublicKey = spki;
      this.rawKeyTrusted = trusted;
      this.d.transcript.add(msg.msgType, msg.messageSeq, msg.body);
      this.state = { kind: 'expectServerKeyExchange', p, serverKey: key };
      return;
    }
    const { certificates } = decodeCertificate(r);
    if (certificates.length === 0) {
      throw new HandshakeError('ERR_DTLS_NO_PEER_CERTIFICATE', 'server sent no certificate', 'bad_certificate');
    }
    const check = this.cfg.checkServerChain(certificates);
    if (!check.ok) throw check.error;
    this.chainAuthorized = check.authorized !== false;
    if (check.error) this.negotiated!.authorizationError = check.error;
    this.negotiated!.peerCertificates = [...certificates];
    this.d.transcript.add(msg.msgType, msg.messageSeq, msg.body);
    this.state = { kind: 'expectServerKeyExchange', p, serverKey: check.key };
  }

  private onServerKeyExchange(p: Params, serverKey: VerifyingKey, r: Reader, msg: HandshakeMessage): void {
    const ske = decodeServerKeyExchange(r, p.suite.kx);
    const ecdh = ske.ecdh!;
    const group = groupById(ecdh.namedGroup);
    if (!group || !this.cfg.groups.includes(group)) {
      throw new HandshakeError('ERR_DTLS_BAD_KEY_EXCHANGE', `server chose group ${ecdh.namedGroup} we did not offer`, 'illegal_parameter');
    }
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
    this.negotiated!.group = group;
    this.negotiated!.signatureScheme = sig.scheme;
    this.state = { kind: 'expectCertificateRequestOrDone', p, pms, publicKey: share.publicKey };
  }

  /** The server's ALPN and use_srtp answers must pick one thing we offered (RFC 7301 §3.1, RFC 5764 §4.1.1). */
  private checkExtras(exts: readonly Extension[]): void {
    const alpnExt = findExtension(exts, ExtensionType.application_layer_protocol_negotiation);
    if (alpnExt !== undefined) {
      const names = alpn.decode(alpnExt);
      const ours = this.cfg.alpnProtocols ?? [];
      if (names.length !== 1 || !ours.some((p) => equalBytes(p, names[0]!))) {
        throw new HandshakeError('ERR_DTLS_BAD_SERVER_HELLO', 'server chose an ALPN protocol we did not offer', 'illegal_parameter');
      }
      this.negotiated!.alpnProtocol = new TextDecoder().decode(names[0]);
    }
    const srtpExt = findExtension(exts, ExtensionType.use_srtp);
    if (srtpExt !== undefined) {
      const { profiles, mki } = useSrtp.decode(srtpExt);
      if (profiles.length !== 1 || !(this.cfg.srtpProfiles ?? []).includes(profiles[0]!) || mki.length !== 0) {
        throw new HandshakeError('ERR_DTLS_BAD_SERVER_HELLO', 'server chose an SRTP profile we did not offer', 'illegal_parameter');
      }
      this.negotiated!.srtpProfile = srtpProfileName(profiles[0]!);
    }
  }

  /** Whether verifyRawPublicKey trusted the server's raw key. */
  rawKeyTrusted = false;
  /** Whether the server's chain verified (false when accepted with rejectUnauthorized off). */
  private chainAuthorized = false;

  /** PSK: the optional hint; ECDHE_PSK: hint and unsigned ECDH parameters (RFC 5489 §2). */
  private onPskServerKeyExchange(p: Params, r: Reader, msg: HandshakeMessage): void {
    const ske = decodeServerKeyExchange(r, p.suite.kx);
    let ecdh: { group: GroupName; publicKey: Uint8Array } | undefined;
    if (ske.ecdh) {
      const group = groupById(ske.ecdh.namedGroup);
      if (!group || !this.cfg.groups.includes(group)) {
        throw new HandshakeError('ERR_DTLS_BAD_KEY_EXCHANGE', `server chose group ${ske.ecdh.namedGroup} we did not offer`, 'illegal_parameter');
      }
      ecdh = { group, publicKey: ske.ecdh.publicKey };
      this.negotiated!.group = group;
    }
    this.d.transcript.add(msg.msgType, msg.messageSeq, msg.body);
    const hint = ske.pskIdentityHint && ske.pskIdentityHint.length > 0 ? ske.pskIdentityHint : undefined;
    this.state = { kind: 'expectPskServerHelloDone', p, ...(hint && { hint }), ...(ecdh && { ecdh }) };
  }

  /** PSK flight 5: ClientKeyExchange (identity [+ point]), ChangeCipherSpec, Finished. */
  private onPskServerHelloDone(p: Params, hint: Uint8Array | undefined, ecdh: { group: GroupName; publicKey: Uint8Array } | undefined, r: Reader, msg: HandshakeMessage): void {
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
      this.negotiated!.pskIdentity = new TextDecoder().decode(psk.identity);
      this.d.sendMessage(HT.client_key_exchange, encode((w) => encodeClientKeyExchange(w, { pskIdentity: psk.identity, ...(publicKey && { publicKey }) })));
      const pms = pskPremaster(psk.key, ecdhSecret);
      const f: FinishedFlightInput = { ...p, pms, publicKey: publicKey ?? new Uint8Array(0) };
      const master = this.computeMaster(f);
      pms.fill(0);
      this.sendChangeCipherSpecAndFinished(f, master);
      this.state = p.ticketExpected ? { kind: 'expectNewSessionTicket', p, master } : { kind: 'expectChangeCipherSpec', p, master };
    };
    const got = source(hint);
    if (isPromise(got)) this.d.suspend(got, withPsk);
    else withPsk(got);
  }

  private onServerHelloDone(p: Params, pms: Uint8Array, publicKey: Uint8Array, request: CertificateRequest | undefined, r: Reader, msg: HandshakeMessage): void {
    r.end('ServerHelloDone');
    this.d.transcript.add(msg.msgType, msg.messageSeq, msg.body);
    const master = this.sendFinishedFlight({ ...p, pms, publicKey, ...(request && { request }) });
    pms.fill(0);
    this.state = p.ticketExpected ? { kind: 'expectNewSessionTicket', p, master } : { kind: 'expectChangeCipherSpec', p, master };
  }

  /**
   * Flight 5: [Certificate], ClientKeyExchange, [CertificateVerify],
   * ChangeCipherSpec, Finished. Returns the master secret. (Tests override it
   * to script a misbehaving client.)
   */
  protected sendFinishedFlight(f: FinishedFlightInput): Uint8Array {
    let signWith: { key: SigningKey; scheme: number } | undefined;
    if (f.request) {
      const key = this.cfg.signingKey;
      const scheme = key && chooseSignatureScheme(key, f.request.signatureAlgorithms);
      if (f.clientCertType === CertificateType.RawPublicKey) {
        const send = key !== undefined && scheme !== undefined && this.cfg.rawPublicKey !== undefined;
        if (send) signWith = { key: key!, scheme: scheme! };
        this.d.sendMessage(HT.certificate, encode((w) => encodeRawPublicKeyCertificate(w, send ? this.cfg.rawPublicKey! : new Uint8Array(0))));
      } else {
        const send = key !== undefined && scheme !== undefined && this.cfg.certChain.length > 0;
        if (send) signWith = { key: key!, scheme: scheme! };
        this.d.sendMessage(HT.certificate, encode((w) => encodeCertificate(w, { certificates: send ? this.cfg.certChain : [] }), 2048));
      }
    }
    this.d.sendMessage(HT.client_key_exchange, encode((w) => encodeClientKeyExchange(w, { publicKey: f.publicKey })));
    const master = this.computeMaster(f);
    if (signWith) {
      const signature = signWith.key.sign(signWith.scheme, this.d.transcript.bytes());
      this.d.sendMessage(HT.certificate_verify, encode((w) => encodeCertificateVerify(w, { scheme: signWith!.scheme, signature })));
    }
    this.sendChangeCipherSpecAndFinished(f, master);
    return master;
  }

  /** The master secret, from the transcript so far when EMS is on (call right after ClientKeyExchange). */
  protected computeMaster(f: FinishedFlightInput): Uint8Array {
    const h = f.suite.prfHash;
    const master = f.ems
      ? extendedMasterSecret(this.d.provider, h, f.pms, this.d.transcript.hash(this.d.provider, h))
      : masterSecret(this.d.provider, h, f.pms, f.clientRandom, f.serverRandom);
    this.d.secretsReady(new Tls12Secrets(this.d.provider, f.suite, master, f.clientRandom, f.serverRandom));
    return master;
  }

  /** Derive keys, then ChangeCipherSpec and our Finished, and send the flight. */
  protected sendChangeCipherSpecAndFinished(f: FinishedFlightInput, master: Uint8Array): void {
    const h = f.suite.prfHash;
    this.d.installPendingKeys(deriveEpochKeys(this.d.provider, 'client', f.suite, master, f.clientRandom, f.serverRandom, f.etm));
    const ours = verifyData(this.d.provider, h, master, 'client finished', this.d.transcript.hash(this.d.provider, h));
    this.d.sendChangeCipherSpec();
    this.d.sendMessage(HT.finished, encode((w) => encodeFinished(w, { verifyData: ours })));
    this.d.flushFlight(false);
  }

  private onFinished(p: Params, master: Uint8Array, r: Reader, msg: HandshakeMessage): void {
    if (msg.epoch === 0) throw new HandshakeError('ERR_DTLS_FINISHED_EPOCH', 'Finished in epoch 0', 'unexpected_message');
    const { verifyData: got } = decodeFinished(r);
    const h = p.suite.prfHash;
    const want = verifyData(this.d.provider, h, master, 'server finished', this.d.transcript.hash(this.d.provider, h));
    if (!constantTimeEqual(got, want)) {
      throw new HandshakeError('ERR_DTLS_BAD_FINISHED', 'server Finished does not verify', 'decrypt_error');
    }
    this.d.transcript.add(msg.msgType, msg.messageSeq, msg.body);
    if (p.resuming) {
      // The abbreviated handshake's last flight is ours: ChangeCipherSpec, Finished.
      const ours = verifyData(this.d.provider, h, master, 'client finished', this.d.transcript.hash(this.d.provider, h));
      this.d.sendChangeCipherSpec();
      this.d.sendMessage(HT.finished, encode((w) => encodeFinished(w, { verifyData: ours })));
      this.d.flushFlight(true);
    } else {
      this.negotiated!.authorized = p.suite.auth === 'PSK' ? true
        : p.serverCertType === CertificateType.RawPublicKey ? this.rawKeyTrusted : this.chainAuthorized;
    }
    this.session = this.sessionOf(p, master);
    master.fill(0);
    this.state = { kind: 'done' };
    this.d.complete();
  }

  private ticket: NewSessionTicket | undefined;

  private sessionOf(p: Params, master: Uint8Array): ClientSession {
    const n = this.negotiated!;
    const base = p.resuming;
    const ticket = this.ticket?.ticket ?? (p.resuming?.ticket && !this.ticket ? p.resuming.ticket : undefined);
    return {
      suiteId: p.suite.id, masterSecret: Uint8Array.from(master), extendedMasterSecret: p.ems, encryptThenMac: p.etm,
      created: base?.created ?? Math.floor(this.d.now / 1000), peerCertificates: n.peerCertificates, authorized: n.authorized,
      sessionId: p.resuming && p.resuming.sessionId.length === 0 ? new Uint8Array(0) : p.sessionId,
      lifetime: this.ticket?.lifetimeHint ?? base?.lifetime ?? 0,
      ...(ticket && ticket.length > 0 && { ticket }),
      ...(n.pskIdentity !== undefined && { pskIdentity: n.pskIdentity }), ...(this.cfg.servername !== undefined && { servername: this.cfg.servername }),
      ...(n.peerRawPublicKey !== undefined && { peerRawPublicKey: n.peerRawPublicKey }),
    };
  }

  wipe(): void {
    const st = this.state;
    if ('master' in st) st.master.fill(0);
    if ('pms' in st) st.pms.fill(0);
    this.state = { kind: 'done' };
  }
}


function isIpLiteral(s: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(s) || s.includes(':');
}
