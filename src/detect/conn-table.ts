/**
 * A dataset's connections as typed-array columns with integer ids, built once per dataset and
 * shared by the detectors that group connections (beacons, long connections) and by the
 * dataset's host lookups (internal hosts, talkers per destination).
 *
 * Why: at ten million connections, grouping through string keys and Maps of arrays of objects
 * cost more than the scoring it fed, and so did every pass over the records themselves (sorted
 * by time, the records lie scattered in memory: a pass over them in that order is several cache
 * misses per record, about seven times slower than in allocation order). So the records are read
 * once, in allocation order when the list says how it was made (noteInputOrder), into columns
 * whose rows are grouped by source (each source's connections contiguous, in time order); the
 * names of the connections (Dataset.nameOfConn) are taken in the same pass. Every grouping the
 * detectors do is per source, so they read the columns front to back, and groups within a source
 * come from small stamp arrays indexed by destination or name id instead of hash tables over
 * millions of keys.
 *
 * Addresses and names share one id space (`strs`), so a name that is also an address (an HTTP
 * Host that is an IP literal) is one key, as it is in the string-keyed lookups this replaces.
 */
import type { ConnRecord } from '../records/schema.js';
import type { Dataset } from './dataset.js';
import { StringIds } from './intern.js';
import { sharedFloat64, sharedInt32, sharedUint16, sharedUint32, sharedUint8 } from './shared.js';
import type { Networks } from './networks.js';
import { INTERIM_TRUE, type ConnRows } from './conn-rows.js';
import type { Naming } from './naming.js';

/** Transport codes of the `proto` column. */
export const PROTO_TCP = 0;
export const PROTO_UDP = 1;
export const PROTO_ICMP = 2;
export const PROTO_OTHER = 3;

function protoCode(p: string): number {
  return p === 'tcp' ? PROTO_TCP : p === 'udp' ? PROTO_UDP : p === 'icmp' ? PROTO_ICMP : PROTO_OTHER;
}

/**
 * Bits of the `flags` column: facts about a connection that the scan detector's attempt and
 * failure rules need (scan.ts), taken in the same pass as the other columns so no detector has to
 * go back to the records.
 */
export const FLAG_ORIG_BYTES = 1; // orig_bytes > 0
export const FLAG_ORIG_PKTS_ZERO = 2; // orig_pkts === 0
export const FLAG_RESP_PKTS_ZERO = 4; // resp_pkts === 0
export const FLAG_RESP_PKTS = 8; // resp_pkts > 0
export const FLAG_HISTORY_EMPTY = 16; // history === ''
export const FLAG_HISTORY_S = 32; // history has 'S' (the originator's SYN)
export const FLAG_HISTORY_D = 64; // history has 'D' (originator data)

function flagsOf(c: ConnRecord): number {
  let f = 0;
  if (c.orig_bytes > 0) f |= FLAG_ORIG_BYTES;
  if (c.orig_pkts === 0) f |= FLAG_ORIG_PKTS_ZERO;
  const rp = c.resp_pkts;
  if (rp === 0) f |= FLAG_RESP_PKTS_ZERO;
  else if (rp > 0) f |= FLAG_RESP_PKTS;
  const h = c.history;
  if (h === '') f |= FLAG_HISTORY_EMPTY;
  else {
    if (h.includes('S')) f |= FLAG_HISTORY_S;
    if (h.includes('D')) f |= FLAG_HISTORY_D;
  }
  return f;
}

/** A naming function (Dataset.nameOfConn). */
export type NameOf = Dataset['nameOfConn'];

/**
 * The columns of a connection list, one row per connection, rows grouped by source: source s
 * (an id into strs) has rows blockStart[s] .. blockStart[s + 1], in list order (time order for a
 * dataset), and row p is the connection conns[conn[p]]. Every grouping the detectors do is per
 * source, so they read the columns front to back.
 */
