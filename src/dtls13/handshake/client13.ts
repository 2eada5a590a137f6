/**
 * The client side of the DTLS 1.3 handshake (RFC 9147 §5 over RFC 8446 §4):
 * ClientHello (again after a HelloRetryRequest), ServerHello, then the
 * server's EncryptedExtensions, [CertificateRequest], [Certificate,
 * CertificateVerify] and Finished in epoch 2, our [Certificate,
 * CertificateVerify,] Finished, and NewSessionTickets after the handshake.
 * Offering DTLS 1.2 as well, a HelloVerifyRequest or a DTLS 1.2 ServerHello
 * ends this machine with a {@link VersionFallback}.
 *
 * @module
 */
import { Reader } from '../../codec/reader.js';
import type { SigningKey, VerifyingKey } from '../../crypto/provider.js';
import { HandshakeError, UnexpectedMessageError } from '../../errors.js';
import type { ClientPsk } from '../../handshake/client-handshake.js';
import { importRawPublicKey, untrustedRawPublicKey } from '../../handshake/common.js';
import { CertificateType, type Extension, alpn, certificateTypes, connectionIdExt, findExtension, srtpProfileName, useSrtp } from '../../handshake/extensions.js';
import type { ClientHello } from '../../handshake/messages/client-hello.js';
import { decodeServerHello } from '../../handshake/messages/server-hello.js';
import type { HandshakeMessage } from '../../handshake/reassembler.js';
import { ExtensionType as E, HandshakeType as HT } from '../../handshake/registry.js';
import type { Client13Config, HandshakeDriver13, Negotiated13 } from '../driver.js';
import { keyScheduleParams, resumptionMasterSecret, resumptionPsk } from '../key-schedule.js';
import { decodeCertificate13 } from '../messages/certificate.js';
import { decodeCertificateRequest13 } from '../messages/certificate-request.js';
import { decodeEncryptedExtensions } from '../messages/encrypted-extensions.js';
import { decodeKeyShareHelloRetryRequest, decodeKeyShareServerHello } from '../messages/key-share.js';
import { MAX_TICKET_LIFETIME, decodeNewSessionTicket13 } from '../messages/new-session-ticket.js';
import { decodeSelectedIdentity } from '../messages/pre-shared-key.js';
import { type ServerHello13, decodeServerHello13, downgradeSentinel, isHelloRetryRequest } from '../messages/server-hello.js';
import { decodeCookie, decodeSignatureSchemeList } from '../messages/simple-extensions.js';
import { DtlsVersion, decodeSelectedVersion } from '../messages/supported-versions.js';
import { type ClientSession13, encodeClientSession13 } from '../session.js';
import type { Suite13 } from '../suites.js';
import {
  type Accepts, type HandshakeKeys, Tls13Machine, Tls13Secrets, applicationKeys, checkCertificateVerify, checkExtensions, checkFinished,
  chooseScheme13, clientShare, group13ById, group13Id, handshakeKeys, sendCertificate, sendCertificateVerify, sendFinished, whenReady,
  wipeKeys, withNeg, type ClientShare13,
} from './common13.js';
import { type OfferedPsk13, type SentHello, legacySessionId, offeredPsks, sendClientHello } from './client-hello13.js';

/**
 * The server answered a ClientHello that also offered DTLS 1.2 with DTLS 1.2:
 * a HelloVerifyRequest, or a ServerHello without supported_versions. Not a
 * `DtlsError`: the association hands itself to the DTLS 1.2 client machine,
 * which re-encodes `hello` (with the HelloVerifyRequest's cookie) and goes on
 * with `message`. A ServerHello's random was checked here for the downgrade
 * sentinels (RFC 8446 §4.1.3); the 1.2 machine must check the ServerHello it
 * gets after a HelloVerifyRequest itself. Not an `Error` subclass either
 * (its `message` is the handshake message): catch it with `instanceof`.
 */
export class VersionFallback {
  readonly name = 'VersionFallback';

  constructor(
    /** The ClientHello as sent (its structure). */
    readonly hello: ClientHello,
    readonly random: Uint8Array,
    /** The ClientHello's message_seq: 0, the association's first message (RFC 9147 §5.2). */
    readonly messageSeq: number,
    /** The HelloVerifyRequest or DTLS 1.2 ServerHello that came. */
    readonly message: HandshakeMessage,
  ) {}
}

