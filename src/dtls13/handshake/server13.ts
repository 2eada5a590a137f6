/**
 * The server side of the DTLS 1.3 handshake (RFC 9147 §5 over RFC 8446 §4):
 * ClientHello (the second one after a HelloRetryRequest, stateless or ours),
 * then one flight — ServerHello in epoch 0; EncryptedExtensions,
 * [CertificateRequest], [Certificate, CertificateVerify] and Finished in
 * epoch 2 — then the client's [Certificate, CertificateVerify,] Finished in
 * epoch 2, and a NewSessionTicket in epoch 3 when tickets are on. Full
 * handshakes (certificates or raw public keys), external PSKs and
 * resumption, with psk_ke or psk_dhe_ke.
 *
 * @module
 */
import { Reader } from '../../codec/reader.js';
import { encode } from '../../codec/writer.js';
import { constantTimeEqual } from '../../crypto/ct.js';
import type { VerifyingKey } from '../../crypto/provider.js';
import { HandshakeError } from '../../errors.js';
import { importRawPublicKey, untrustedRawPublicKey } from '../../handshake/common.js';
import {
  CertificateType, type Extension, alpn, certificateTypes, connectionIdExt, findExtension, srtpProfileName, useSrtp,
} from '../../handshake/extensions.js';
import { decodeClientHello } from '../../handshake/messages/client-hello.js';
import type { HandshakeMessage } from '../../handshake/reassembler.js';
import { ExtensionType as E, HandshakeType as HT } from '../../handshake/registry.js';
import type { PeerAddress, ServerIdentity } from '../../handshake/server-handshake.js';
import type { Group13, HandshakeDriver13, HelloRetryState, Negotiated13, Server13Config } from '../driver.js';
import { resumptionMasterSecret, resumptionPsk } from '../key-schedule.js';
import { TLS13_LABEL_PREFIX } from '../hkdf.js';
import { decodeCertificate13 } from '../messages/certificate.js';
import { encodeCertificateRequest13 } from '../messages/certificate-request.js';
import { encodeEncryptedExtensions } from '../messages/encrypted-extensions.js';
import { encodeKeyShareServerHello } from '../messages/key-share.js';
import { encodeNewSessionTicket13, MAX_TICKET_LIFETIME } from '../messages/new-session-ticket.js';
import { encodeSelectedIdentity } from '../messages/pre-shared-key.js';
import { encodeServerHello13 } from '../messages/server-hello.js';
import { encodeSignatureSchemeList } from '../messages/simple-extensions.js';
import { DtlsVersion, encodeSelectedVersion } from '../messages/supported-versions.js';
import { type Session13, sealTicket13 } from '../session.js';
import { type Suite13, suite13ById } from '../suites.js';
import { messageHashMessage, truncatedClientHello } from '../transcript.js';
import {
  type Accepts, type ApplicationKeys, type HandshakeKeys, type Psk13, SCHEMES13, Tls13Machine, Tls13Secrets, applicationKeys,
  checkCertificateVerify, checkExtensions, checkFinished, chooseScheme13, computeBinder, ext, group13Id, handshakeKeys,
  sendCertificate, sendCertificateVerify, sendFinished, serverShare, whenReady, wipeKeys, withNeg,
} from './common13.js';
import {
  type ClientHello13, chooseGroup13, chooseSuite13, findTicket, helloRetryRequestBody, legacySessionIdEcho, offersMode, readClientHello13,
} from './negotiate13.js';

/** The facts of the handshake after ServerHello. */
interface Params {
  readonly suite: Suite13;
  readonly clientRandom: Uint8Array;
  /** The certificate type the client's Certificate must have (RFC 7250), when we asked for one. */
  readonly clientCertType: number;
  /** The client sent psk_key_exchange_modes: it can use a ticket (RFC 8446 §4.2.9; without it, none is sent). */
  readonly ticketUsable: boolean;
  readonly neg: Negotiated13;
}

/** What a HelloRetryRequest (the front door's or ours) fixed for the second ClientHello. */
interface Retry {
  readonly suite: Suite13;
  readonly group?: Group13;
}

/** An offered PSK we accept, if its binder verifies. */
interface ChosenPsk extends Psk13 {
  readonly index: number;
  readonly session?: Session13;
  readonly identity?: string;
}

