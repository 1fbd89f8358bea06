/**
 * A dataset's connections held as columns instead of record objects: the form a store hands
 * ten million connections to the detectors in.
 *
 * Why: read as objects, ten million connections are ten million records plus twenty million
 * unique strings (uid, community id) on the JavaScript heap, 5-7 GB; every major garbage
 * collection walks all of it, and every pass over records sorted by time is cache misses. At
 * 10 M connections from ClickHouse, reading them, sorting them and building the detectors'
 * columns from them took 105 s, most of it the heap, not the work (README, scale-out). Here a
 * connection is a row of typed arrays; its uid and community id are bytes in one pool; addresses
 * and the few distinct words (proto, service, state, history) are ids. A record object is made
 * only when something asks for one connection (`record(i)`: evidence, incident timelines).
 *
 * A store's reader appends rows in any order (ConnRowsBuilder); `finish` keeps one row per uid
 * by the rule of the record path (conn-order.ts: a final record supersedes interim ones, of
 * interim ones the longest) and puts the rows in the dataset's order: by start time, ties by
 * uid, as `ORDER BY ts, uid`. The records `record(i)` makes equal the record path's.
 */
import type { ConnRecord } from '../records/schema.js';
import { StringIds } from './intern.js';
import { stableOrderBy } from './conn-order.js';

/** Rows a builder starts with (it doubles when full). */
const INITIAL_ROWS = 1 << 14;

/** Most slots of the uid table in use. */
const UID_TABLE_LOAD = 0.6;

/** interim column: the record has no interim field, interim: false, interim: true. */
export const INTERIM_ABSENT = 0;
export const INTERIM_FALSE = 1;
export const INTERIM_TRUE = 2;

/** No VLAN tag (vlan column). */
export const NO_VLAN = -1;

/** Strings as UTF-8 bytes in one growable buffer; row i's string is bytes start[i] .. start[i] + len[i]. */
class BytePool {
  buf = Buffer.allocUnsafe(1 << 16);
  used = 0;
  private reserve(len: number): void {
    if (this.used + len > this.buf.length) {
      let cap = this.buf.length * 2;
      while (cap < this.used + len) cap *= 2;
      const b = Buffer.allocUnsafe(cap);
      this.buf.copy(b, 0, 0, this.used);
      this.buf = b;
    }
  }
  /** A string, UTF-8 encoded; its offset (the length is `lastLen`). */
  addText(s: string): number {
    this.reserve(3 * s.length);
    const at = this.used;
    this.lastLen = this.buf.write(s, at, 'utf8');
    this.used += this.lastLen;
    return at;
  }
  lastLen = 0;
  add(src: Uint8Array, from: number, len: number): number {
    this.reserve(len);
    const at = this.used;
    for (let k = 0; k < len; k++) this.buf[at + k] = src[from + k]!;
    this.used += len;
    return at;
  }
}

const encoder = new TextEncoder();

/** 32-bit FNV-1a of bytes. */
function hashBytes(b: Uint8Array, from: number, len: number): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < len; k++) h = Math.imul(h ^ b[from + k]!, 0x01000193);
  return h | 0;
}

function sameBytes(a: Uint8Array, aFrom: number, aLen: number, b: Uint8Array, bFrom: number, bLen: number): boolean {
  if (aLen !== bLen) return false;
  for (let k = 0; k < aLen; k++) if (a[aFrom + k] !== b[bFrom + k]) return false;
  return true;
}

/** The columns of connection rows (see the file comment); every array has one entry per row. */
interface Columns {
  ts: Float64Array; duration: Float64Array;
  origBytes: Float64Array; respBytes: Float64Array; missedBytes: Float64Array;
  origPkts: Float64Array; origIpBytes: Float64Array; respPkts: Float64Array; respIpBytes: Float64Array;
  origP: Int32Array; respP: Int32Array; vlan: Int32Array;
  /** Address ids (into `addrs`). */
  origH: Int32Array; respH: Int32Array;
  /** Word ids (into `words`). */
  proto: Int32Array; service: Int32Array; state: Int32Array; history: Int32Array;
  interim: Uint8Array;
  /** uid and community id: offsets and lengths into their pools. */
  uidAt: Int32Array; uidLen: Int32Array; cidAt: Int32Array; cidLen: Int32Array;
}