export interface ConnColumns {
  n: number;
  /** Index into the connection list of each row. */
  conn: Int32Array;
  /** Rows of each source id (length: ids at build time + 1; later ids are names, never sources). */
  blockStart: Int32Array;
  /** Start (epoch s), duration (s), orig + resp payload bytes. */
  ts: Float64Array;
  duration: Float64Array;
  bytes: Float64Array;
  /** Source and destination address ids (into strs). */
  src: Int32Array;
  dst: Int32Array;
  /** Responder port. */
  port: Int32Array;
  /** Originator port (the ICMP type for ICMP). */
  origPort: Int32Array;
  /** PROTO_TCP, PROTO_UDP, PROTO_ICMP or PROTO_OTHER. */
  proto: Uint8Array;
  /** conn_state and service ids (into states and services). */
  state: Uint16Array;
  service: Uint32Array;
  /** 1 for an interim record (a connection still open). */
  interim: Uint8Array;
  /** FLAG_* bits. */
  flags: Uint8Array;
  /** Addresses and names: one id space. */
  strs: StringIds;
  states: StringIds;
  services: StringIds;
  /** The list's start times never decrease. */
  ascending: boolean;
  /** Names per naming function: name id (into strs) per row, -1 for none. */
  names: Map<NameOf, Int32Array>;
}

const cache = new WeakMap<readonly ConnRecord[], ConnColumns>();

/** How a connection list was made from records in allocation order: list[i] = records[pick[order[i]]]. */
const inputOrders = new WeakMap<readonly ConnRecord[], { records: readonly ConnRecord[]; order: Int32Array; pick: Int32Array | null }>();

/**
 * Tell connColumns that `list[i]` is `records[pick[order[i]]]` (without `pick`: `records[order[i]]`),
 * that `records` lie in memory in about that order (as they were created; `pick` ascending, or
 * nearly), and that the list is in time order. The columns are then
 * read from the records in that order: a pass over records sorted by time is several cache misses
 * per record, a pass in allocation order streams, and consecutive records mostly share a source.
 */
export function noteInputOrder(list: readonly ConnRecord[], records: readonly ConnRecord[], order: Int32Array, pick?: Int32Array): void {
  if (order.length !== list.length) return;
  if (pick !== undefined ? pick.length === list.length : records.length === list.length) inputOrders.set(list, { records, order, pick: pick ?? null });
}

/** The per-row arrays of ConnColumns for n rows, in shared memory so worker threads read them without a copy (parallel/). */
function rowArrays(n: number): Pick<ConnColumns, 'ts' | 'duration' | 'bytes' | 'src' | 'dst' | 'port' | 'origPort' | 'proto' | 'state' | 'service' | 'interim' | 'flags'> {
  return {
    ts: sharedFloat64(n), duration: sharedFloat64(n), bytes: sharedFloat64(n), src: sharedInt32(n), dst: sharedInt32(n),
    port: sharedInt32(n), origPort: sharedInt32(n), proto: sharedUint8(n), state: sharedUint16(n), service: sharedUint32(n),
    interim: sharedUint8(n), flags: sharedUint8(n),
  };
}

/**
 * The columns of `conns`, built on first use and cached for the same array (which must not
 * change afterwards: a dataset's never does). With `nameOf`, the names are taken in the same pass
 * over the records (or in a pass of their own when the columns exist already without them).
 */