/** What the handshake knows after ServerHello. */
interface Params {
  readonly suite: Suite13;
  readonly clientRandom: Uint8Array;
  readonly sent: SentHello;
  /** The PSK the server selected. */
  readonly psk?: OfferedPsk13;
  readonly serverCertType: number;
  readonly clientCertType: number;
  readonly neg: Negotiated13;
}

/** A CertificateRequest's context and the schemes it accepts. */
interface Request {
  readonly context: Uint8Array;
  readonly schemes: readonly number[];
}

/** What a HelloRetryRequest fixed (RFC 8446 §4.1.4). */
interface Retried {
  readonly suite: Suite13;
  readonly group?: number;
}

type State =
  | { readonly kind: 'start' }
  | { readonly kind: 'expectServerHello'; readonly sent: SentHello; readonly retried?: Retried }
  | { readonly kind: 'expectEncryptedExtensions'; readonly p: Params; readonly hk: HandshakeKeys }
  | { readonly kind: 'expectCertificateOrRequest'; readonly p: Params; readonly hk: HandshakeKeys }
  | { readonly kind: 'expectCertificate'; readonly p: Params; readonly hk: HandshakeKeys; readonly request: Request }
  | { readonly kind: 'expectCertificateVerify'; readonly p: Params; readonly hk: HandshakeKeys; readonly request?: Request; readonly serverKey: VerifyingKey }
  | { readonly kind: 'expectFinished'; readonly p: Params; readonly hk: HandshakeKeys; readonly request?: Request }
  | { readonly kind: 'connected'; readonly p: Params; readonly rms: Uint8Array }
  | { readonly kind: 'done' };

const ACCEPTS: { readonly [K in State['kind']]: Accepts } = {
  start: { types: [], epoch: 0 },
  expectServerHello: { types: [HT.server_hello, HT.hello_verify_request], epoch: 0 },
  expectEncryptedExtensions: { types: [HT.encrypted_extensions], epoch: 2 },
  expectCertificateOrRequest: { types: [HT.certificate_request, HT.certificate], epoch: 2 },
  expectCertificate: { types: [HT.certificate], epoch: 2 },
  expectCertificateVerify: { types: [HT.certificate_verify], epoch: 2 },
  expectFinished: { types: [HT.finished], epoch: 2 },
  connected: { types: [], epoch: 3 },
  done: { types: [], epoch: 0 },
};

const fail = (code: string, message: string, alert: 'illegal_parameter' | 'protocol_version' | 'missing_extension' | 'decode_error' | 'unsupported_certificate') =>
  new HandshakeError(code, message, alert);

/** The DTLS 1.3 client machine: sends ClientHello 1 when constructed (after an asynchronous PSK callback, if any). */
export class Client13Handshake extends Tls13Machine<State> {
  constructor(d: HandshakeDriver13, private readonly cfg: Client13Config) {
    super(d, { kind: 'start' }, ACCEPTS);
    const random = d.provider.randomBytes(32);
    const sessionId = legacySessionId(d, cfg);
    whenReady(d, cfg.psk ? cfg.psk(undefined) : undefined, (external: ClientPsk | undefined) => {
      if (external && (!(external.identity instanceof Uint8Array) || !(external.key instanceof Uint8Array) || external.key.length === 0)) {
        throw new HandshakeError('ERR_DTLS_NO_PSK', 'the psk callback gave no identity and key', 'internal_error');
      }
      const shares = new Map<number, ClientShare13>();
      for (const g of cfg.keyShareGroups) if (cfg.groups13.includes(g)) shares.set(group13Id(g), clientShare(d.provider, g));
      const psks = offeredPsks(cfg, d.now, external);
      this.state = { kind: 'expectServerHello', sent: sendClientHello(d, cfg, this.transcript, { random, sessionId, shares, psks }) };
    });
  }

