/**
 * Beacon (periodic heartbeat) detection over a dataset: group connections per source -> name
 * (TLS server name, HTTP Host, or the name the source resolved: so a C&C that rotates IPs is one
 * beacon) and per source -> destination IP and port, score each group with `scoreBeacon` (two
 * opinions: dispersion and periodicity), apply the modifiers (prevalence, known benign periodic
 * services) and report what stays above the threshold.
 *
 * At scale (ten million connections, hundreds of thousands of groups):
 * - connection groups come from the dataset's shared columns (conn-table.ts), per source, with
 *   stamp arrays instead of string keys; only groups big enough to judge are materialised;
 * - the modifiers come before the score, so each group has a bar (minScore / modifiers): a group
 *   whose bar is above 1 is never scored, and the scorer may stop as soon as the score provably
 *   cannot reach the bar (ScoreOptions.atLeast). Groups that can reach it are scored exactly as
 *   before, so the findings do not change (`exhaustive` turns the bars off; tests compare);
 * - the scoring loop (beacon-groups.ts) runs on typed arrays only, in this thread or in worker
 *   threads (DetectSettings.workers, parallel/).
 */
import type { ConnRecord } from '../records/schema.js';
import { resolveSettings, scoreBeacon, type BeaconInput, type BeaconScore, type BeaconSettings } from './beacon/index.js';
import { GROUP_BENIGN, GROUP_HOPELESS, GROUP_PREVALENT, scoreGroups, type GroupJob, type GroupResult } from './beacon-groups.js';
import { sharedFloat64, sharedInt32, sharedUint8 } from './shared.js';
import type { Dataset } from './dataset.js';
import { datasetColumns, datasetNames, rowOfConn, PROTO_TCP, PROTO_UDP, type ConnColumns } from './conn-table.js';
import { PairIds } from './intern.js';
import { inPartition, type Partition } from './partition.js';
import { SAMPLE_UIDS, findingId, fmtDuration, severityOf, type Finding } from './finding.js';

export interface BeaconDetectorSettings {
  /** Fewest connections in a group before it is scored. */
  minConnections: number;
  /** Lowest score (after modifiers) reported. */
  minScore: number;
  /** Share of internal hosts talking to a destination from which the full prevalence factor applies. */
  prevalentShare: number;
  /**
   * Share of internal hosts from which the prevalence factor starts to apply: between it and
   * prevalentShare the multiplier falls from 1 to prevalenceFactor on a log scale (a service on a
   * fifth of the fleet is common even though it is not on a quarter).
   */
  prevalenceFrom: number;
  /** Fewest internal hosts talking to a destination for the graded part (below prevalentShare) to apply. */
  prevalenceMinTalkers: number;
  /** Fewest hosts for the prevalence modifier to apply (small networks have no "common"). */
  prevalenceMinHosts: number;
  /** Score multiplier for a prevalent destination. */
  prevalenceFactor: number;
  /** Score multiplier for a destination in the known benign periodic catalogue. */
  benignFactor: number;
}

export const BEACON_DEFAULTS: Readonly<BeaconDetectorSettings> = Object.freeze({
  minConnections: 6,
  minScore: 0.6,
  prevalentShare: 0.25,
  prevalenceFrom: 0.05,
  prevalenceMinTalkers: 8,
  prevalenceMinHosts: 8,
  prevalenceFactor: 0.6,
  benignFactor: 0.7,
});

/**
 * The prevalence multiplier of a destination that `share` of the internal hosts (`talkers` of
 * them) talk to: prevalenceFactor above prevalentShare; between prevalenceFrom and
 * prevalentShare (with at least prevalenceMinTalkers hosts), from 1 down to prevalenceFactor
 * linearly in log(share); else 1. With the defaults a destination of 10% of the hosts gets
 * x0.83, 20% x0.66, over 25% x0.6.
 */