type State =
  | { readonly kind: 'expectClientHello'; readonly retry?: Retry }
  | { readonly kind: 'expectCertificate'; readonly p: Params; readonly hk: HandshakeKeys; readonly ak: ApplicationKeys }
  | { readonly kind: 'expectCertificateVerify'; readonly p: Params; readonly hk: HandshakeKeys; readonly ak: ApplicationKeys; readonly clientKey: VerifyingKey }
  | { readonly kind: 'expectFinished'; readonly p: Params; readonly hk: HandshakeKeys; readonly ak: ApplicationKeys }
  | { readonly kind: 'connected'; readonly p: Params }
  | { readonly kind: 'done' };

/** What each state accepts, and in which epoch (RFC 9147 §6.1). */
const ACCEPTS: { readonly [K in State['kind']]: Accepts } = {
  expectClientHello: { types: [HT.client_hello], epoch: 0 },
  expectCertificate: { types: [HT.certificate], epoch: 2 },
  expectCertificateVerify: { types: [HT.certificate_verify], epoch: 2 },
  expectFinished: { types: [HT.finished], epoch: 2 },
  connected: { types: [], epoch: 3 },
  done: { types: [], epoch: 0 },
};

/**
 * The DTLS 1.3 server machine. Its first state expects the ClientHello; with
 * `retry` (a stateless HelloRetryRequest's cookie verified) the second one,
 * the transcript then starting with message_hash(ClientHello1) and the
 * HelloRetryRequest (RFC 8446 §4.4.1).
 */
export class Server13Handshake extends Tls13Machine<State> {
  constructor(
    d: HandshakeDriver13,
    private readonly cfg: Server13Config,
    private readonly peer: PeerAddress = { address: '', port: 0 },
    retry?: HelloRetryState,
  ) {
    super(d, { kind: 'expectClientHello', ...(retry && { retry: { suite: retry.suite, ...(retry.group && { group: retry.group }) } }) }, ACCEPTS);
    if (retry) {
      this.transcript.addMessage(messageHashMessage(retry.clientHello1Hash));
      this.transcript.add(HT.server_hello, retry.helloRetryRequest);
    }
  }

  protected onMessage(st: State, msg: HandshakeMessage): void {
    switch (st.kind) {
      case 'expectClientHello':
        return this.onClientHello(msg, st.retry);
      case 'expectCertificate':
        return this.onCertificate(st.p, st.hk, st.ak, msg);
      case 'expectCertificateVerify':
        checkCertificateVerify(this.d.provider, this.transcript, st.p.suite.hash, 'client', st.clientKey, msg);
        this.state = { kind: 'expectFinished', p: st.p, hk: st.hk, ak: st.ak };
        return;
      case 'expectFinished':
        return this.onFinished(st.p, st.hk, st.ak, msg);
      default:
        return;
    }
  }

  /** After the handshake a client sends us only KeyUpdate and ACKs (the association's) and CID messages. */
  handlePostHandshake(msg: HandshakeMessage): void {
    this.refusePostHandshake(msg);
  }

  private onClientHello(msg: HandshakeMessage, retry: Retry | undefined): void {
    const ch = readClientHello13(decodeClientHello(new Reader(msg.body)));
    if (retry) checkSecondHello(ch, retry);
    const ticket = findTicket(ch, this.cfg, this.d.now);
    if (ticket) {
      const s = ticket.session;
      const hash = suite13ById(s.suiteId)!.hash;
      return this.choosePeerIdentity(ch, msg.body, retry, { index: ticket.index, key: s.psk, hash, kind: 'resumption', session: s }, false);
    }
    this.lookUpExternal(ch, msg.body, retry, 0);
  }

  /**
   * External PSKs (RFC 8446 §4.2.11): the offered identities in order, each
   * looked up (perhaps asynchronously) until one is known; at most
   * {@link MAX_PSK_LOOKUPS}. The first known one is the one whose binder
   * is checked.
   */
  private lookUpExternal(ch: ClientHello13, body: Uint8Array, retry: Retry | undefined, index: number): void {
    const ids = ch.psks?.identities ?? [];
    const lookup = this.cfg.psk?.lookup;
    if (!lookup || index >= Math.min(ids.length, MAX_PSK_LOOKUPS)) {
      return this.choosePeerIdentity(ch, body, retry, undefined, lookup !== undefined && ids.length > 0);
    }
    const offered = ids[index]!;
    whenReady(this.d, lookup(offered.identity, this.peer), (key) => {
      if (!key || key.length === 0) return this.lookUpExternal(ch, body, retry, index + 1);
      const identity = new TextDecoder().decode(offered.identity);
      this.choosePeerIdentity(ch, body, retry, { index, key: Uint8Array.from(key), hash: 'sha256', kind: 'external', identity }, false);
    });
  }