  protected onMessage(st: State, msg: HandshakeMessage): void {
    switch (st.kind) {
      case 'expectServerHello':
        return this.onServerHello(st.sent, st.retried, msg);
      case 'expectEncryptedExtensions':
        return this.onEncryptedExtensions(st.p, st.hk, msg);
      case 'expectCertificateOrRequest':
        if (msg.msgType === HT.certificate) return this.onCertificate(st.p, st.hk, undefined, msg);
        return this.onCertificateRequest(st.p, st.hk, msg);
      case 'expectCertificate':
        return this.onCertificate(st.p, st.hk, st.request, msg);
      case 'expectCertificateVerify': {
        const scheme = checkCertificateVerify(this.d.provider, this.transcript, st.p.suite.hash, 'server', st.serverKey, msg);
        this.state = { kind: 'expectFinished', p: withNeg(st.p, { signatureScheme: scheme }), hk: st.hk, ...(st.request && { request: st.request }) };
        return;
      }
      case 'expectFinished':
        return this.onFinished(st.p, st.hk, st.request, msg);
      default:
        return;
    }
  }

  private onServerHello(sent: SentHello, retried: Retried | undefined, msg: HandshakeMessage): void {
    if (msg.msgType === HT.hello_verify_request) {
      // RFC 9147 §5.3: a 1.3 server never sends HelloVerifyRequest; from a 1.2 server it is an answer to our 1.2 offer.
      if (!this.cfg.offer12 || retried) throw new UnexpectedMessageError(['server_hello'], 'hello_verify_request');
      throw new VersionFallback(sent.hello, sent.hello.random, 0, msg);
    }
    const legacy = decodeServerHello(new Reader(msg.body));
    const sv = findExtension(legacy.extensions, E.supported_versions);
    if (sv === undefined) {
      // A DTLS 1.2 ServerHello (RFC 8446 §4.2.1: no supported_versions).
      if (!this.cfg.offer12 || retried || legacy.serverVersion !== DtlsVersion.DTLS1_2) {
        throw fail('ERR_DTLS_PROTOCOL_VERSION', `server chose version 0x${legacy.serverVersion.toString(16)}`, 'protocol_version');
      }
      // RFC 8446 §4.1.3: a 1.3 server that negotiated 1.2 says so in its random; a client offering 1.3 aborts.
      if (downgradeSentinel(legacy.random) !== undefined) {
        throw fail('ERR_DTLS_DOWNGRADE', 'DTLS 1.2 ServerHello with the downgrade sentinel', 'illegal_parameter');
      }
      throw new VersionFallback(sent.hello, sent.hello.random, 0, msg);
    }
    const sh = decodeServerHello13(new Reader(msg.body));
    if (sh.legacyVersion !== DtlsVersion.DTLS1_2) throw fail('ERR_DTLS_PROTOCOL_VERSION', 'ServerHello legacy_version is not 0xfefd', 'protocol_version');
    if (decodeSelectedVersion(new Reader(sv)).selectedVersion !== DtlsVersion.DTLS1_3) {
      // RFC 8446 §4.2.1: a version we did not offer in supported_versions, or one before 1.3.
      throw fail('ERR_DTLS_BAD_SERVER_HELLO', 'supported_versions selects a version other than DTLS 1.3', 'illegal_parameter');
    }
    // RFC 9147 §5 (and erratum 8066): no compatibility mode, the echo is empty.
    if (sh.legacySessionIdEcho.length !== 0) throw fail('ERR_DTLS_BAD_SERVER_HELLO', 'ServerHello echoes a legacy_session_id', 'illegal_parameter');
    if (sh.legacyCompressionMethod !== 0) throw fail('ERR_DTLS_BAD_SERVER_HELLO', 'ServerHello with compression', 'illegal_parameter');
    const suite = this.cfg.suites13.find((s) => s.id === sh.cipherSuite);
    if (!suite) throw fail('ERR_DTLS_BAD_SERVER_HELLO', `server chose a suite we did not offer (0x${sh.cipherSuite.toString(16)})`, 'illegal_parameter');
    if (isHelloRetryRequest(sh)) return this.onHelloRetryRequest(sent, retried, sh, suite, msg);
    if (retried && retried.suite !== suite) throw fail('ERR_DTLS_BAD_SERVER_HELLO', 'ServerHello suite differs from the HelloRetryRequest', 'illegal_parameter');
    checkExtensions(sh.extensions, 'server_hello', sent.offered);
    this.keyExchange(sent, retried, sh, suite, msg);
  }