export function connColumns(conns: readonly ConnRecord[], nameOf?: NameOf): ConnColumns {
  let t = cache.get(conns);
  if (t !== undefined) {
    if (nameOf !== undefined && !t.names.has(nameOf)) addNames(t, conns, nameOf);
    return t;
  }
  const n = conns.length;
  // Read the records in allocation order when known (see noteInputOrder), else in list order.
  const input = inputOrders.get(conns);
  const records = input?.records ?? conns;
  const order = input?.order ?? null; // list index -> input index k
  const pick = input?.pick ?? null; // input index k -> index into records (ascending but for superseded records)
  const strs = new StringIds();
  // Pass 1 over the records: the source of each (sources get the first ids).
  const srcOf = new Int32Array(n);
  let lastSrc = '', lastSrcId = -1;
  let ascending = true;
  let prev = -Infinity;
  for (let k = 0; k < n; k++) {
    const c = records[pick === null ? k : pick[k]!]!;
    if (c.orig_h !== lastSrc || lastSrcId < 0) { lastSrc = c.orig_h; lastSrcId = strs.id(c.orig_h); }
    srcOf[k] = lastSrcId;
    if (order === null) {
      if (c.ts < prev) ascending = false;
      prev = c.ts;
    }
  }
  // Rows: by source, each source's rows in list order.
  const sources = strs.size;
  const blockStart = new Int32Array(sources + 1);
  for (let k = 0; k < n; k++) blockStart[srcOf[k]! + 1]++;
  for (let s = 0; s < sources; s++) blockStart[s + 1] += blockStart[s]!;
  const next = blockStart.slice(0, sources);
  const conn = sharedInt32(n);
  const rowOf = new Int32Array(n); // record index -> row
  for (let i = 0; i < n; i++) {
    const k = order === null ? i : order[i]!;
    const p = next[srcOf[k]!]!++;
    rowOf[k] = p;
    conn[p] = i;
  }
  const states = new StringIds();
  const services = new StringIds();
  const { ts, duration, bytes, src, dst, port, origPort, proto, state, service, interim, flags } = rowArrays(n);
  const name = nameOf !== undefined ? sharedInt32(n) : null;
  // Pass 2 over the records, each written to its row. Consecutive records often share these
  // strings: compare with the last one before hashing.
  let lastName = '', lastNameId = -1;
  let lastState = '', lastStateId = -1, lastService = '', lastServiceId = -1, lastProto = '', lastProtoCode = PROTO_OTHER;
  for (let k = 0; k < n; k++) {
    const c = records[pick === null ? k : pick[k]!]!;
    const p = rowOf[k]!;
    ts[p] = c.ts;
    duration[p] = c.duration;
    bytes[p] = c.orig_bytes + c.resp_bytes;
    src[p] = srcOf[k]!;
    dst[p] = strs.id(c.resp_h);
    port[p] = c.resp_p;
    origPort[p] = c.orig_p;
    flags[p] = flagsOf(c);
    if (c.proto !== lastProto) { lastProto = c.proto; lastProtoCode = protoCode(c.proto); }
    proto[p] = lastProtoCode;
    if (c.conn_state !== lastState || lastStateId < 0) { lastState = c.conn_state; lastStateId = states.id(c.conn_state); }
    state[p] = lastStateId;
    if (c.service !== lastService || lastServiceId < 0) { lastService = c.service; lastServiceId = services.id(c.service); }
    service[p] = lastServiceId;
    if (c.interim === true) interim[p] = 1;
    if (name !== null) {
      const nm = nameOf!(c);
      if (nm === undefined) name[p] = -1;
      else {
        if (nm !== lastName || lastNameId < 0) { lastName = nm; lastNameId = strs.id(nm); }
        name[p] = lastNameId;
      }
    }
  }
  if (states.size > 0xffff) throw new RangeError('Cannot index connections: more than 65,535 distinct conn_state values');
  const names = new Map<NameOf, Int32Array>();
  if (name !== null) names.set(nameOf!, name);
  t = { n, conn, blockStart, ts, duration, bytes, src, dst, port, origPort, proto, state, service, interim, flags, strs, states, services, ascending, names };
  cache.set(conns, t);
  return t;
}

/** A second naming function (a store-loaded dataset names connections through its history too). */
function addNames(t: ConnColumns, conns: readonly ConnRecord[], nameOf: NameOf): void {
  const name = sharedInt32(t.n);
  for (let p = 0; p < t.n; p++) {
    const nm = nameOf(conns[t.conn[p]!]!);
    name[p] = nm === undefined ? -1 : t.strs.id(nm);
  }
  t.names.set(nameOf, name);
}

/** `nameOf` of every row's connection as an id into the columns' strs, -1 for none (cached per naming function). */
export function connNames(conns: readonly ConnRecord[], nameOf: NameOf): Int32Array {
  return connColumns(conns, nameOf).names.get(nameOf)!;
}

const listRows = new WeakMap<ConnColumns, Int32Array>();

/** The row of each list index (the inverse of `cols.conn`), made once per columns. */
export function rowOfConn(cols: ConnColumns): Int32Array {
  let r = listRows.get(cols);
  if (r === undefined) {
    r = new Int32Array(cols.n);
    for (let p = 0; p < cols.n; p++) r[cols.conn[p]!] = p;
    listRows.set(cols, r);
  }
  return r;
}