  /** Without a PSK, the certificate for the name the client asked (SNI callback, perhaps asynchronous). */
  private choosePeerIdentity(ch: ClientHello13, body: Uint8Array, retry: Retry | undefined, psk: ChosenPsk | undefined, unknownPsk: boolean): void {
    const sni = this.cfg.sni;
    if (psk || !sni || ch.servername === undefined) return this.respond(ch, body, retry, psk, undefined, unknownPsk);
    whenReady(this.d, sni(ch.servername), (identity) => this.respond(ch, body, retry, undefined, identity, unknownPsk));
  }

  /** Choose suite, group and mode, then HelloRetryRequest or the server's flight (RFC 8446 §4.1.1). */
  private respond(ch: ClientHello13, body: Uint8Array, retry: Retry | undefined, offeredPsk: ChosenPsk | undefined, identity: ServerIdentity | undefined, unknownPsk: boolean): void {
    const cfg = this.cfg;
    const suite = retry?.suite ?? chooseSuite13(ch, cfg.suites13, offeredPsk?.hash);
    if (!suite) throw new HandshakeError('ERR_DTLS_NO_SHARED_CIPHER', 'no DTLS 1.3 cipher suite in common', 'handshake_failure');
    const g = retry?.group !== undefined ? { group: retry.group, share: ch.shares[0] } : chooseGroup13(ch, cfg.groups13);
    let psk = offeredPsk && offeredPsk.hash === suite.hash ? offeredPsk : undefined;
    let mode: 'psk_ke' | 'psk_dhe_ke' | undefined;
    if (psk) {
      if (offersMode(ch, 'psk_dhe_ke') && g) mode = 'psk_dhe_ke';
      else if (offersMode(ch, 'psk_ke')) mode = 'psk_ke';
      else psk = undefined;
    }
    const auth = psk ? undefined : this.certificateAuth(ch, identity, unknownPsk);
    if (!psk || mode === 'psk_dhe_ke') {
      if (!g) throw new HandshakeError('ERR_DTLS_NO_SHARED_CIPHER', 'no key-exchange group in common', 'handshake_failure');
      if (!g.share) {
        if (retry) throw new HandshakeError('ERR_DTLS_BAD_KEY_SHARE', 'second ClientHello without the key share asked for', 'illegal_parameter');
        return this.helloRetry(body, suite, g.group, legacySessionIdEcho(ch.hello));
      }
    }
    if (psk) psk = this.checkBinder(ch, body, psk);
    this.transcript.add(HT.client_hello, body);
    this.serverFlight(ch, suite, mode === 'psk_ke' ? undefined : g, psk, mode, auth);
  }

  /** A HelloRetryRequest of our own, asking for a key share (RFC 8446 §4.1.4); the transcript turns ClientHello1 into message_hash. */
  private helloRetry(body: Uint8Array, suite: Suite13, group: Group13, echo: Uint8Array): void {
    const hrr = helloRetryRequestBody(suite, group, undefined, echo);
    this.transcript.add(HT.client_hello, body);
    this.transcript.replaceClientHelloWithMessageHash(this.d.provider, suite.hash);
    this.transcript.add(HT.server_hello, hrr);
    this.d.sendMessage(HT.server_hello, hrr);
    this.d.flushFlight();
    this.state = { kind: 'expectClientHello', retry: { suite, group } };
  }

  /** The binder of the PSK we chose (RFC 8446 §4.2.11: validate exactly one): decrypt_error when it does not verify. */
  /** The PSK whose binder verifies: the offered one, or a ticket's `pskTls13Label` twin (wolfSSL before 5.6.2). */
  private checkBinder(ch: ClientHello13, body: Uint8Array, psk: ChosenPsk): ChosenPsk {
    const truncated = truncatedClientHello(body);
    const binder = ch.psks!.binders[psk.index]!;
    if (constantTimeEqual(computeBinder(this.d.provider, psk, this.transcript, truncated), binder)) return psk;
    const twin = psk.session?.pskTls13Label;
    if (twin && constantTimeEqual(computeBinder(this.d.provider, { ...psk, key: twin }, this.transcript, truncated), binder)) return { ...psk, key: twin };
    throw new HandshakeError('ERR_DTLS_BAD_PSK_BINDER', 'PSK binder does not verify', 'decrypt_error');
  }