  /** The ServerHello's PSK and key share (RFC 8446 §4.2.11, §4.2.8): then the handshake keys, epoch 2 both ways. */
  private keyExchange(sent: SentHello, retried: Retried | undefined, sh: ServerHello13, suite: Suite13, msg: HandshakeMessage): void {
    const pskExt = findExtension(sh.extensions, E.pre_shared_key);
    let psk: OfferedPsk13 | undefined;
    if (pskExt !== undefined) {
      psk = sent.psks[decodeSelectedIdentity(new Reader(pskExt)).selectedIdentity];
      if (!psk || psk.hash !== suite.hash) throw fail('ERR_DTLS_BAD_SERVER_HELLO', 'server selected a PSK we did not offer, or with another hash', 'illegal_parameter');
    }
    const ksExt = findExtension(sh.extensions, E.key_share);
    const modes = this.cfg.pskModes ?? ['psk_dhe_ke', 'psk_ke'];
    if (ksExt === undefined && (!psk || !modes.includes('psk_ke'))) throw fail('ERR_DTLS_MISSING_EXTENSION', 'ServerHello without key_share', 'missing_extension');
    let shared: Uint8Array | undefined;
    let group: number | undefined;
    if (ksExt !== undefined) {
      if (psk && !modes.includes('psk_dhe_ke')) throw fail('ERR_DTLS_BAD_SERVER_HELLO', 'key_share with a PSK in psk_ke mode', 'illegal_parameter');
      const { serverShare } = decodeKeyShareServerHello(new Reader(ksExt));
      const ours = sent.shares.get(serverShare.group);
      if (!ours || (retried?.group !== undefined && serverShare.group !== retried.group)) {
        throw fail('ERR_DTLS_BAD_KEY_SHARE', `server key share for group 0x${serverShare.group.toString(16)} we sent none for`, 'illegal_parameter');
      }
      group = serverShare.group;
      shared = ours.complete(serverShare.keyExchange);
    }
    const cidExt = findExtension(sh.extensions, E.connection_id);
    const connectionIds = cidExt !== undefined ? { ours: this.cfg.connectionId!, peers: connectionIdExt.decode(cidExt) } : undefined;
    this.transcript.add(HT.server_hello, msg.body);
    if (connectionIds) this.d.setConnectionIds(connectionIds.ours, connectionIds.peers);
    const hk = handshakeKeys(this.d.provider, suite, this.transcript, psk && Uint8Array.from(psk.key), shared);
    this.d.setReadSecret(2, suite, hk.server);
    this.d.setWriteSecret(2, suite, hk.client);
    const s = psk?.session;
    const neg: Negotiated13 = {
      protocol: 'DTLSv1.3', suite13: suite, resumed: s !== undefined, peerCertificates: s ? [...s.peerCertificates] : [], authorized: s?.authorized ?? false,
      ...(group !== undefined && { group: group13ById(group)! }), ...(psk && { pskMode: group !== undefined ? 'psk_dhe_ke' : 'psk_ke' }),
      ...(psk?.external !== undefined && { pskIdentity: psk.external }), ...(s?.pskIdentity !== undefined && { pskIdentity: s.pskIdentity }),
      ...(s?.peerRawPublicKey && { peerRawPublicKey: s.peerRawPublicKey }), ...(connectionIds && { connectionIds }),
    };
    const p: Params = {
      suite, clientRandom: sent.hello.random, sent, ...(psk && { psk }), neg, serverCertType: CertificateType.X509, clientCertType: CertificateType.X509,
    };
    this.state = { kind: 'expectEncryptedExtensions', p, hk };
  }