export function prevalenceMultiplier(share: number, talkers: number, s: Pick<BeaconDetectorSettings, 'prevalentShare' | 'prevalenceFrom' | 'prevalenceMinTalkers' | 'prevalenceFactor'>): number {
  if (share > s.prevalentShare) return s.prevalenceFactor;
  if (share <= s.prevalenceFrom || talkers < s.prevalenceMinTalkers || s.prevalentShare <= s.prevalenceFrom) return 1;
  const t = Math.log(share / s.prevalenceFrom) / Math.log(s.prevalentShare / s.prevalenceFrom);
  return 1 - (1 - s.prevalenceFactor) * t;
}

/**
 * Known benign periodic services (name suffixes): time, OS and software updates, certificate
 * revocation, telemetry. A match lowers the score and says so; it never hides the finding.
 */
export const BENIGN_PERIODIC: readonly { suffix: string; what: string }[] = [
  { suffix: 'ntp.org', what: 'NTP pool' }, { suffix: 'time.windows.com', what: 'Windows time' },
  { suffix: 'time.apple.com', what: 'Apple time' }, { suffix: 'time.google.com', what: 'Google time' },
  { suffix: 'windowsupdate.com', what: 'Windows Update' }, { suffix: 'update.microsoft.com', what: 'Windows Update' },
  { suffix: 'delivery.mp.microsoft.com', what: 'Windows Update delivery' },
  { suffix: 'events.data.microsoft.com', what: 'Windows telemetry' }, { suffix: 'ocsp.digicert.com', what: 'certificate revocation (OCSP)' },
  { suffix: 'ocsp.pki.goog', what: 'certificate revocation (OCSP)' }, { suffix: 'crl.microsoft.com', what: 'certificate revocation (CRL)' },
  { suffix: 'ocsp.sectigo.com', what: 'certificate revocation (OCSP)' }, { suffix: 'r3.o.lencr.org', what: 'certificate revocation (OCSP)' },
  { suffix: 'swcdn.apple.com', what: 'Apple software update' }, { suffix: 'update.googleapis.com', what: 'Google software update' },
  { suffix: 'clients4.google.com', what: 'Google client telemetry' }, { suffix: 'detectportal.firefox.com', what: 'captive portal check' },
  { suffix: 'connectivitycheck.gstatic.com', what: 'captive portal check' }, { suffix: 'msftconnecttest.com', what: 'captive portal check' },
  { suffix: 'client.dropbox.com', what: 'Dropbox client sync polling' }, { suffix: 'notify.dropbox.com', what: 'Dropbox client notifications' },
  { suffix: 'push.apple.com', what: 'Apple push notifications' }, { suffix: 'mtalk.google.com', what: 'Google push notifications' },
];

/**
 * Protocols that are periodic by design wherever they run, known by transport and port: time
 * synchronisation polls its server every 64 to 1024 s (NTP, udp/123), SNMP pollers and DHCP
 * renewals. A C&C on these ports still shows its score, lowered, with this reason.
 */
export const BENIGN_PERIODIC_PORTS: readonly { proto: string; port: number; what: string }[] = [
  { proto: 'udp', port: 123, what: 'NTP time synchronisation' },
  { proto: 'udp', port: 161, what: 'SNMP polling' },
  { proto: 'udp', port: 67, what: 'DHCP lease renewal' },
];

export function benignPort(proto: string, port: number): string | undefined {
  return BENIGN_PERIODIC_PORTS.find((b) => b.proto === proto && b.port === port)?.what;
}

/** The catalogue's suffixes with their leading dot, made once. */
const BENIGN_DOTTED = BENIGN_PERIODIC.map((b) => ({ ...b, dotted: '.' + b.suffix }));

export function benignService(fqdn: string | undefined): string | undefined {
  if (fqdn === undefined) return undefined;
  for (const b of BENIGN_DOTTED) if (fqdn === b.suffix || fqdn.endsWith(b.dotted)) return b.what;
  return undefined;
}

const FAILED = new Set(['S0', 'REJ', 'RSTOS0', 'SH', 'RSTRH', 'SHR']);
/** Query types of address lookups (A, AAAA, SVCB, HTTPS): not used as beats, see below. */
const DNS_ADDRESS_QTYPES = new Set([1, 28, 64, 65]);