  /**
   * Certificate authentication for a full handshake: our key and chain (or
   * the SNI callback's), a certificate type the client takes (RFC 7250), and
   * a signature scheme it offered. Refuses when there is none: decrypt_error
   * when the client offered a PSK we do not know (RFC 8446 §6.2: the same
   * alert as a wrong one, CRY-06), missing_extension without
   * signature_algorithms (§9.2), handshake_failure otherwise.
   */
  private certificateAuth(ch: ClientHello13, identity: ServerIdentity | undefined, unknownPsk: boolean): CertAuth {
    const key = identity?.signingKey ?? this.cfg.signingKey;
    const chain = identity?.certChain ?? this.cfg.certChain;
    const types = certificateTypesOf(ch.hello.extensions, this.cfg, chain);
    const scheme = key && chooseScheme13(key, ch.sigAlgs);
    if (key && types.server !== undefined && scheme !== undefined) return { key, chain, scheme, types };
    if (unknownPsk || ch.psks) throw new HandshakeError('ERR_DTLS_UNKNOWN_PSK', 'no PSK the client offered is usable', 'decrypt_error');
    if (key && ch.sigAlgs === undefined) throw new HandshakeError('ERR_DTLS_MISSING_EXTENSION', 'no signature_algorithms for certificate authentication', 'missing_extension');
    throw new HandshakeError('ERR_DTLS_NO_SHARED_CIPHER', 'no certificate type and signature scheme in common', 'handshake_failure');
  }