  /**
   * A HelloRetryRequest (RFC 8446 §4.1.4): only one, changing something
   * (a key share for a group we offered and sent none for, or a cookie);
   * ClientHello1 becomes message_hash in the transcript, and ClientHello2 is
   * the same hello with the new share, the cookie, and PSKs of the suite's
   * hash only (§4.2.11), their binders over the new transcript.
   */
  private onHelloRetryRequest(sent: SentHello, retried: Retried | undefined, hrr: ServerHello13, suite: Suite13, msg: HandshakeMessage): void {
    if (retried) throw new UnexpectedMessageError(['server_hello'], 'second hello_retry_request');
    checkExtensions(hrr.extensions, 'hello_retry_request', sent.offered);
    const ksExt = findExtension(hrr.extensions, E.key_share);
    const cookieExt = findExtension(hrr.extensions, E.cookie);
    const selected = ksExt !== undefined ? decodeKeyShareHelloRetryRequest(new Reader(ksExt)).selectedGroup : undefined;
    const group = selected !== undefined ? this.cfg.groups13.find((g) => group13Id(g) === selected) : undefined;
    if (selected !== undefined && (!group || sent.shares.has(selected))) {
      throw fail('ERR_DTLS_BAD_HELLO_RETRY', `HelloRetryRequest asks for group 0x${selected.toString(16)}, not offered or already shared`, 'illegal_parameter');
    }
    if (selected === undefined && cookieExt === undefined) throw fail('ERR_DTLS_BAD_HELLO_RETRY', 'HelloRetryRequest changes nothing', 'illegal_parameter');
    const cookie = cookieExt !== undefined ? decodeCookie(new Reader(cookieExt)).cookie : undefined;
    this.transcript.replaceClientHelloWithMessageHash(this.d.provider, suite.hash);
    this.transcript.add(HT.server_hello, msg.body);
    const shares = group ? new Map([[selected!, clientShare(this.d.provider, group)]]) : sent.shares;
    const next = sendClientHello(this.d, this.cfg, this.transcript, {
      random: sent.hello.random, sessionId: sent.hello.sessionId, shares, psks: sent.psks.filter((p) => p.hash === suite.hash), ...(cookie && { cookie }),
    });
    this.state = { kind: 'expectServerHello', sent: next, retried: { suite, ...(selected !== undefined && { group: selected }) } };
  }

  /** EncryptedExtensions (RFC 8446 §4.3.1): only answers to what we offered, and consistent answers. */
  private onEncryptedExtensions(p: Params, hk: HandshakeKeys, msg: HandshakeMessage): void {
    const { extensions } = decodeEncryptedExtensions(new Reader(msg.body));
    checkExtensions(extensions, 'encrypted_extensions', p.sent.offered);
    const sni = findExtension(extensions, E.server_name);
    if (sni !== undefined && sni.length !== 0) throw fail('ERR_DTLS_BAD_SERVER_HELLO', 'server_name answer is not empty', 'decode_error');
    const sct = findExtension(extensions, E.server_certificate_type);
    const cct = findExtension(extensions, E.client_certificate_type);
    const serverCertType = sct ? certificateTypes.decodeOne(sct) : CertificateType.X509;
    const clientCertType = cct ? certificateTypes.decodeOne(cct) : CertificateType.X509;
    const known = (t: number) => t === CertificateType.X509 || t === CertificateType.RawPublicKey;
    if (!known(serverCertType) || !known(clientCertType) || (serverCertType === CertificateType.RawPublicKey && !this.cfg.verifyRawPublicKey)
      || (clientCertType === CertificateType.RawPublicKey && !this.cfg.rawPublicKey)) {
      throw fail('ERR_DTLS_BAD_SERVER_HELLO', 'server chose a certificate type we did not offer', 'unsupported_certificate');
    }
    this.transcript.add(msg.msgType, msg.body);
    const q: Params = { ...p, serverCertType, clientCertType, neg: { ...p.neg, ...this.extras(extensions) } };
    // RFC 8446 §4.3.2: a server authenticating with a PSK sends no CertificateRequest (nor Certificate).
    this.state = p.psk ? { kind: 'expectFinished', p: q, hk } : { kind: 'expectCertificateOrRequest', p: q, hk };
  }