/**
 * Columns made by `make` from each column of `c` (or a new one of each type when `c` is
 * undefined): one object literal, so every Columns object has one fast shape (the readers write
 * some twenty of its arrays per row).
 */
function mapColumns(c: Columns | undefined, n: number, make: <T extends Float64Array | Int32Array | Uint8Array>(a: T | undefined, fresh: T) => T): Columns {
  const f = (k: keyof Columns): Float64Array => make(c?.[k] as Float64Array | undefined, new Float64Array(n));
  const i = (k: keyof Columns): Int32Array => make(c?.[k] as Int32Array | undefined, new Int32Array(n));
  return {
    ts: f('ts'), duration: f('duration'), origBytes: f('origBytes'), respBytes: f('respBytes'), missedBytes: f('missedBytes'),
    origPkts: f('origPkts'), origIpBytes: f('origIpBytes'), respPkts: f('respPkts'), respIpBytes: f('respIpBytes'),
    origP: i('origP'), respP: i('respP'), vlan: i('vlan'), origH: i('origH'), respH: i('respH'),
    proto: i('proto'), service: i('service'), state: i('state'), history: i('history'),
    interim: make(c?.interim, new Uint8Array(n)),
    uidAt: i('uidAt'), uidLen: i('uidLen'), cidAt: i('cidAt'), cidLen: i('cidLen'),
  };
}

/**
 * Rows appended by a store's reader: `const i = b.row()`, then the columns of row i, strings
 * through `addr`, `word`, `uid` and `communityId`.
 */
export class ConnRowsBuilder {
  n = 0;
  private cap: number;
  c: Columns;
  /** `expected`: rows to make room for at once (more still fit: the columns grow). */
  constructor(expected = 0) {
    this.cap = Math.max(INITIAL_ROWS, Math.floor(expected));
    this.c = mapColumns(undefined, this.cap, (_, fresh) => fresh);
  }
  readonly addrs = new StringIds();
  readonly words = new StringIds();
  readonly uids = new BytePool();
  readonly cids = new BytePool();

  /** A new row (zeroed but vlan: NO_VLAN); its index. */
  row(): number {
    if (this.n === this.cap) {
      this.cap *= 2;
      this.c = mapColumns(this.c, this.cap, (a, fresh) => { fresh.set(a!); return fresh; });
    }
    this.c.vlan[this.n] = NO_VLAN;
    return this.n++;
  }
  /** `k` new rows at once (as row() each); the first one's index. */
  rows(k: number): number {
    if (this.n + k > this.cap) {
      while (this.n + k > this.cap) this.cap *= 2;
      this.c = mapColumns(this.c, this.cap, (a, fresh) => { fresh.set(a!); return fresh; });
    }
    const first = this.n;
    this.c.vlan.fill(NO_VLAN, first, first + k);
    this.n += k;
    return first;
  }
  addr(s: string): number { return this.addrs.id(s); }
  word(s: string): number { return this.words.id(s); }
  /** Row i's uid: `len` bytes of `src` from `from`. */
  uid(i: number, src: Uint8Array, from: number, len: number): void {
    this.c.uidAt[i] = this.uids.add(src, from, len);
    this.c.uidLen[i] = len;
  }
  communityId(i: number, src: Uint8Array, from: number, len: number): void {
    this.c.cidAt[i] = this.cids.add(src, from, len);
    this.c.cidLen[i] = len;
  }
  /** Row i's uid and community id from strings. */
  uidText(i: number, s: string): void {
    this.c.uidAt[i] = this.uids.addText(s);
    this.c.uidLen[i] = this.uids.lastLen;
  }
  communityIdText(i: number, s: string): void {
    this.c.cidAt[i] = this.cids.addText(s);
    this.c.cidLen[i] = this.cids.lastLen;
  }