  /** ServerHello; EncryptedExtensions, [CertificateRequest], [Certificate, CertificateVerify], Finished (RFC 8446 §2). */
  private serverFlight(
    ch: ClientHello13, suite: Suite13, g: ReturnType<typeof chooseGroup13>, psk: ChosenPsk | undefined,
    mode: 'psk_ke' | 'psk_dhe_ke' | undefined, auth: CertAuth | undefined,
  ): void {
    const d = this.d;
    const cfg = this.cfg;
    const kx = g?.share ? serverShare(d.provider, g.group, g.share.keyExchange) : undefined;
    const extensions: Extension[] = [ext(E.supported_versions, (w) => encodeSelectedVersion(w, { selectedVersion: DtlsVersion.DTLS1_3 }))];
    if (kx) extensions.push(ext(E.key_share, (w) => encodeKeyShareServerHello(w, { serverShare: { group: group13Id(g!.group), keyExchange: kx.share } })));
    if (psk) extensions.push(ext(E.pre_shared_key, (w) => encodeSelectedIdentity(w, { selectedIdentity: psk.index })));
    // RFC 9147 §9 (RFC 9146 §3): the server's CID goes in ServerHello, records from epoch 2 on carry it.
    const cidOffer = findExtension(ch.hello.extensions, E.connection_id);
    const connectionIds = cidOffer !== undefined && cfg.connectionId ? { ours: cfg.connectionId(), peers: connectionIdExt.decode(cidOffer) } : undefined;
    if (connectionIds) extensions.push(ext(E.connection_id, (w) => connectionIdExt.encode(w, connectionIds.ours)));
    const sh = encode((w) => encodeServerHello13(w, {
      legacyVersion: DtlsVersion.DTLS1_2, random: d.provider.randomBytes(32), legacySessionIdEcho: legacySessionIdEcho(ch.hello),
      cipherSuite: suite.id, legacyCompressionMethod: 0, extensions,
    }));
    this.transcript.add(HT.server_hello, sh);
    d.sendMessage(HT.server_hello, sh);
    if (connectionIds) d.setConnectionIds(connectionIds.ours, connectionIds.peers);
    const hk = handshakeKeys(d.provider, suite, this.transcript, psk && Uint8Array.from(psk.key), kx?.secret);
    d.setWriteSecret(2, suite, hk.server);
    d.setReadSecret(2, suite, hk.client);

    const requestCert = cfg.requestCert && auth !== undefined;
    const extras = negotiateExtras(ch.hello.extensions, cfg);
    const ee: Extension[] = [...extras.extensions];
    if (ch.servername !== undefined && cfg.sni && !psk?.session) ee.unshift({ type: E.server_name, data: new Uint8Array(0) });
    if (auth) ee.push(...auth.types.extensions(requestCert));
    const s = psk?.session;
    const neg: Negotiated13 = {
      protocol: 'DTLSv1.3', suite13: suite, resumed: s !== undefined, peerCertificates: s ? [...s.peerCertificates] : [],
      authorized: s ? s.authorized : psk !== undefined || !requestCert,
      ...(mode && { pskMode: mode }), ...(kx && { group: g!.group }),
      ...(ch.servername !== undefined && { servername: ch.servername }), ...(auth && { signatureScheme: auth.scheme }),
      ...(psk?.identity !== undefined && { pskIdentity: psk.identity }), ...(s?.pskIdentity !== undefined && { pskIdentity: s.pskIdentity }),
      ...(s?.peerRawPublicKey && { peerRawPublicKey: s.peerRawPublicKey }),
      ...(extras.alpnProtocol !== undefined && { alpnProtocol: extras.alpnProtocol }),
      ...(extras.srtpProfile !== undefined && { srtpProfile: extras.srtpProfile }), ...(connectionIds && { connectionIds }),
    };
    this.sendTracked(HT.encrypted_extensions, encode((w) => encodeEncryptedExtensions(w, { extensions: ee })));
    if (requestCert) {
      const exts: Extension[] = [ext(E.signature_algorithms, (w) => encodeSignatureSchemeList(w, { schemes: SCHEMES13 }))];
      const names = cfg.caNames;
      if (names.length > 0) exts.push(ext(E.certificate_authorities, (w) => w.vec16((w) => names.forEach((n) => w.opaque16(n)))));
      this.sendTracked(HT.certificate_request, encode((w) => encodeCertificateRequest13(w, { certificateRequestContext: new Uint8Array(0), extensions: exts })));
    }
    if (auth) {
      const raw = auth.types.server === CertificateType.RawPublicKey;
      sendCertificate(d, this.transcript, raw ? { rawPublicKey: cfg.rawPublicKey! } : { chain: auth.chain });
      sendCertificateVerify(d, this.transcript, suite.hash, 'server', auth.key, auth.scheme);
    }
    sendFinished(d, hk, this.transcript, hk.server);
    d.flushFlight();
    // RFC 8446 §4.4.4 / §2: the server may send application data right after its Finished (epoch 3).
    const ak = applicationKeys(hk, this.transcript);
    d.setWriteSecret(3, suite, ak.server);
    d.secretsReady(new Tls13Secrets(d.provider, suite, ch.hello.random, hk, ak));
    const ticketUsable = offersMode(ch, 'psk_ke') || offersMode(ch, 'psk_dhe_ke');
    const p: Params = { suite, clientRandom: ch.hello.random, clientCertType: auth?.types.client ?? CertificateType.X509, ticketUsable, neg };
    this.state = requestCert ? { kind: 'expectCertificate', p, hk, ak } : { kind: 'expectFinished', p, hk, ak };
  }

  private sendTracked(type: number, body: Uint8Array): void {
    this.transcript.add(type, body);
    this.d.sendMessage(type, body);
  }