  /** ALPN and use_srtp answers: one thing we offered (RFC 7301 §3.1, RFC 5764 §4.1.1). */
  private extras(exts: readonly Extension[]): { alpnProtocol?: string; srtpProfile?: string } {
    const out: { alpnProtocol?: string; srtpProfile?: string } = {};
    const alpnExt = findExtension(exts, E.application_layer_protocol_negotiation);
    if (alpnExt !== undefined) {
      const names = alpn.decode(alpnExt);
      const pick = names.length === 1 ? (this.cfg.alpnProtocols ?? []).find((n) => n.length === names[0]!.length && n.every((b, i) => b === names[0]![i])) : undefined;
      if (!pick) throw fail('ERR_DTLS_BAD_SERVER_HELLO', 'server chose an ALPN protocol we did not offer', 'illegal_parameter');
      out.alpnProtocol = new TextDecoder().decode(pick);
    }
    const srtpExt = findExtension(exts, E.use_srtp);
    if (srtpExt !== undefined) {
      const { profiles, mki } = useSrtp.decode(srtpExt);
      if (profiles.length !== 1 || !(this.cfg.srtpProfiles ?? []).includes(profiles[0]!) || mki.length !== 0) {
        throw fail('ERR_DTLS_BAD_SERVER_HELLO', 'server chose an SRTP profile we did not offer', 'illegal_parameter');
      }
      out.srtpProfile = srtpProfileName(profiles[0]!);
    }
    return out;
  }

  /** CertificateRequest (RFC 8446 §4.3.2): an empty context in the main handshake, and signature_algorithms. */
  private onCertificateRequest(p: Params, hk: HandshakeKeys, msg: HandshakeMessage): void {
    const cr = decodeCertificateRequest13(new Reader(msg.body));
    if (cr.certificateRequestContext.length !== 0) throw fail('ERR_DTLS_BAD_CERTIFICATE_REQUEST', 'CertificateRequest context in the main handshake', 'illegal_parameter');
    checkExtensions(cr.extensions, 'certificate_request', undefined);
    const sig = findExtension(cr.extensions, E.signature_algorithms);
    if (sig === undefined) throw fail('ERR_DTLS_MISSING_EXTENSION', 'CertificateRequest without signature_algorithms', 'missing_extension');
    this.transcript.add(msg.msgType, msg.body);
    const request = { context: cr.certificateRequestContext, schemes: decodeSignatureSchemeList(new Reader(sig)).schemes };
    this.state = { kind: 'expectCertificate', p, hk, request };
  }

  /** The server's Certificate (RFC 8446 §4.4.2): a chain we check, or a raw public key we trust (RFC 7250). */
  private onCertificate(p: Params, hk: HandshakeKeys, request: Request | undefined, msg: HandshakeMessage): void {
    const c = decodeCertificate13(new Reader(msg.body));
    if (c.certificateRequestContext.length !== 0) throw fail('ERR_DTLS_BAD_CERTIFICATE', 'server Certificate with a request context', 'illegal_parameter');
    // RFC 8446 §4.4.2.4: an empty server Certificate is decode_error.
    if (c.certificateList.length === 0) throw fail('ERR_DTLS_NO_PEER_CERTIFICATE', 'server sent no certificate', 'decode_error');
    for (const e of c.certificateList) checkExtensions(e.extensions, 'certificate', new Set());
    let serverKey: VerifyingKey;
    let more: Partial<Negotiated13>;
    if (p.serverCertType === CertificateType.RawPublicKey) {
      const spki = c.certificateList[0]!.data;
      if (c.certificateList.length !== 1) throw fail('ERR_DTLS_BAD_CERTIFICATE', 'more than one raw public key', 'illegal_parameter');
      serverKey = importRawPublicKey(this.d.provider, spki, 'server');
      const trusted = this.cfg.verifyRawPublicKey!(spki) === true;
      if (!trusted && this.cfg.rejectRawPublicKey !== false) throw untrustedRawPublicKey('server');
      more = { peerRawPublicKey: spki, authorized: trusted };
    } else {
      const certificates = c.certificateList.map((e) => e.data);
      const check = this.cfg.checkServerChain(certificates);
      if (!check.ok) throw check.error;
      serverKey = check.key;
      more = { peerCertificates: certificates, authorized: check.authorized !== false, ...(check.error && { authorizationError: check.error }) };
    }
    this.transcript.add(msg.msgType, msg.body);
    this.state = { kind: 'expectCertificateVerify', p: withNeg(p, more), hk, ...(request && { request }), serverKey };
  }

