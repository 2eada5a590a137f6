/**
 * Extensions a ServerHello answers (or does not): EMS, encrypt-then-MAC,
 * secure renegotiation, heartbeat, record_size_limit, connection_id, ALPN,
 * SNI, use_srtp. One hello per question, each offering the suites the server
 * accepted, so a refusal can only mean the extension.
 */
import { findExtension, srtpProfileName, SRTP_PROFILES, alpn as alpnExt, connectionIdExt, useSrtp } from '../../handshake/extensions.js';
import { describeAnswer } from '../answer.js';
import { type Exchange, exchangeHello } from '../exchange.js';
import type { HelloSpec } from '../hello.js';
import { ScanExtension as X, extensionName } from '../names.js';
import type { ScanState } from '../state.js';

export interface ExtensionFacts {
  extendedMasterSecret: boolean | null;
  encryptThenMac: boolean | null;
  secureRenegotiation: boolean | null;
  heartbeat: boolean | null;
  recordSizeLimit: number | null;
  connectionId: { supported: boolean | null; serverCidLength: number | null };
  alpn: { offered: string[]; selected: string | null; answer: string };
  sniAcknowledged: boolean | null;
  srtpProfiles: string[] | null;
  serverHelloExtensions: string[];
}

const has = (ex: Exchange, type: number) => ex.serverHello !== undefined && findExtension(ex.serverHello.extensions, type) !== undefined;
const answered = (ex: Exchange) => ex.serverHello !== undefined;

export async function probeExtensions(st: ScanState): Promise<ExtensionFacts> {
  const ids = st.acceptedIds();
  const hello = (more: Partial<HelloSpec>, suites: readonly number[] = ids) => exchangeHello(st.ctx, st.spec(suites, more), { helloOnly: true });
  const facts: ExtensionFacts = {
    extendedMasterSecret: null, encryptThenMac: null, secureRenegotiation: null, heartbeat: null, recordSizeLimit: null,
    connectionId: { supported: null, serverCidLength: null }, alpn: { offered: [...st.settings.alpn], selected: null, answer: '' },
    sniAcknowledged: null, srtpProfiles: null, serverHelloExtensions: [],
  };
  if (ids.length === 0) return facts;
  const base = st.baseline ?? await hello({});
  if (answered(base)) {
    facts.extendedMasterSecret = has(base, X.extended_master_secret);
    facts.secureRenegotiation = has(base, X.renegotiation_info);
    facts.serverHelloExtensions = base.serverHello!.extensions.map((e) => extensionName(e.type));
    if (st.settings.servername !== undefined) facts.sniAcknowledged = has(base, X.server_name);
  }
  // Encrypt-then-MAC only means something with a CBC suite.
  const cbc = st.accepted.filter((s) => s.cbc).map((s) => s.id);
  if (cbc.length > 0) {
    const ex = await hello({ etm: true }, cbc);
    if (answered(ex)) facts.encryptThenMac = has(ex, X.encrypt_then_mac);
  }
  // Secure renegotiation signalled by the SCSV alone: the server must still answer with the extension.
  if (facts.secureRenegotiation === false) {
    const ex = await hello({ reneg: 'scsv' });
    if (answered(ex)) facts.secureRenegotiation = has(ex, X.renegotiation_info);
  }
  const hb = await hello({ heartbeat: true });
  if (answered(hb)) facts.heartbeat = has(hb, X.heartbeat);
  const rsl = await hello({ recordSizeLimit: 1024 });
  if (answered(rsl)) {
    const d = findExtension(rsl.serverHello!.extensions, X.record_size_limit);
    facts.recordSizeLimit = d && d.length === 2 ? (d[0]! << 8) | d[1]! : null;
    if (!d) facts.recordSizeLimit = 0;
  }
  const cid = await hello({ cid: st.ctx.provider.randomBytes(4) });
  if (answered(cid)) {
    const d = findExtension(cid.serverHello!.extensions, X.connection_id);
    facts.connectionId = { supported: d !== undefined, serverCidLength: null };
    if (d) {
      try {
        facts.connectionId.serverCidLength = connectionIdExt.decode(d).length;
      } catch {
        st.note('malformed connection_id in the ServerHello');
      }
    }
  }
  if (st.settings.alpn.length > 0) {
    const ex = await hello({ alpn: st.settings.alpn });
    facts.alpn.answer = describeAnswer(ex);
    const d = ex.serverHello && findExtension(ex.serverHello.extensions, X.alpn);
    if (d) {
      try {
        const names = alpnExt.decode(d);
        facts.alpn.selected = names.length === 1 ? new TextDecoder().decode(names[0]) : null;
      } catch {
        st.note('malformed ALPN extension in the ServerHello');
      }
    }
  }
  facts.srtpProfiles = await probeSrtp(st, hello);
  return facts;
}

/** use_srtp: each profile offered alone; the ones the server selects. */
async function probeSrtp(st: ScanState, hello: (more: Partial<HelloSpec>) => Promise<Exchange>): Promise<string[] | null> {
  const out: string[] = [];
  let answers = 0;
  for (const id of Object.values(SRTP_PROFILES)) {
    const ex = await hello({ srtp: [id] });
    if (!answered(ex)) continue;
    answers++;
    const d = findExtension(ex.serverHello!.extensions, X.use_srtp);
    if (!d) continue;
    try {
      const { profiles } = useSrtp.decode(d);
      if (profiles.length === 1 && profiles[0] === id) out.push(srtpProfileName(id));
    } catch {
      st.note('malformed use_srtp extension in the ServerHello');
    }
  }
  return answers > 0 ? out : null;
}