  /**
   * The client's Certificate (RFC 8446 §4.4.2): empty is certificate_required
   * when we reject unauthorized clients (§4.4.2.4), else the handshake goes
   * on unauthenticated; a chain is checked (or, not rejecting, kept with why
   * it failed); a raw public key is trusted only through verifyRawPublicKey.
   */
  private onCertificate(p: Params, hk: HandshakeKeys, ak: ApplicationKeys, msg: HandshakeMessage): void {
    const c = decodeCertificate13(new Reader(msg.body));
    if (c.certificateRequestContext.length !== 0) {
      throw new HandshakeError('ERR_DTLS_BAD_CERTIFICATE', 'client Certificate with a certificate_request_context we did not send', 'illegal_parameter');
    }
    for (const e of c.certificateList) checkExtensions(e.extensions, 'certificate', new Set());
    this.transcript.add(msg.msgType, msg.body);
    const reject = this.cfg.rejectUnauthorized;
    if (c.certificateList.length === 0) {
      const error = new HandshakeError('ERR_DTLS_NO_PEER_CERTIFICATE', 'client sent no certificate', 'certificate_required');
      if (reject) throw error;
      this.state = { kind: 'expectFinished', p: withNeg(p, { authorized: false, authorizationError: error }), hk, ak };
      return;
    }
    if (p.clientCertType === CertificateType.RawPublicKey) {
      if (c.certificateList.length !== 1) throw new HandshakeError('ERR_DTLS_BAD_CERTIFICATE', 'more than one raw public key', 'bad_certificate');
      const spki = c.certificateList[0]!.data;
      const clientKey = importRawPublicKey(this.d.provider, spki, 'client');
      const trusted = this.cfg.verifyRawPublicKey!(spki) === true;
      if (!trusted && reject) throw untrustedRawPublicKey('client');
      const neg = { peerRawPublicKey: spki, authorized: trusted, ...(!trusted && { authorizationError: untrustedRawPublicKey('client') }) };
      this.state = { kind: 'expectCertificateVerify', p: withNeg(p, neg), hk, ak, clientKey };
      return;
    }
    const certificates = c.certificateList.map((e) => e.data);
    const check = this.cfg.checkClientChain(certificates);
    if (!check.ok && (reject || !check.key)) throw check.error;
    const neg = check.ok ? { peerCertificates: certificates, authorized: true } : { peerCertificates: certificates, authorized: false, authorizationError: check.error };
    this.state = { kind: 'expectCertificateVerify', p: withNeg(p, neg), hk, ak, clientKey: check.key! };
  }

  /** The client's Finished: then epoch 3 both ways, the handshake is complete, and a ticket follows (RFC 8446 §4.6.1). */
  private onFinished(p: Params, hk: HandshakeKeys, ak: ApplicationKeys, msg: HandshakeMessage): void {
    checkFinished(hk, this.transcript, hk.client, 'client', msg);
    this.d.setReadSecret(3, p.suite, ak.client);
    const tickets = p.ticketUsable ? this.cfg.sessions?.tickets : undefined;
    const rms = tickets && resumptionMasterSecret(hk.k, ak.master, this.transcript.hash(this.d.provider, p.suite.hash));
    wipeKeys(hk, ak);
    this.finish(p.neg, { kind: 'connected', p });
    if (!tickets || !rms) return;
    const nonce = new Uint8Array(1);
    const psk = resumptionPsk(hk.k, rms, nonce);
    const pskTls13Label = resumptionPsk({ ...hk.k, prefix: TLS13_LABEL_PREFIX }, rms, nonce);
    rms.fill(0);
    const r = this.d.provider.randomBytes(4);
    const ticketAgeAdd = ((r[0]! << 24) >>> 0) + (r[1]! << 16) + (r[2]! << 8) + r[3]!;
    const n = p.neg;
    const lifetime = Math.min(this.cfg.ticketLifetime13, MAX_TICKET_LIFETIME);
    const session: Session13 = {
      suiteId: p.suite.id, psk, pskTls13Label, ticketAgeAdd, created: this.d.now, lifetime, maxEarlyData: 0,
      peerCertificates: n.peerCertificates.slice(0, 1), authorized: n.authorized,
      ...(n.alpnProtocol !== undefined && { alpn: new TextEncoder().encode(n.alpnProtocol) }),
      ...(n.servername !== undefined && { servername: n.servername }), ...(n.peerRawPublicKey && { peerRawPublicKey: n.peerRawPublicKey }),
      ...(n.pskIdentity !== undefined && { pskIdentity: n.pskIdentity }),
    };
    const ticket = sealTicket13(tickets, session);
    psk.fill(0);
    pskTls13Label.fill(0);
    if (ticket.length > 0xffff) return;
    this.d.sendMessage(HT.new_session_ticket, encode((w) => encodeNewSessionTicket13(w, {
      ticketLifetime: lifetime, ticketAgeAdd, ticketNonce: nonce, ticket, extensions: [],
    })));
    this.d.flushFlight();
  }

  protected wipeState(st: State): void {
    if ('hk' in st) wipeKeys(st.hk, st.ak);
  }
}

/** Offered identities looked up as external PSKs, at most (the callback is the application's: bound the work a ClientHello causes). */
const MAX_PSK_LOOKUPS = 4;