  /**
   * The server's Finished, then our flight: [Certificate, [CertificateVerify]],
   * Finished (RFC 8446 §4.4); epoch 3 both ways, the handshake complete.
   */
  private onFinished(p: Params, hk: HandshakeKeys, request: Request | undefined, msg: HandshakeMessage): void {
    const d = this.d;
    checkFinished(hk, this.transcript, hk.server, 'server', msg);
    const ak = applicationKeys(hk, this.transcript);
    if (request) {
      const signWith = this.clientAuth(p, request);
      const raw = p.clientCertType === CertificateType.RawPublicKey;
      sendCertificate(d, this.transcript, signWith ? (raw ? { rawPublicKey: this.cfg.rawPublicKey! } : { chain: this.cfg.certChain }) : {}, request.context);
      if (signWith) sendCertificateVerify(d, this.transcript, p.suite.hash, 'client', signWith.key, signWith.scheme);
    }
    sendFinished(d, hk, this.transcript, hk.client);
    d.flushFlight();
    d.setWriteSecret(3, p.suite, ak.client);
    d.setReadSecret(3, p.suite, ak.server);
    const rms = resumptionMasterSecret(hk.k, ak.master, this.transcript.hash(d.provider, p.suite.hash));
    d.secretsReady(new Tls13Secrets(d.provider, p.suite, p.clientRandom, hk, ak));
    wipeKeys(hk, ak);
    // A PSK server is authenticated by its Finished (it knew the key); a resumed one as in the original session.
    const neg = p.psk && !p.psk.session ? { ...p.neg, authorized: true } : p.neg;
    // After a CertificateRequest the server judges our certificate (or its absence) last: wait for its ACK.
    this.finish(neg, { kind: 'connected', p: { ...p, neg }, rms }, request !== undefined);
  }

  /** Our key and scheme for a CertificateRequest, when we have a certificate of the agreed type and a scheme it accepts. */
  private clientAuth(p: Params, request: Request): { key: SigningKey; scheme: number } | undefined {
    const key = this.cfg.signingKey;
    const have = p.clientCertType === CertificateType.RawPublicKey ? this.cfg.rawPublicKey !== undefined : this.cfg.certChain.length > 0;
    const scheme = key && have ? chooseScheme13(key, request.schemes) : undefined;
    return scheme !== undefined ? { key: key!, scheme } : undefined;
  }

  /** After the handshake: NewSessionTicket (RFC 8446 §4.6.1); no post-handshake authentication (we never offer it). */
  handlePostHandshake(msg: HandshakeMessage): void {
    const st = this.state;
    if (st.kind !== 'connected' || msg.msgType !== HT.new_session_ticket || msg.epoch < 3) return this.refusePostHandshake(msg);
    const nst = decodeNewSessionTicket13(new Reader(msg.body));
    checkExtensions(nst.extensions, 'new_session_ticket', undefined);
    if (nst.ticketLifetime === 0 || !this.d.sessionTicket) return;
    const p = st.p;
    const psk = resumptionPsk(keyScheduleParams(this.d.provider, p.suite.hash), st.rms, nst.ticketNonce);
    const n = p.neg;
    const session: ClientSession13 = {
      suiteId: p.suite.id, psk, ticketAgeAdd: nst.ticketAgeAdd, created: this.d.now, lifetime: Math.min(nst.ticketLifetime, MAX_TICKET_LIFETIME),
      maxEarlyData: 0, peerCertificates: n.peerCertificates, authorized: n.authorized, ticket: nst.ticket,
      ...(n.alpnProtocol !== undefined && { alpn: new TextEncoder().encode(n.alpnProtocol) }),
      ...(this.cfg.servername !== undefined && { servername: this.cfg.servername }),
      ...(n.peerRawPublicKey && { peerRawPublicKey: n.peerRawPublicKey }), ...(n.pskIdentity !== undefined && { pskIdentity: n.pskIdentity }),
    };
    const encoded = encodeClientSession13(session);
    psk.fill(0);
    this.d.sessionTicket(encoded);
  }

  protected wipeState(st: State): void {
    if ('hk' in st) wipeKeys(st.hk);
    if (st.kind === 'connected') st.rms.fill(0);
  }
}