/** Per string id of the columns: 1 internal address, 2 not, 0 not asked yet. Cached per Networks. */
const internalCache = new WeakMap<ConnColumns, Map<Networks, Uint8Array>>();

/** Is address id `a` internal? Memoised per distinct address (Networks.contains parses the text). */
export function internalFlags(cols: ConnColumns, internal: Networks): (a: number) => boolean {
  let byNet = internalCache.get(cols);
  if (byNet === undefined) internalCache.set(cols, (byNet = new Map()));
  let flags = byNet.get(internal);
  if (flags === undefined || flags.length < cols.strs.size) {
    const grown = new Uint8Array(Math.max(cols.strs.size, 16));
    if (flags !== undefined) grown.set(flags);
    byNet.set(internal, (flags = grown));
  }
  const f = flags;
  return (a: number): boolean => {
    let v = f[a];
    if (v === 0) f[a] = v = internal.contains(cols.strs.values[a]!) ? 1 : 2;
    return v === 1;
  };
}

/**
 * Internal hosts that sent at least one connection, in order of their first connection
 * (Dataset.internalHosts over the columns). `nameOf`: the dataset's naming function, so the one
 * pass over the records takes the names too.
 */
export function internalSources(conns: readonly ConnRecord[], internal: Networks, nameOf?: NameOf): Set<string> {
  return internalSourcesOf(connColumns(conns, nameOf), internal);
}

/** internalSources over columns. */
export function internalSourcesOf(cols: ConnColumns, internal: Networks): Set<string> {
  const isInternal = internalFlags(cols, internal);
  const { blockStart, conn } = cols;
  const firsts: number[] = [];
  for (let s = 0; s + 1 < blockStart.length; s++) {
    if (blockStart[s] !== blockStart[s + 1] && isInternal(s)) firsts.push(s);
  }
  // A source's first row is its first connection in the list.
  firsts.sort((a, b) => conn[blockStart[a]!]! - conn[blockStart[b]!]!);
  return new Set(firsts.map((s) => cols.strs.values[s]!));
}

/**
 * Dataset.talkersOf over the columns: for every destination address and connection name, the
 * internal sources that talked to it (as a source id list per key, made into a set of strings on
 * demand, once per key; the set's order is by source id, not by first contact).
 */
export function talkersIndex(conns: readonly ConnRecord[], internal: Networks, nameOf: NameOf): (key: string) => ReadonlySet<string> {
  return talkersIndexOf(connColumns(conns, nameOf), connNames(conns, nameOf), internal);
}

/** talkersIndex over columns and their names (one id per row, -1 for none). */
export function talkersIndexOf(cols: ConnColumns, name: Int32Array, internal: Networks): (key: string) => ReadonlySet<string> {
  const { blockStart } = cols;
  const isInternal = internalFlags(cols, internal);
  const nKeys = cols.strs.size;
  const sources = blockStart.length - 1;
  // Distinct (key, source) pairs, a source's block at a time: the stamp says whether the key was
  // seen in this block. Then a counting sort of the pairs by key.
  const stamp = new Int32Array(nKeys).fill(-1);
  let pairKey = new Int32Array(1 << 16);
  let pairSrc = new Int32Array(1 << 16);
  let m = 0;
  const count = new Int32Array(nKeys + 1);
  for (let s = 0; s < sources; s++) {
    const b0 = blockStart[s]!;
    const b1 = blockStart[s + 1]!;
    if (b0 === b1 || !isInternal(s)) continue;
    if (m + 2 * (b1 - b0) > pairKey.length) {
      let cap = 2 * pairKey.length;
      while (cap < m + 2 * (b1 - b0)) cap *= 2;
      const k = new Int32Array(cap);
      k.set(pairKey.subarray(0, m));
      pairKey = k;
      const v = new Int32Array(cap);
      v.set(pairSrc.subarray(0, m));
      pairSrc = v;
    }
    for (let i = b0; i < b1; i++) {
      const d = cols.dst[i]!;
      if (stamp[d] !== s) {
        stamp[d] = s;
        count[d + 1]++;
        pairKey[m] = d;
        pairSrc[m++] = s;
      }
      const nm = name[i]!;
      if (nm >= 0 && stamp[nm] !== s) {
        stamp[nm] = s;
        count[nm + 1]++;
        pairKey[m] = nm;
        pairSrc[m++] = s;
      }
    }
  }
  for (let k = 0; k < nKeys; k++) count[k + 1] += count[k]!;
  const list = new Int32Array(m);
  const next = count.slice(0, nKeys);
  for (let j = 0; j < m; j++) list[next[pairKey[j]!]!++] = pairSrc[j]!;
  const EMPTY: ReadonlySet<string> = new Set();
  const sets = new Map<number, ReadonlySet<string>>();
  return (key: string): ReadonlySet<string> => {
    const k = cols.strs.get(key);
    if (k < 0 || k >= nKeys || count[k] === count[k + 1]) return EMPTY;
    let set = sets.get(k);
    if (set === undefined) {
      const s = new Set<string>();
      for (let j = count[k]!; j < count[k + 1]!; j++) s.add(cols.strs.values[list[j]!]!);
      sets.set(k, (set = s));
    }
    return set;
  };
}

