/**
 * The scan report: what `puredtls scan` found, as plain JSON-ready data.
 * Its shape is documented in docs/scan.md and docs/scan.schema.json; a
 * change that breaks a consumer bumps {@link SCAN_SCHEMA_VERSION}.
 *
 * Conventions: `null` means "not determined" (the probe could not run or
 * the answer was ambiguous), never "no"; every probe that saw something the
 * RFCs forbid also yields a {@link Finding}.
 */

/** Version of the report's JSON shape. */
export const SCAN_SCHEMA_VERSION = 1;

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

/** One conclusion, with its severity and the reason. */
export interface Finding {
  /** Stable identifier, e.g. `no-cookie-exchange`. */
  readonly id: string;
  readonly severity: Severity;
  readonly title: string;
  /** Why it matters and what was observed. */
  readonly detail: string;
  /** The RFC section it rests on, e.g. `RFC 6347 §4.2.1`. */
  readonly reference?: string;
}

/** How a server answered one ClientHello. */
export type Answer = 'serverHello' | 'alert' | 'helloVerifyRequestOnly' | 'silence' | 'malformed';

export interface SuiteResult {
  /** Code point, `0xc02b`. */
  readonly id: string;
  /** IANA name. */
  readonly name: string;
  readonly kx: string;
  readonly cipher: string;
  readonly mac: string;
  /** Properties worth flagging: `aead`, `cbc`, `null`, `export`, `rc4`, `3des`, `weak-cipher`, `anonymous`, `no-forward-secrecy`, `psk`. */
  readonly flags: readonly string[];
}

export interface VersionResult {
  /** `null`: no conclusive answer. */
  readonly supported: boolean | null;
  /** What the server answered, in words. */
  readonly answer: string;
}

export interface Dtls13Result extends VersionResult {
  readonly helloRetryRequest: boolean;
  /** The HelloRetryRequest carried a cookie (RFC 9147 §5.1: the 1.3 DoS defence). */
  readonly hrrCookie: boolean;
  readonly selectedGroup: string | null;
  readonly selectedSuite: string | null;
  /** With 1.3 supported: a 1.2-only ClientHello got a ServerHello whose random ends with the RFC 8446 §4.1.3 sentinel. `null` when not applicable. */
  readonly downgradeSentinel: boolean | null;
  /** What the 1.2-only ClientHello got (for the downgrade check). */
  readonly downgradeAnswer: string | null;
}

export interface CertificateInfo {
  readonly subject: string;
  readonly issuer: string;
  readonly serialNumber: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly expired: boolean;
  readonly notYetValid: boolean;
  /** `ecdsa`, `rsa`, `ed25519` or `unknown`. */
  readonly keyType: string;
  readonly keyBits: number | null;
  readonly curve: string | null;
  readonly signatureAlgorithm: string;
  readonly subjectAltNames: readonly string[];
  readonly selfSigned: boolean;
  readonly isCA: boolean;
  readonly sha256: string;
}

export interface CertificateResult {
  readonly chain: readonly CertificateInfo[];
  /** Verified against `--ca` (with the host name when it is a name or `--servername` was given); `null` without `--ca`. */
  readonly verified: boolean | null;
  readonly verifyError: string | null;
  /** A different chain came back with a different (unknown) SNI name. */
  readonly dependsOnSni: boolean | null;
  /** The suite of the ClientHello that fetched it. */
  readonly viaSuite: string;
}

export interface ExtensionsResult {
  readonly extendedMasterSecret: boolean | null;
  /** With a CBC suite (`null` when the server accepts none). */
  readonly encryptThenMac: boolean | null;
  readonly secureRenegotiation: boolean | null;
  /** A renegotiation ClientHello after a completed handshake: `refused` (alert), `ignored` (no answer), `accepted` (ServerHello). */
  readonly renegotiation: 'refused' | 'ignored' | 'accepted' | null;
  readonly renegotiationAnswer: string | null;
  readonly sessionIdResumption: boolean | null;
  readonly ticketIssued: boolean | null;
  readonly ticketResumption: boolean | null;
  readonly connectionId: { readonly supported: boolean | null; readonly serverCidLength: number | null };
  readonly alpn: { readonly offered: readonly string[]; readonly selected: string | null; readonly answer: string };
  readonly sni: { readonly sent: string | null; readonly acknowledged: boolean | null; readonly unknownNameAnswer: string | null };
  readonly srtpProfiles: readonly string[] | null;
  /** Heartbeat negotiated (RFC 6520); it must not be. */
  readonly heartbeat: boolean | null;
  readonly recordSizeLimit: number | null;
  /** Extensions in the baseline ServerHello, by name. */
  readonly serverHelloExtensions: readonly string[];
}