/** What certificate authentication uses. */
interface CertAuth {
  readonly key: NonNullable<Server13Config['signingKey']>;
  readonly chain: readonly Uint8Array[];
  readonly scheme: number;
  readonly types: CertTypes;
}

/**
 * After a HelloRetryRequest (RFC 8446 §4.1.2, §4.2.8): the suite it named is
 * still offered, and the key share is exactly the one asked for.
 */
function checkSecondHello(ch: ClientHello13, retry: Retry): void {
  if (!ch.hello.cipherSuites.includes(retry.suite.id)) {
    throw new HandshakeError('ERR_DTLS_BAD_CLIENT_HELLO', 'second ClientHello drops the suite of the HelloRetryRequest', 'illegal_parameter');
  }
  if (retry.group !== undefined && (ch.shares.length !== 1 || ch.shares[0]!.group !== group13Id(retry.group))) {
    throw new HandshakeError('ERR_DTLS_BAD_KEY_SHARE', `second ClientHello without exactly the key share asked for (${retry.group})`, 'illegal_parameter');
  }
}

/** Certificate types (RFC 7250 §4.2): which we present, which the client sends, and the EncryptedExtensions saying so. */
interface CertTypes {
  readonly server: number | undefined;
  readonly client: number;
  extensions(requestCert: boolean): Extension[];
}

function certificateTypesOf(exts: readonly Extension[], cfg: Server13Config, chain: readonly Uint8Array[]): CertTypes {
  const sExt = findExtension(exts, E.server_certificate_type);
  const cExt = findExtension(exts, E.client_certificate_type);
  const theirs = sExt ? certificateTypes.decodeList(sExt) : [CertificateType.X509];
  const server = cfg.rawPublicKey && theirs.includes(CertificateType.RawPublicKey) ? CertificateType.RawPublicKey
    : chain.length > 0 && theirs.includes(CertificateType.X509) ? CertificateType.X509 : undefined;
  const offered = cExt ? certificateTypes.decodeList(cExt) : [CertificateType.X509];
  const client = cfg.verifyRawPublicKey && offered.includes(CertificateType.RawPublicKey) ? CertificateType.RawPublicKey : CertificateType.X509;
  return {
    server, client,
    extensions: (requestCert) => [
      ...(sExt && server !== undefined ? [ext(E.server_certificate_type, (w) => certificateTypes.encodeOne(w, server))] : []),
      ...(cExt && requestCert ? [ext(E.client_certificate_type, (w) => certificateTypes.encodeOne(w, client))] : []),
    ],
  };
}

/** ALPN (RFC 7301 §3.2) and use_srtp (RFC 5764 §4.1.1) answers, for EncryptedExtensions. */
function negotiateExtras(exts: readonly Extension[], cfg: Server13Config): { extensions: Extension[]; alpnProtocol?: string; srtpProfile?: string } {
  const extensions: Extension[] = [];
  let alpnProtocol: string | undefined;
  let srtpProfile: string | undefined;
  const alpnExt = findExtension(exts, E.application_layer_protocol_negotiation);
  const ours = cfg.alpnProtocols ?? [];
  if (alpnExt !== undefined && ours.length > 0) {
    const theirs = alpn.decode(alpnExt);
    const pick = ours.find((p) => theirs.some((t) => t.length === p.length && t.every((b, i) => b === p[i])));
    if (!pick) throw new HandshakeError('ERR_DTLS_NO_APPLICATION_PROTOCOL', 'no ALPN protocol in common', 'no_application_protocol');
    extensions.push(ext(E.application_layer_protocol_negotiation, (w) => alpn.encode(w, [pick])));
    alpnProtocol = new TextDecoder().decode(pick);
  }
  const srtpExt = findExtension(exts, E.use_srtp);
  const pick = srtpExt !== undefined ? (cfg.srtpProfiles ?? []).find((p) => useSrtp.decode(srtpExt).profiles.includes(p)) : undefined;
  if (pick !== undefined) {
    extensions.push(ext(E.use_srtp, (w) => useSrtp.encode(w, [pick])));
    srtpProfile = srtpProfileName(pick);
  }
  return { extensions, ...(alpnProtocol !== undefined && { alpnProtocol }), ...(srtpProfile !== undefined && { srtpProfile }) };
}