/**
 * Safety margin on the bar handed to the scorer (`atLeast` = minScore / modifiers, lowered by
 * this share), so floating-point rounding in the division can never stop a group whose
 * multiplied score would reach minScore.
 */
const BAR_MARGIN = 1e-9;

/** One beat candidate: a connection start, or an HTTP request inside a kept-alive connection. */
interface Event { ts: number; uid: string; resp_h: string; resp_p: number; proto: string; bytes: number; failed: boolean }
interface Group { kind: 'http' | 'dns_name' | 'fqdn' | 'ip_port'; key: string; src: string; fqdn?: string; conns: Event[] }

function connEvent(c: ConnRecord): Event {
  return { ts: c.ts, uid: c.uid, resp_h: c.resp_h, resp_p: c.resp_p, proto: c.proto, bytes: c.orig_bytes + c.resp_bytes, failed: FAILED.has(c.conn_state) };
}

/** Options of a beacon detection run beyond its settings. */
export interface BeaconRunOptions {
  /** Analyse only the sources of this partition (see partition.ts). */
  partition?: Partition;
  /**
   * Score every group in full, without the bars that let scoring skip or stop early on groups
   * that cannot be reported. The findings are the same either way (tests check it); this is for
   * those tests and for comparisons.
   */
  exhaustive?: boolean;
}

/** The modifiers of one group, known before it is scored (they depend on its destination only). */
interface Modifiers {
  prevalence: number;
  /** Internal hosts talking to the destination. */
  talkers: number;
  /** Apply the prevalence factor. */
  prevalent: boolean;
  /** The prevalence multiplier (1 when not prevalent; see prevalenceMultiplier). */
  prevalenceFactor: number;
  /** What the benign catalogue says about the destination, if anything. */
  benign: string | undefined;
  /** The name of the destination (the group's, else the first connection's). */
  fq: string | undefined;
  /** What prevalence was counted for: the group's name, else the first connection's address. */
  dstKey: string;
  /** Product of the factors that apply (1 when none). */
  factor: number;
}

/**
 * The groups of one run that have enough connections to be judged (the others are never
 * materialised), per source -> name and per source -> address:port/proto, over the dataset's
 * shared columns (conn-table.ts). Each source's connections come contiguously and in time order
 * (conn-table's source blocks); within a source, stamp arrays indexed by service or name id give
 * each connection its group, so no table is keyed by millions of (source, destination) pairs.
 * Groups are listed in order of their first connection: the order the string-keyed Maps this
 * replaces iterated in, so findings come out in the same order.
 */
interface JudgedGroups {
  /** Per group: source id, name id (name groups; -1 for pair groups), members' range in `members`. */
  src: Int32Array;
  name: Int32Array;
  from: Int32Array;
  to: Int32Array;
}

interface ConnGroups {
  cols: ConnColumns;
  /** Failed attempt per connection (conn_state in FAILED). */
  failed: Uint8Array;
  /** Member rows (of cols) of every judged group, group after group, each in time order. */
  members: Int32Array;
  byName: JudgedGroups;
  byPair: JudgedGroups;
}

/** An Int32Array that grows by doubling. */
class IntList {
  a: Int32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.a = new Int32Array(capacity);
  }
  reserve(extra: number): void {
    if (this.length + extra <= this.a.length) return;
    let cap = this.a.length * 2;
    while (cap < this.length + extra) cap *= 2;
    const b = new Int32Array(cap);
    b.set(this.a.subarray(0, this.length));
    this.a = b;
  }
  push(x: number): void {
    this.reserve(1);
    this.a[this.length++] = x;
  }
}