  /** Append a record (tests, and stores that read records). */
  add(r: ConnRecord): void {
    const i = this.row();
    const c = this.c;
    c.ts[i] = r.ts; c.duration[i] = r.duration;
    c.origBytes[i] = r.orig_bytes; c.respBytes[i] = r.resp_bytes; c.missedBytes[i] = r.missed_bytes;
    c.origPkts[i] = r.orig_pkts; c.origIpBytes[i] = r.orig_ip_bytes; c.respPkts[i] = r.resp_pkts; c.respIpBytes[i] = r.resp_ip_bytes;
    c.origP[i] = r.orig_p; c.respP[i] = r.resp_p;
    if (r.vlan !== undefined) c.vlan[i] = r.vlan;
    c.origH[i] = this.addr(r.orig_h); c.respH[i] = this.addr(r.resp_h);
    c.proto[i] = this.word(r.proto); c.service[i] = this.word(r.service); c.state[i] = this.word(r.conn_state); c.history[i] = this.word(r.history);
    if (r.interim !== undefined) c.interim[i] = r.interim ? INTERIM_TRUE : INTERIM_FALSE;
    this.uidText(i, r.uid);
    this.communityIdText(i, r.community_id);
  }

  /**
   * The rows as a dataset's list: one per uid (a final row supersedes interim ones; of interim
   * ones the longest; else the first), ordered by start time, ties by uid. The builder is spent.
   */
  finish(): ConnRows {
    const n = this.n;
    const c = this.c;
    const { uidAt, uidLen, interim, duration } = c;
    const pool = this.uids.buf;
    // One row per uid: an open-addressing table keyed by the uid's bytes; slot j holds the kept
    // index (table[2j], -1 empty) and the hash (table[2j + 1]): one cache line per probe.
    let cap = 16;
    while (cap * UID_TABLE_LOAD < n) cap *= 2;
    const mask = cap - 1;
    const table = new Int32Array(2 * cap).fill(-1);
    const keep = new Int32Array(n); // kept index -> row
    let u = 0;
    for (let i = 0; i < n; i++) {
      const at = uidAt[i]!, len = uidLen[i]!;
      const h = hashBytes(pool, at, len);
      let j = h & mask;
      for (;;) {
        const k = table[2 * j]!;
        if (k === -1) {
          table[2 * j] = u;
          table[2 * j + 1] = h;
          keep[u++] = i;
          break;
        }
        if (table[2 * j + 1] === h) {
          const p = keep[k]!;
          if (sameBytes(pool, uidAt[p]!, uidLen[p]!, pool, at, len)) {
            if (interim[p] === INTERIM_TRUE && (interim[i] !== INTERIM_TRUE || duration[i]! >= duration[p]!)) keep[k] = i;
            break;
          }
        }
        j = (j + 1) & mask;
      }
    }
    // Time order (stable), then runs of equal start times by uid.
    const ts = new Float64Array(u);
    for (let k = 0; k < u; k++) ts[k] = c.ts[keep[k]!]!;
    const order = stableOrderBy(ts);
    const uidText = (row: number): string => pool.toString('utf8', uidAt[row]!, uidAt[row]! + uidLen[row]!);
    for (let a = 0; a < u;) {
      let b = a + 1;
      while (b < u && ts[order[b]!] === ts[order[a]!]) b++;
      if (b - a > 1) {
        const run = Array.from(order.subarray(a, b)).map((k) => ({ k, uid: uidText(keep[k]!) }));
        run.sort((x, y) => (x.uid < y.uid ? -1 : x.uid > y.uid ? 1 : 0));
        for (let q = 0; q < run.length; q++) order[a + q] = run[q]!.k;
      }
      a = b;
    }
    // The rows stay where they arrived (moving twenty columns into time order was a third of the
    // read at 10 M rows: every move a cache miss); list index i is row listRow[i]. The uid table
    // then answers list indices.
    const listRow = new Int32Array(u);
    for (let i = 0; i < u; i++) {
      const k = order[i]!;
      listRow[i] = keep[k]!;
      keep[k] = i; // kept index -> list index, for the table
    }
    for (let j = 0; j < cap; j++) if (table[2 * j] !== -1) table[2 * j] = keep[table[2 * j]!]!;
    const cols = this.c;
    this.c = mapColumns(undefined, 0, (_, fresh) => fresh);
    this.n = 0;
    return new ConnRows(u, listRow, cols, this.addrs, this.words, this.uids.buf, this.cids.buf, table, mask);
  }
}