/**
 * The columns of a column-backed connection list (conn-rows.ts), with the names of its rows
 * (`nameOf(i)` for list index i) under `nameKey` in `names`: the same columns connColumns makes
 * from the records, without a record. The list is in time order; sources get the first ids.
 */
export function rowColumns(rows: ConnRows, nameKey: NameOf, naming: RowNaming): ConnColumns {
  const n = rows.n;
  // The row columns as locals: the hot loops below read them once per row each.
  const { origH, respH, respP, origP, origBytes, respBytes, origPkts, respPkts } = rows.c;
  const rTs = rows.c.ts, rDuration = rows.c.duration, rProto = rows.c.proto, rState = rows.c.state, rService = rows.c.service;
  const rInterim = rows.c.interim, rHistory = rows.c.history;
  const addrs = rows.addrs.values;
  const strs = new StringIds();
  // Address id (of rows) -> id in strs; sources first, in order of their first connection.
  const rowOf = rows.row; // list index -> row of rows.c
  const remap = new Int32Array(addrs.length).fill(-1);
  const srcOf = new Int32Array(n); // list index -> source id
  for (let i = 0; i < n; i++) {
    const a = origH[rowOf[i]!]!;
    if (remap[a] === -1) remap[a] = strs.id(addrs[a]!);
    srcOf[i] = remap[a]!;
  }
  const sources = strs.size;
  const blockStart = new Int32Array(sources + 1);
  for (let i = 0; i < n; i++) blockStart[srcOf[i]! + 1]++;
  for (let s = 0; s < sources; s++) blockStart[s + 1] += blockStart[s]!;
  const next = blockStart.slice(0, sources);
  const conn = sharedInt32(n);
  for (let i = 0; i < n; i++) conn[next[srcOf[i]!]!++] = i;
  // Per word id (of rows): transport code, state and service ids, history flag bits.
  const words = rows.words.values;
  const states = new StringIds();
  const services = new StringIds();
  const protoOf = new Uint8Array(words.length);
  const stateOf = new Int32Array(words.length).fill(-1);
  const serviceOf = new Int32Array(words.length).fill(-1);
  const historyFlags = new Uint8Array(words.length);
  for (let w = 0; w < words.length; w++) {
    const v = words[w]!;
    protoOf[w] = protoCode(v);
    historyFlags[w] = v === '' ? FLAG_HISTORY_EMPTY : (v.includes('S') ? FLAG_HISTORY_S : 0) | (v.includes('D') ? FLAG_HISTORY_D : 0);
  }
  const { ts, duration, bytes, src, dst, port, origPort, proto, state, service, interim, flags } = rowArrays(n);
  const name = sharedInt32(n);
  for (let p = 0; p < n; p++) {
    const i = rowOf[conn[p]!]!; // the row (the columns below are read at rows, not list indices)
    ts[p] = rTs[i]!;
    duration[p] = rDuration[i]!;
    bytes[p] = origBytes[i]! + respBytes[i]!;
    src[p] = remap[origH[i]!]!;
    const d = respH[i]!;
    if (remap[d] === -1) remap[d] = strs.id(addrs[d]!);
    dst[p] = remap[d]!;
    port[p] = respP[i]!;
    origPort[p] = origP[i]!;
    proto[p] = protoOf[rProto[i]!]!;
    const sw = rState[i]!;
    if (stateOf[sw] === -1) stateOf[sw] = states.id(words[sw]!);
    state[p] = stateOf[sw]!;
    const vw = rService[i]!;
    if (serviceOf[vw] === -1) serviceOf[vw] = services.id(words[vw]!);
    service[p] = serviceOf[vw]!;
    if (rInterim[i] === INTERIM_TRUE) interim[p] = 1;
    let f = historyFlags[rHistory[i]!]!;
    if (origBytes[i]! > 0) f |= FLAG_ORIG_BYTES;
    if (origPkts[i] === 0) f |= FLAG_ORIG_PKTS_ZERO;
    const rp = respPkts[i]!;
    if (rp === 0) f |= FLAG_RESP_PKTS_ZERO;
    else if (rp > 0) f |= FLAG_RESP_PKTS;
    flags[p] = f;
  }
  if (states.size > 0xffff) throw new RangeError('Cannot index connections: more than 65,535 distinct conn_state values');
  // Names last (they come after the addresses in strs, as in connColumns' later passes), as
  // Naming.nameOf gives them, without a string per row: announced names by uid once each (few),
  // each source's resolved names once per source, each address's own name once per address.
  const announced = new Map<number, string>(); // list index -> name
  for (const [uid, nm] of naming.announced) {
    const i = rows.indexOfUid(uid);
    if (i >= 0) announced.set(i, nm);
  }
  const ownName = new Int32Array(strs.size).fill(-2); // strs id of an address -> its own name id, -1 none, -2 not asked yet
  let lastName = '', lastNameId = -1;
  const idOf = (nm: string): number => {
    if (nm !== lastName || lastNameId < 0) { lastName = nm; lastNameId = strs.id(nm); }
    return lastNameId;
  };
  for (let s = 0; s < sources; s++) {
    const resolved = naming.resolvedBy(strs.values[s]!);
    for (let p = blockStart[s]!; p < blockStart[s + 1]!; p++) {
      const nm = announced.size > 0 ? announced.get(conn[p]!) : undefined;
      if (nm !== undefined) { name[p] = idOf(nm); continue; }
      const d = dst[p]!;
      const r = resolved?.get(strs.values[d]!);
      if (r !== undefined) { name[p] = idOf(r); continue; }
      let own = ownName[d]!;
      if (own === -2) {
        const a = naming.addressName(strs.values[d]!);
        ownName[d] = own = a === undefined ? -1 : idOf(a);
      }
      name[p] = own;
    }
  }
  const names = new Map<NameOf, Int32Array>([[nameKey, name]]);
  return { n, conn, blockStart, ts, duration, bytes, src, dst, port, origPort, proto, state, service, interim, flags, strs, states, services, ascending: true, names };
}

/** How rowColumns names rows: the parts of Naming (naming.ts) it reads. */
export type RowNaming = Pick<Naming, 'announced' | 'resolvedBy' | 'addressName'>;

/**
 * A dataset's connection columns: the column-backed dataset's own, else built from its records
 * (cached per list), with the dataset's names.
 */
export function datasetColumns(ds: Pick<Dataset, 'conns' | 'nameOfConn' | 'columns'>): ConnColumns {
  return ds.columns !== undefined ? ds.columns() : connColumns(ds.conns, ds.nameOfConn);
}

/** The name id (into the columns' strs) of every row of datasetColumns(ds), -1 for none. */
export function datasetNames(ds: Pick<Dataset, 'conns' | 'nameOfConn' | 'columns'>): Int32Array {
  if (ds.columns === undefined) return connNames(ds.conns, ds.nameOfConn);
  const cols = ds.columns();
  const names = cols.names.get(ds.nameOfConn) ?? cols.names.values().next().value;
  if (names === undefined) throw new Error('column-backed dataset without names');
  return names;
}