/** A group list under construction: source, name, first connection, members' range. */
class GroupList {
  readonly src = new IntList();
  readonly name = new IntList();
  readonly first = new IntList();
  readonly from = new IntList();
  readonly to = new IntList();
  add(src: number, name: number, first: number, from: number, to: number): void {
    this.src.push(src);
    this.name.push(name);
    this.first.push(first);
    this.from.push(from);
    this.to.push(to);
  }
  /** The groups in order of their first connection. */
  done(): JudgedGroups {
    const n = this.src.length;
    const first = this.first.a;
    const idx = new Int32Array(n);
    for (let g = 0; g < n; g++) idx[g] = g;
    idx.sort((a, b) => first[a]! - first[b]!);
    const pick = (l: IntList): Int32Array => Int32Array.from(idx, (g) => l.a[g]!);
    return { src: pick(this.src), name: pick(this.name), from: pick(this.from), to: pick(this.to) };
  }
}

function groupConns(ds: Dataset, minConnections: number, partition: Partition | undefined): ConnGroups {
  const cols = datasetColumns(ds);
  const name = datasetNames(ds);
  const { blockStart, conn } = cols;
  const n = cols.n;
  const sources = blockStart.length - 1;
  // Per service string: resolver traffic (DNS beacons are judged by query name). Per state: failed.
  const dnsService = Uint8Array.from(cols.services.values, (v) => (v.split(',').includes('dns') ? 1 : 0));
  const failedState = Uint8Array.from(cols.states.values, (v) => (FAILED.has(v) ? 1 : 0));
  const failed = sharedUint8(n);
  // Services (address, port, transport) get dense ids; stamps say which source last used an id.
  const services = new PairIds(1024);
  let svcStamp = new Int32Array(1024).fill(-1);
  let svcLocal = new Int32Array(1024);
  const nameStamp = new Int32Array(cols.strs.size).fill(-1);
  const nameLocal = new Int32Array(cols.strs.size);
  // Per source, reused: the local group of each row, and per local group its size and first connection (list index).
  let longest = 0;
  for (let s = 0; s < sources; s++) longest = Math.max(longest, blockStart[s + 1]! - blockStart[s]!);
  const connPair = new Int32Array(longest);
  const connName = new Int32Array(longest);
  const pCount = new Int32Array(longest), pFirst = new Int32Array(longest), pAt = new Int32Array(longest);
  const nCount = new Int32Array(longest), nFirst = new Int32Array(longest), nAt = new Int32Array(longest), nKey = new Int32Array(longest);
  const members = new IntList(1 << 16);
  const byName = new GroupList();
  const byPair = new GroupList();
  for (let s = 0; s < sources; s++) {
    const b0 = blockStart[s]!;
    const b1 = blockStart[s + 1]!;
    if (b1 - b0 < minConnections) continue; // no group of this source can be judged
    if (partition !== undefined && !inPartition(cols.strs.values[s]!, partition)) continue;
    let np = 0;
    let nn = 0;
    for (let i = b0; i < b1; i++) {
      const j = i; // rows of this source, in time order
      const proto = cols.proto[i]!;
      if ((proto !== PROTO_TCP && proto !== PROTO_UDP) || dnsService[cols.service[i]!] === 1) {
        connPair[j - b0] = -1;
        connName[j - b0] = -1;
        continue;
      }
      failed[i] = failedState[cols.state[i]!]!;
      // Ports are 16-bit; anything else is folded into 30 bits so the key stays a valid int32.
      const svc = services.id(cols.dst[i]!, (cols.port[i]! & 0x3fffffff) * 2 + proto);
      if (svc >= svcStamp.length) {
        const st = new Int32Array(2 * svcStamp.length).fill(-1);
        st.set(svcStamp);
        svcStamp = st;
        const lo = new Int32Array(2 * svcLocal.length);
        lo.set(svcLocal);
        svcLocal = lo;
      }
      if (svcStamp[svc] !== s) {
        svcStamp[svc] = s;
        svcLocal[svc] = np;
        pCount[np] = 0;
        pFirst[np] = conn[i]!;
        np++;
      }
      const lp = svcLocal[svc]!;
      pCount[lp]++;
      connPair[j - b0] = lp;
      const nm = name[i]!;
      if (nm < 0) {
        connName[j - b0] = -1;
        continue;
      }
      if (nameStamp[nm] !== s) {
        nameStamp[nm] = s;
        nameLocal[nm] = nn;
        nCount[nn] = 0;
        nFirst[nn] = conn[i]!;
        nKey[nn] = nm;
        nn++;
      }
      const ln = nameLocal[nm]!;
      nCount[ln]++;
      connName[j - b0] = ln;
    }
    // Room in `members` for the groups big enough to judge; then their members, in time order.
    for (let g = 0; g < np; g++) {
      if (pCount[g]! < minConnections) { pAt[g] = -1; continue; }
      pAt[g] = members.length;
      byPair.add(s, -1, pFirst[g]!, members.length, members.length + pCount[g]!);
      members.reserve(pCount[g]!);
      members.length += pCount[g]!;
    }
    for (let g = 0; g < nn; g++) {
      if (nCount[g]! < minConnections) { nAt[g] = -1; continue; }
      nAt[g] = members.length;
      byName.add(s, nKey[g]!, nFirst[g]!, members.length, members.length + nCount[g]!);
      members.reserve(nCount[g]!);
      members.length += nCount[g]!;
    }
    const m = members.a;
    for (let j = b0; j < b1; j++) {
      const lp = connPair[j - b0]!;
      if (lp >= 0 && pAt[lp]! >= 0) m[pAt[lp]!++] = j;
      const ln = connName[j - b0]!;
      if (ln >= 0 && nAt[ln]! >= 0) m[nAt[ln]!++] = j;
    }
  }
  // In shared memory for worker threads (parallel/).
  const shared = sharedInt32(members.length);
  shared.set(members.a.subarray(0, members.length));
  return { cols, failed, members: shared, byName: byName.done(), byPair: byPair.done() };
}