/**
 * Connections as columns (see the file comment), made by ConnRowsBuilder.finish: list index i
 * (the dataset's order) is row `row[i]` of the columns `c`, which keep the order the rows
 * arrived in.
 */
export class ConnRows {
  /** Earliest start and latest end (ts + duration); 0 and 0 when there is no row. */
  readonly start: number;
  readonly end: number;
  constructor(
    readonly n: number,
    /** List index -> row of `c`. */
    readonly row: Int32Array,
    readonly c: Readonly<Columns>,
    readonly addrs: StringIds,
    readonly words: StringIds,
    private readonly uidPool: Buffer,
    private readonly cidPool: Buffer,
    /** uid table: list index and hash per slot (see finish). */
    private readonly table: Int32Array,
    private readonly mask: number,
  ) {
    let start = Infinity, end = -Infinity;
    for (let k = 0; k < n; k++) {
      const r = row[k]!;
      const t = c.ts[r]!;
      if (t < start) start = t;
      const e = t + c.duration[r]!;
      if (e > end) end = e;
    }
    if (!Number.isFinite(start)) { start = 0; end = 0; }
    this.start = start;
    this.end = end;
  }

  /** The i-th connection's uid. */
  uid(i: number): string {
    const r = this.row[i]!;
    const at = this.c.uidAt[r]!;
    return this.uidPool.toString('utf8', at, at + this.c.uidLen[r]!);
  }

  /** The list index of the connection with this uid, -1 when none. */
  indexOfUid(uid: string): number {
    const b = encoder.encode(uid);
    const h = hashBytes(b, 0, b.length);
    for (let j = h & this.mask; ; j = (j + 1) & this.mask) {
      const i = this.table[2 * j]!;
      if (i === -1) return -1;
      const r = this.row[i]!;
      if (this.table[2 * j + 1] === h && sameBytes(this.uidPool, this.c.uidAt[r]!, this.c.uidLen[r]!, b, 0, b.length)) return i;
    }
  }

  orig_h(i: number): string { return this.addrs.values[this.c.origH[this.row[i]!]!]!; }
  resp_h(i: number): string { return this.addrs.values[this.c.respH[this.row[i]!]!]!; }

  /** The i-th connection as a record (a new object each call), equal to the record the store holds. */
  record(i: number): ConnRecord {
    const c = this.c;
    const w = this.words.values;
    const k = this.row[i]!;
    const cidAt = c.cidAt[k]!;
    const r: ConnRecord = {
      ts: c.ts[k]!, uid: this.uid(i), orig_h: this.orig_h(i), orig_p: c.origP[k]!, resp_h: this.resp_h(i), resp_p: c.respP[k]!,
      community_id: this.cidPool.toString('utf8', cidAt, cidAt + c.cidLen[k]!), proto: w[c.proto[k]!] as ConnRecord['proto'],
      service: w[c.service[k]!]!, duration: c.duration[k]!, orig_bytes: c.origBytes[k]!, resp_bytes: c.respBytes[k]!,
      conn_state: w[c.state[k]!]!, missed_bytes: c.missedBytes[k]!, history: w[c.history[k]!]!, orig_pkts: c.origPkts[k]!,
      orig_ip_bytes: c.origIpBytes[k]!, resp_pkts: c.respPkts[k]!, resp_ip_bytes: c.respIpBytes[k]!,
    };
    if (c.vlan[k] !== NO_VLAN) r.vlan = c.vlan[k]!;
    const im = c.interim[k]!;
    if (im !== INTERIM_ABSENT) r.interim = im === INTERIM_TRUE;
    return r;
  }

  /** Every distinct destination address, in order of first appearance in the list. */
  destinations(): string[] {
    const seen = new Uint8Array(this.addrs.size);
    const out: string[] = [];
    const respH = this.c.respH;
    for (let i = 0; i < this.n; i++) {
      const d = respH[this.row[i]!]!;
      if (seen[d] === 0) { seen[d] = 1; out.push(this.addrs.values[d]!); }
    }
    return out;
  }
}