export interface DosResult {
  /** A HelloVerifyRequest (or a 1.3 HelloRetryRequest cookie) before any state. */
  readonly cookieRequired: boolean | null;
  readonly cookieLength: number | null;
  /** Bytes the server sent to an unverified address / bytes of the ClientHello that triggered them. */
  readonly amplification: { readonly bytesIn: number; readonly bytesOut: number; readonly factor: number } | null;
  /** A cookie fetched from one port was refused from another. */
  readonly cookieBoundToAddress: boolean | null;
  /** Datagrams a single spoofed ClientHello drew while we stayed silent. */
  readonly spoofedHelloDatagrams: number | null;
  readonly spoofedHelloWindowMs: number;
  /** The probe (a state-machine probe id) or section (e.g. `fragmentation`) after which the server answered no other client. */
  readonly stoppedAfterProbe: string | null;
}

export interface TimersResult {
  /** Time from our ClientHello to the server's first retransmission, ms. */
  readonly initialTimeoutMs: number | null;
  /** Gaps between successive transmissions of the flight, ms. */
  readonly intervalsMs: readonly number[];
  readonly retransmissions: number | null;
  /** Each gap about twice the one before. */
  readonly backoffDoubles: boolean | null;
  readonly windowMs: number;
}

export interface FragmentationResult {
  readonly largestDatagram: number | null;
  readonly largestHandshakeRecord: number | null;
  /** The server fragmented some handshake message. */
  readonly serverFragments: boolean | null;
  /** A first ClientHello in fragments got an answer. */
  readonly reassemblesFirstHello: boolean | null;
  /** A ClientHello with the cookie, in fragments, got a ServerHello. */
  readonly reassemblesCookieHello: boolean | null;
  readonly fragmentSize: number;
}

export interface StateMachineProbe {
  readonly id: string;
  readonly title: string;
  /** What we sent. */
  readonly sent: string;
  /** What the server did. */
  readonly answer: string;
  /** What the RFC requires. */
  readonly expected: string;
  /** `null` when the probe could not run. */
  readonly conforms: boolean | null;
  readonly reference: string;
}

export interface ScanReport {
  readonly schemaVersion: typeof SCAN_SCHEMA_VERSION;
  readonly tool: { readonly name: 'puredtls'; readonly version: string };
  readonly target: { readonly host: string; readonly address: string; readonly port: number };
  readonly startedAt: string;
  readonly durationMs: number;
  readonly limits: { readonly maxDatagrams: number; readonly rate: number; readonly maxTimeMs: number; readonly replyTimeoutMs: number };
  readonly traffic: { readonly datagramsOut: number; readonly bytesOut: number; readonly datagramsIn: number; readonly bytesIn: number };
  /** Anything DTLS answered at all. */
  readonly reachable: boolean;
  readonly versions: { readonly dtls10: VersionResult; readonly dtls12: VersionResult; readonly dtls13: Dtls13Result };
  readonly cipherSuites: {
    readonly tested: number;
    readonly accepted: readonly SuiteResult[];
    /** Rejections by alert vs. by silence (a silent server costs the reply timeout each). */
    readonly rejectedByAlert: number;
    readonly rejectedBySilence: number;
    readonly preference: 'server' | 'client' | null;
  };
  readonly groups: {
    readonly tested: readonly string[];
    readonly supported: readonly string[];
    /** The finite-field group of the DHE suites: its prime's size and RFC 7919 name (`null`: a custom prime). */
    readonly dhe: { readonly bits: number; readonly group: string | null } | null;
  };
  readonly signatureAlgorithms: { readonly tested: readonly string[]; readonly supported: readonly string[] };
  readonly certificate: CertificateResult | null;
  readonly extensions: ExtensionsResult;
  readonly dos: DosResult;
  readonly timers: TimersResult;
  readonly fragmentation: FragmentationResult;
  readonly stateMachine: readonly StateMachineProbe[];
  readonly findings: readonly Finding[];
  /** What the server sent that did not parse, each reason once (at most 20). */
  readonly malformedAnswers: readonly string[];
  /** Probes that could not run, and why (budget, time limit, no usable suite). */
  readonly notes: readonly string[];
}