/**
 * A beacon run up to the scoring of the connection groups: the HTTP and DNS-name groups judged
 * (they are few), the connection groups with their modifiers and bars laid out for
 * `scoreGroups`, and how to turn the scored groups into findings.
 */
export interface BeaconPlan {
  job: GroupJob;
  /** The findings, given the connection groups' results (in judging order). */
  finish(results: readonly GroupResult[]): Finding[];
}

/**
 * Plan a beacon run (see BeaconPlan). The modifiers depend only on the destination, so they come
 * first and set the bar the score must reach (minScore / factors): a group whose bar is above 1
 * is never scored, the others are scored with that bar so the scorer can stop once the score
 * cannot reach it. A group that reaches it is scored exactly as without the bar, so the findings
 * are the same.
 */
export function planBeacons(ds: Dataset, settings: Partial<BeaconDetectorSettings> = {}, scoring?: Partial<BeaconSettings>,
  opts: BeaconRunOptions = {}): BeaconPlan {
  const s = { ...BEACON_DEFAULTS, ...settings };
  const sc = resolveSettings(scoring);
  const part = opts.partition;
  const exhaustive = opts.exhaustive === true;
  // HTTP requests are beats even when a bot keeps one connection alive (Caldera's sandcat does).
  const byHttp = new Map<string, Group>();
  for (const h of ds.http) {
    if (h.method === undefined) continue;
    if (!inPartition(h.orig_h, part)) continue;
    const host = (h.host ?? h.resp_h).toLowerCase().replace(/:\d+$/, '');
    const k = `${h.orig_h}|${host}`;
    let g = byHttp.get(k);
    if (g === undefined) byHttp.set(k, (g = { kind: 'http', key: k, src: h.orig_h, fqdn: host, conns: [] }));
    g.conns.push({ ts: h.ts, uid: h.uid, resp_h: h.resp_h, resp_p: h.resp_p, proto: 'tcp', bytes: h.request_body_len + h.response_body_len, failed: h.status_code === undefined });
  }
  // DNS lookups as beats: a bot that talks to its C&C through the resolver (TXT and other
  // non-address queries of one name). Address lookups (A/AAAA/HTTPS) are left out: a host's
  // resolver cache makes them periodic for every name it uses continuously.
  for (const d of ds.dns) {
    if (d.qtype === undefined || DNS_ADDRESS_QTYPES.has(d.qtype) || d.query === '') continue;
    if (!inPartition(d.orig_h, part)) continue;
    const name = d.query.toLowerCase();
    const k = `${d.orig_h}|dns|${name}`;
    let g = byHttp.get(k);
    if (g === undefined) byHttp.set(k, (g = { kind: 'dns_name', key: k, src: d.orig_h, fqdn: name, conns: [] }));
    g.conns.push({ ts: d.ts, uid: d.uid, resp_h: d.resp_h, resp_p: d.resp_p, proto: d.proto, bytes: d.query.length, failed: d.rcode === undefined });
  }
  const cg = groupConns(ds, s.minConnections, part);
  const nHosts = Math.max(1, ds.internalHosts().size);
  const cols = cg.cols;
  const strs = cols.strs.values;
  const window = { start: ds.start, end: ds.end };

  // The name of a pair group's first connection is asked through one reused probe record, and
  // the catalogue's answer per name is kept: hundreds of thousands of groups share few names.
  const probe = { uid: '', orig_h: '', resp_h: '' };
  const benignOf = new Map<string, string | undefined>();
  const modifiersOf = (fqdn: string | undefined, src: string, c0: Event): Modifiers => {
    const dstKey = fqdn ?? c0.resp_h;
    const talkers = Math.max(1, ds.talkersOf(dstKey).size);
    const prevalence = talkers / nHosts;
    const prevalenceFactor = nHosts >= s.prevalenceMinHosts ? prevalenceMultiplier(prevalence, talkers, s) : 1;
    const prevalent = prevalenceFactor < 1;
    let fq = fqdn;
    if (fq === undefined) {
      probe.uid = c0.uid;
      probe.orig_h = src;
      probe.resp_h = c0.resp_h;
      fq = ds.nameOfConn(probe as ConnRecord);
    }
    let service: string | undefined;
    if (fq !== undefined) {
      service = benignOf.get(fq);
      if (service === undefined && !benignOf.has(fq)) benignOf.set(fq, (service = benignService(fq)));
    }
    const benign = service ?? benignPort(c0.proto, c0.resp_p);
    const factor = prevalenceFactor * (benign !== undefined ? s.benignFactor : 1);
    return { dstKey, prevalence, talkers, prevalent, prevalenceFactor, benign, fq, factor };
  };
  /** The finding of a scored group whose score after modifiers reaches minScore. */
  const finding = (kind: Group['kind'], src: string, fqdn: string | undefined, c0: Event, m: Modifiers, r: BeaconScore, events: () => Event[]): Finding | null => {
    let score = r.score;
    const reasons = [...r.reasons];
    const modifiers: Record<string, number | string> = {};
    if (m.prevalent) {
      score *= m.prevalenceFactor;
      modifiers['prevalence'] = Number(m.prevalenceFactor.toFixed(3));
      reasons.push(`${(m.prevalence * 100).toFixed(0)}% of internal hosts (${m.talkers}) talk to ${m.dstKey}: common destination, score x${Number(m.prevalenceFactor.toFixed(3))}`);
    }
    if (m.benign !== undefined) {
      score *= s.benignFactor;
      modifiers['benign_catalogue'] = m.benign;
      reasons.push(`${m.fq ?? `${c0.resp_h}:${c0.resp_p}/${c0.proto}`} is a known benign periodic service (${m.benign}): score x${s.benignFactor}`);
    }
    if (score < s.minScore) return null;
    const key = kind === 'fqdn' ? `${src}|${fqdn}` : kind === 'ip_port' ? `${src}|${c0.resp_h}|${c0.resp_p}|${c0.proto}` : '';
    return toFinding({ kind, key, src, ...(fqdn !== undefined ? { fqdn } : {}), conns: events() }, r, score, m.prevalence, modifiers, reasons, m.fq);
  };
  const barOf = (m: Modifiers): number => (m.factor > 0 && s.minScore / m.factor <= 1 ? (s.minScore / m.factor) * (1 - BAR_MARGIN) : NaN);

  // HTTP and DNS-name groups, here and now (few, and records rather than columns).
  const out: Finding[] = [];
  const coveredUids = new Set<string>(); // uids explained by an HTTP or DNS-name beacon
  for (const g of byHttp.values()) {
    if (g.conns.length < s.minConnections) continue;
    if (g.kind !== 'http' && g.conns.every((c) => coveredUids.has(c.uid))) continue; // already explained by its HTTP requests
    g.conns.sort((a, b) => a.ts - b.ts);
    const input: BeaconInput = { ts: g.conns.map((c) => c.ts), bytes: g.conns.map((c) => c.bytes), failed: g.conns.map((c) => c.failed), window };
    const c0 = g.conns[0]!;
    const m = modifiersOf(g.fqdn, g.src, c0);
    const bar = barOf(m);
    if (!exhaustive && Number.isNaN(bar)) continue; // even a perfect score stays under minScore
    const r = exhaustive ? scoreBeacon(input, sc) : scoreBeacon(input, sc, { atLeast: bar });
    if (r.verdict === 'none') continue;
    const f = finding(g.kind, g.src, g.fqdn, c0, m, r, () => g.conns);
    if (f === null) continue;
    for (const c of g.conns) coveredUids.add(c.uid);
    out.push(f);
  }

  // Connection groups: their modifiers and bars now, the scoring by scoreGroups (here or in workers).
  const covered = sharedUint8(cols.n);
  if (coveredUids.size > 0 && ds.indexOfUid !== undefined) {
    // Column-backed: find the covered connections by uid instead of making every record.
    const rowOf = rowOfConn(cols);
    for (const u of coveredUids) {
      const i = ds.indexOfUid(u);
      if (i >= 0) covered[rowOf[i]!] = 1;
    }
  } else if (coveredUids.size > 0) for (let p = 0; p < cols.n; p++) if (coveredUids.has(ds.conns[cols.conn[p]!]!.uid)) covered[p] = 1;
  const nNames = cg.byName.src.length;
  const groups = nNames + cg.byPair.src.length;
  const from = sharedInt32(groups), to = sharedInt32(groups), src = sharedInt32(groups);
  const flags = sharedUint8(groups);
  const atLeast = sharedFloat64(groups);
  const prevalenceFactor = sharedFloat64(groups);
  /** Group g's member rows in time order (list order when the list is in time order; else by time, ties by list index). */
  const rowsOf = (g: number): Int32Array => {
    const rows = cg.members.subarray(from[g]!, to[g]!);
    return cols.ascending ? rows : Int32Array.from(rows).sort((a, b) => cols.ts[a]! - cols.ts[b]! || cols.conn[a]! - cols.conn[b]!);
  };
  /** Group g's kind, source address, name, and first connection (in time) as an event. */
  const groupOf = (g: number): { kind: 'fqdn' | 'ip_port'; src: string; fqdn: string | undefined; c0: Event } => {
    const [gs, i, kind] = g < nNames ? [cg.byName, g, 'fqdn' as const] : [cg.byPair, g - nNames, 'ip_port' as const];
    return { kind, src: strs[gs.src[i]!]!, fqdn: kind === 'fqdn' ? strs[gs.name[i]!]! : undefined, c0: connEvent(ds.conn(cols.conn[rowsOf(g)[0]!]!)) };
  };
  for (let g = 0; g < groups; g++) {
    const gs = g < nNames ? cg.byName : cg.byPair;
    const i = g < nNames ? g : g - nNames;
    from[g] = gs.from[i]!;
    to[g] = gs.to[i]!;
    src[g] = gs.src[i]!;
    const { fqdn, src: srcName, c0 } = groupOf(g);
    const m = modifiersOf(fqdn, srcName, c0);
    const bar = barOf(m);
    prevalenceFactor[g] = m.prevalenceFactor;
    flags[g] = (m.prevalent ? GROUP_PREVALENT : 0) | (m.benign !== undefined ? GROUP_BENIGN : 0) | (Number.isNaN(bar) ? GROUP_HOPELESS : 0);
    atLeast[g] = bar;
  }
  const job: GroupJob = {
    scoring: sc, minScore: s.minScore, prevalenceFactor, benignFactor: s.benignFactor, exhaustive, window,
    ts: cols.ts, bytes: cols.bytes, failed: cg.failed, conn: cols.conn, ascending: cols.ascending, covered,
    members: cg.members, names: nNames, from, to, src, flags, atLeast,
  };
  const finish = (results: readonly GroupResult[]): Finding[] => {
    const found = [...out];
    for (const { g, r } of results) {
      const { kind, src: srcName, fqdn, c0 } = groupOf(g);
      const rows = rowsOf(g);
      const f = finding(kind, srcName, fqdn, c0, modifiersOf(fqdn, srcName, c0), r, () => Array.from(rows, (p) => connEvent(ds.conn(cols.conn[p]!))));
      if (f !== null) found.push(f);
    }
    return found;
  };
  return { job, finish };
}

/** `scoring`: the scorer's own tunables (src/detect/beacon/settings.ts), from the config's `beaconScore`. */
export function detectBeacons(ds: Dataset, settings: Partial<BeaconDetectorSettings> = {}, scoring?: Partial<BeaconSettings>,
  opts: BeaconRunOptions = {}): Finding[] {
  const plan = planBeacons(ds, settings, scoring, opts);
  return plan.finish(scoreGroups(plan.job));
}

function toFinding(g: Group, r: BeaconScore, score: number, prevalence: number, modifiers: Record<string, number | string>,
  reasons: string[], fq: string | undefined): Finding {
  const c0 = g.conns[0]!;
  const dsts = [...new Set(g.conns.map((c) => c.resp_h))];
  const ports = [...new Set(g.conns.map((c) => c.resp_p))];
  const strobe = r.verdict === 'strobe';
  const period = r.period;
  const where = g.fqdn !== undefined
    ? `${g.fqdn} (${dsts.slice(0, 3).join(', ')}${dsts.length > 3 ? ', ...' : ''}:${ports.join(',')})`
    : `${c0.resp_h}:${c0.resp_p}/${c0.proto}${fq ? ` (${fq})` : ''}`;
  const title = strobe
    ? `${g.src} strobes ${where}: ${r.connections} connections in ${fmtDuration(r.span)}`
    : `${g.src} beacons to ${where} every ${fmtDuration(period)} ± ${fmtDuration(r.jitter * period)}, ${r.beats} beats over ${fmtDuration(r.span)}`;
  const f: Finding = {
    id: findingId('beacon', g.kind, g.src, g.fqdn ?? `${c0.resp_h}:${c0.resp_p}/${c0.proto}`),
    detector: 'beacon', kind: strobe ? `strobe_${g.kind}` : g.kind, title, src: g.src,
    // HTTP-level groups count requests: say so in the title's unit.
    first: g.conns[0]!.ts, last: g.conns[g.conns.length - 1]!.ts,
    score: Number(score.toFixed(3)), severity: severityOf(score),
    evidence: {
      period_s: Number.isFinite(period) ? Number(period.toFixed(3)) : null,
      jitter: Number(r.jitter.toFixed(3)), missed: Number(r.missed.toFixed(3)), beats: r.beats, connections: r.connections,
      failed: r.failed, span_s: Number(r.span.toFixed(1)), raw_score: Number(r.score.toFixed(3)),
      dispersion: r.dispersion, periodicity: r.periodicity ? { ...r.periodicity } : null,
      prevalence: Number(prevalence.toFixed(3)), modifiers, ports, dsts,
    },
    reasons,
    uids: g.conns.slice(0, 10).map((c) => c.uid),
    attack: ['T1071', 'T1573'].slice(0, c0.resp_p === 443 ? 2 : 1),
  };
  if (dsts.length === 1) f.dst = dsts[0]; else f.dsts = dsts;
  if (g.fqdn !== undefined) f.fqdn = g.fqdn; else if (fq !== undefined) f.fqdn = fq;
  if (ports.length === 1) f.port = ports[0];
  f.proto = c0.proto;
  if (f.uids.length > 10) f.uids.length = 10;
  void SAMPLE_UIDS;
  return f;
}
