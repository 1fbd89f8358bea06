/**
 * How records map to the ClickHouse raw tables: one column per record field, in table order,
 * between the `day` partition column (first) and the `ingest_id`, `blk` columns (last). The
 * tables themselves are created by the migrations (migrations.ts); a test checks that both agree
 * and that every field the DuckDB backend stores is stored here too.
 *
 * Representation (documented once, here):
 * - `ts` is Int64 microseconds since the epoch (`Time`): exact, portable, cheap to compare; the
 *   store converts to and from the records' float seconds (the conversion is exact for every
 *   microsecond-precision time). `day` (Date, UTC) is `ts` truncated to the day: the partition key.
 * - Fields the record type requires are plain columns; optional ones are `Nullable`, so an absent
 *   field reads back absent. ClickHouse has no `Nullable(Array)`: an optional list has a
 *   companion `has_<name>` UInt8 column (0: absent).
 * - Flags are UInt8 (read back as booleans); counters Int64; ports, ids and codes Int32.
 */
import type { RecordKind, RecordMap } from '../../records/schema.js';
import type { RowBinaryReader, RowBinaryWriter } from './row-binary.js';
import { eachString, float64Column, int32Column, int64Column, type NativeBlock } from './native.js';
import { StringCache } from '../strings.js';
import { INTERIM_ABSENT, INTERIM_FALSE, INTERIM_TRUE, NO_VLAN, type ConnRowsBuilder } from '../../detect/conn-rows.js';

/** Value types of columns (how a record value is written and read back). */
export const enum T {
  String, Int32, Int64, UInt8, Float64, Bool,
  /** Int64 microseconds in the table, float seconds in the record. */
  Time,
  /** Array(String). */
  Strings,
  /** Array(Float64). */
  Floats,
}

/** A record field stored in a column. */
export interface ColumnDef<R> {
  /** Column name (the field name in lower case). */
  name: string;
  type: T;
  nullable: boolean;
  /** The record field it holds (when it differs from `name`). */
  field: string;
  get: (r: R) => unknown;
  /** For an optional list: the UInt8 column telling whether the field was present. */
  presence?: string;
}

/** The ClickHouse type of a column definition. */
export function chType(c: { type: T; nullable: boolean }): string {
  const base = ['String', 'Int32', 'Int64', 'UInt8', 'Float64', 'UInt8', 'Int64', 'Array(String)', 'Array(Float64)'][c.type]!;
  return c.nullable ? `Nullable(${base})` : base;
}

function col<R>(name: string, type: T, get: (r: R) => unknown, opts: { nullable?: boolean; field?: string } = {}): ColumnDef<R> {
  return { name, type, nullable: opts.nullable === true, field: opts.field ?? name, get };
}
function opt<R>(name: string, type: T, get: (r: R) => unknown, field?: string): ColumnDef<R> {
  return col(name, type, get, { nullable: true, ...(field !== undefined ? { field } : {}) });
}
/** An optional list: the list column (empty when absent) and its presence column. */
function optList<R>(name: string, get: (r: R) => string[] | undefined): ColumnDef<R>[] {
  return [
    { name, type: T.Strings, nullable: false, field: name, get: (r) => get(r) ?? [], presence: `has_${name}` },
    { name: `has_${name}`, type: T.UInt8, nullable: false, field: '', get: (r) => (get(r) === undefined ? 0 : 1) },
  ];
}

type Flow = RecordMap['conn'] | RecordMap['dns'] | RecordMap['tls'] | RecordMap['http'] | RecordMap['mining'] | RecordMap['ssh'];
function flow<R extends Flow>(): ColumnDef<R>[] {
  return [
    col<R>('ts', T.Time, (r) => r.ts), col<R>('uid', T.String, (r) => r.uid),
    col<R>('orig_h', T.String, (r) => r.orig_h), col<R>('orig_p', T.Int32, (r) => r.orig_p),
    col<R>('resp_h', T.String, (r) => r.resp_h), col<R>('resp_p', T.Int32, (r) => r.resp_p),
  ];
}

type C = RecordMap['conn'];
type D = RecordMap['dns'];
type Tl = RecordMap['tls'];
type H = RecordMap['http'];
type M = RecordMap['mining'];
type S = RecordMap['ssh'];
type W = RecordMap['weird'];

/** Field columns of each raw table, in table order (between `day` and `ingest_id`, `blk`). */
export const RAW_COLUMNS: { [K in RecordKind]: readonly ColumnDef<RecordMap[K]>[] } = {
  conn: [
    ...flow<C>(), col<C>('community_id', T.String, (r) => r.community_id), col<C>('proto', T.String, (r) => r.proto),
    col<C>('service', T.String, (r) => r.service), col<C>('duration', T.Float64, (r) => r.duration),
    col<C>('orig_bytes', T.Int64, (r) => r.orig_bytes), col<C>('resp_bytes', T.Int64, (r) => r.resp_bytes),
    col<C>('conn_state', T.String, (r) => r.conn_state), col<C>('missed_bytes', T.Int64, (r) => r.missed_bytes),
    col<C>('history', T.String, (r) => r.history), col<C>('orig_pkts', T.Int64, (r) => r.orig_pkts),
    col<C>('orig_ip_bytes', T.Int64, (r) => r.orig_ip_bytes), col<C>('resp_pkts', T.Int64, (r) => r.resp_pkts),
    col<C>('resp_ip_bytes', T.Int64, (r) => r.resp_ip_bytes), opt<C>('vlan', T.Int32, (r) => r.vlan),
    opt<C>('interim', T.Bool, (r) => r.interim),
  ],
  dns: [
    ...flow<D>(), col<D>('proto', T.String, (r) => r.proto), col<D>('trans_id', T.Int32, (r) => r.trans_id),
    opt<D>('rtt', T.Float64, (r) => r.rtt), col<D>('query', T.String, (r) => r.query), opt<D>('qclass', T.Int32, (r) => r.qclass),
    opt<D>('qclass_name', T.String, (r) => r.qclass_name), opt<D>('qtype', T.Int32, (r) => r.qtype),
    opt<D>('qtype_name', T.String, (r) => r.qtype_name), opt<D>('rcode', T.Int32, (r) => r.rcode),
    opt<D>('rcode_name', T.String, (r) => r.rcode_name), col<D>('aa', T.Bool, (r) => r.AA, { field: 'AA' }),
    col<D>('tc', T.Bool, (r) => r.TC, { field: 'TC' }), col<D>('rd', T.Bool, (r) => r.RD, { field: 'RD' }),
    col<D>('ra', T.Bool, (r) => r.RA, { field: 'RA' }), col<D>('z', T.Int32, (r) => r.Z, { field: 'Z' }),
    col<D>('answers', T.Strings, (r) => r.answers), col<D>('ttls', T.Floats, (r) => r.TTLs, { field: 'TTLs' }),
    col<D>('rejected', T.Bool, (r) => r.rejected),
  ],
  tls: [
    ...flow<Tl>(), opt<Tl>('version', T.String, (r) => r.version), opt<Tl>('cipher', T.String, (r) => r.cipher),
    opt<Tl>('server_name', T.String, (r) => r.server_name), ...optList<Tl>('alpn', (r) => r.alpn),
    opt<Tl>('next_protocol', T.String, (r) => r.next_protocol), ...optList<Tl>('client_versions', (r) => r.client_versions),
    opt<Tl>('ja3', T.String, (r) => r.ja3), opt<Tl>('ja3_string', T.String, (r) => r.ja3_string), opt<Tl>('ja3s', T.String, (r) => r.ja3s),
    opt<Tl>('ja3s_string', T.String, (r) => r.ja3s_string), opt<Tl>('ja4', T.String, (r) => r.ja4),
    col<Tl>('established', T.Bool, (r) => r.established), opt<Tl>('subject', T.String, (r) => r.subject),
    opt<Tl>('issuer', T.String, (r) => r.issuer),
    // Certificate validity is an attribute, not an event time (and may lie centuries ahead): float seconds.
    opt<Tl>('not_valid_before', T.Float64, (r) => r.not_valid_before), opt<Tl>('not_valid_after', T.Float64, (r) => r.not_valid_after),
    opt<Tl>('self_signed', T.Bool, (r) => r.self_signed), opt<Tl>('cert_sha1', T.String, (r) => r.cert_sha1),
  ],
  http: [
    ...flow<H>(), col<H>('trans_depth', T.Int32, (r) => r.trans_depth), opt<H>('method', T.String, (r) => r.method),
    opt<H>('host', T.String, (r) => r.host), opt<H>('uri', T.String, (r) => r.uri), opt<H>('referrer', T.String, (r) => r.referrer),
    opt<H>('version', T.String, (r) => r.version), opt<H>('user_agent', T.String, (r) => r.user_agent),
    col<H>('request_body_len', T.Int64, (r) => r.request_body_len), col<H>('response_body_len', T.Int64, (r) => r.response_body_len),
    opt<H>('status_code', T.Int32, (r) => r.status_code), opt<H>('status_msg', T.String, (r) => r.status_msg),
  ],
  mining: [
    ...flow<M>(), col<M>('protocol', T.String, (r) => r.protocol), col<M>('method', T.String, (r) => r.method),
    col<M>('is_orig', T.Bool, (r) => r.is_orig), opt<M>('agent', T.String, (r) => r.agent),
    opt<M>('login_hash', T.String, (r) => r.login_hash), opt<M>('algo', T.String, (r) => r.algo),
  ],
  ssh: [...flow<S>(), opt<S>('client', T.String, (r) => r.client), opt<S>('server', T.String, (r) => r.server)],
  weird: [
    col<W>('ts', T.Time, (r) => r.ts), col<W>('uid', T.String, (r) => r.uid),
    opt<W>('orig_h', T.String, (r) => r.orig_h), opt<W>('orig_p', T.Int32, (r) => r.orig_p),
    opt<W>('resp_h', T.String, (r) => r.resp_h), opt<W>('resp_p', T.Int32, (r) => r.resp_p),
    col<W>('name', T.String, (r) => r.name), opt<W>('addl', T.String, (r) => r.addl),
  ],
};

/** Seconds per day (the partition unit). */
const DAY_SECONDS = 86400;
/** Largest day number a ClickHouse Date holds (2149-06-06). */
const MAX_DAY = 65535;

/** Microseconds of a float epoch second (exact for microsecond-precision times). */
export function toMicros(seconds: number): number {
  return Math.round(seconds * 1e6);
}

/** The UTC day number (days since 1970-01-01) of an epoch second, clamped to the Date range. */
export function dayOf(seconds: number): number {
  const d = Math.floor(seconds / DAY_SECONDS);
  return d < 0 ? 0 : d > MAX_DAY ? MAX_DAY : d;
}

/**
 * The smallest whole microsecond `u` whose float second `u / 1e6` is at least `seconds`, so that
 * `ts_us >= bound(x)` selects exactly the rows whose float `ts >= x` (and `ts_us < bound(x)`
 * those with `ts < x`). Clamped far beyond any stored time.
 */
export function microsBound(seconds: number): number {
  const LIMIT = 2 ** 53 - 1;
  let u = Math.ceil(seconds * 1e6);
  if (u > LIMIT) return LIMIT;
  if (u < -LIMIT) return -LIMIT;
  while ((u - 1) / 1e6 >= seconds) u--;
  while (u / 1e6 < seconds) u++;
  return u;
}

/** Write one value of a column (NULL byte first for Nullable columns). */
export function writeValue(w: RowBinaryWriter, type: T, nullable: boolean, v: unknown): void {
  if (nullable) {
    if (v === undefined || v === null) { w.u8(1); return; }
    w.u8(0);
  }
  switch (type) {
    case T.String: w.str(typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v)); return;
    case T.Int32: w.i32(typeof v === 'number' ? v : 0); return;
    case T.Int64: w.i64(typeof v === 'number' ? v : 0); return;
    case T.UInt8: w.u8(typeof v === 'number' ? v : 0); return;
    case T.Float64: w.f64(typeof v === 'number' ? v : 0); return;
    case T.Bool: w.u8(v === true ? 1 : 0); return;
    case T.Time: w.i64(typeof v === 'number' ? toMicros(v) : 0); return;
    case T.Strings: {
      const a = Array.isArray(v) ? (v as unknown[]) : [];
      w.varint(a.length);
      for (const x of a) w.str(typeof x === 'string' ? x : String(x));
      return;
    }
    case T.Floats: {
      const a = Array.isArray(v) ? (v as unknown[]) : [];
      w.varint(a.length);
      for (const x of a) w.f64(typeof x === 'number' ? x : Number(x));
      return;
    }
  }
}

/** A number read back from JSON output (`inf`, `-inf`, `nan` arrive as strings). */
export function jsonNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'inf' || v === '+inf') return Infinity;
    if (v === '-inf') return -Infinity;
    if (/nan/.test(v)) return NaN;
    return Number(v);
  }
  return 0;
}

/** The column list of a raw table's SELECT (every stored field column). */
export function selectColumns(kind: RecordKind): string {
  return RAW_COLUMNS[kind].map((c) => c.name).join(', ');
}

/** Insert column list of a raw table: day, the field columns, ingest_id, blk. */
export function insertColumns(kind: RecordKind): string[] {
  return ['day', ...RAW_COLUMNS[kind].map((c) => c.name), 'ingest_id', 'blk'];
}

/**
 * Write one record as a RowBinary row of its raw table (day, fields, ingest id, block number).
 * The caller counts the row.
 */
export function writeRecord<K extends RecordKind>(w: RowBinaryWriter, kind: K, rec: RecordMap[K], ingestId: number, blk: number): void {
  w.u16(dayOf(rec.ts));
  const cols = RAW_COLUMNS[kind] as readonly ColumnDef<RecordMap[K]>[];
  for (let i = 0; i < cols.length; i++) {
    const c = cols[i]!;
    writeValue(w, c.type, c.nullable, c.get(rec));
  }
  w.i64(ingestId);
  w.u32(blk);
  w.endRow();
}

/** Read one value of a column written as {@link chType} says; undefined for NULL. */
function readValue(r: RowBinaryReader, type: T, nullable: boolean): unknown {
  if (nullable && r.u8() === 1) return undefined;
  switch (type) {
    case T.String: return r.str();
    case T.Int32: return r.i32();
    case T.Int64: return r.i64();
    case T.UInt8: return r.u8();
    case T.Float64: return r.f64();
    case T.Bool: return r.u8() === 1;
    case T.Time: return r.i64() / 1e6;
    case T.Strings: {
      const n = r.varint();
      const a: string[] = new Array<string>(n);
      for (let i = 0; i < n; i++) a[i] = r.str();
      return a;
    }
    case T.Floats: {
      const n = r.varint();
      const a: number[] = new Array<number>(n);
      for (let i = 0; i < n; i++) a[i] = r.f64();
      return a;
    }
  }
}

/**
 * Read one record of `kind` from RowBinary output of `SELECT <selectColumns(kind)>`: NULL columns
 * and absent lists become absent fields. Throws NeedMoreBytes when the row is incomplete.
 */
export function readRecord<K extends RecordKind>(r: RowBinaryReader, kind: K): RecordMap[K] {
  if (kind === 'conn' && CONN_FAST) return readConn(r) as RecordMap[K];
  if (kind === 'dns' && DNS_FAST) return readDns(r) as RecordMap[K];
  const out: Record<string, unknown> = {};
  const cols = RAW_COLUMNS[kind] as readonly ColumnDef<RecordMap[K]>[];
  let list: { field: string; v: unknown } | undefined;
  for (let i = 0; i < cols.length; i++) {
    const c = cols[i]!;
    const v = readValue(r, c.type, c.nullable);
    if (c.presence !== undefined) { list = { field: c.field, v }; continue; }
    if (c.field === '') {
      // The presence column follows its list: keep the list only when it was present.
      if (list !== undefined && v === 1) out[list.field] = list.v;
      list = undefined;
      continue;
    }
    if (v !== undefined) out[c.field] = v;
  }
  return out as unknown as RecordMap[K];
}

/**
 * A reader of conn rows (RowBinary of {@link selectColumns}('conn')) into column-backed rows
 * (conn-rows.ts): no record, no uid or community-id string. Every field is read before the row
 * is added, so a row cut off at the end of a chunk (the reader throws for more bytes) adds nothing.
 */
export function connRowReader(b: ConnRowsBuilder): (r: RowBinaryReader) => void {
  if (!CONN_FAST) return (r) => b.add(readRecord(r, 'conn'));
  return (r) => {
    const ts = r.i64() / 1e6;
    const uidAt = r.span(), uidLen = r.spanLen;
    const origH = r.str(), origP = r.i32(), respH = r.str(), respP = r.i32();
    const cidAt = r.span(), cidLen = r.spanLen;
    const proto = r.str(), service = r.str(), duration = r.f64(), origBytes = r.i64(), respBytes = r.i64();
    const state = r.str(), missed = r.i64(), history = r.str();
    const origPkts = r.i64(), origIp = r.i64(), respPkts = r.i64(), respIp = r.i64();
    const vlan = r.u8() === 0 ? r.i32() : NO_VLAN;
    const interim = r.u8() === 0 ? (r.u8() === 1 ? INTERIM_TRUE : INTERIM_FALSE) : INTERIM_ABSENT;
    const i = b.row();
    const c = b.c;
    c.ts[i] = ts; c.duration[i] = duration;
    c.origBytes[i] = origBytes; c.respBytes[i] = respBytes; c.missedBytes[i] = missed;
    c.origPkts[i] = origPkts; c.origIpBytes[i] = origIp; c.respPkts[i] = respPkts; c.respIpBytes[i] = respIp;
    c.origP[i] = origP; c.respP[i] = respP; c.vlan[i] = vlan;
    c.origH[i] = b.addr(origH); c.respH[i] = b.addr(respH);
    c.proto[i] = b.word(proto); c.service[i] = b.word(service); c.state[i] = b.word(state); c.history[i] = b.word(history);
    c.interim[i] = interim;
    b.uid(i, r.buf, uidAt, uidLen);
    b.communityId(i, r.buf, cidAt, cidLen);
  };
}

/** The conn columns of {@link selectColumns}('conn') and their ClickHouse types, as Native blocks bring them. */
const CONN_NATIVE: readonly [string, string][] = [
  ['ts', 'Int64'], ['uid', 'String'], ['orig_h', 'String'], ['orig_p', 'Int32'], ['resp_h', 'String'], ['resp_p', 'Int32'],
  ['community_id', 'String'], ['proto', 'String'], ['service', 'String'], ['duration', 'Float64'], ['orig_bytes', 'Int64'],
  ['resp_bytes', 'Int64'], ['conn_state', 'String'], ['missed_bytes', 'Int64'], ['history', 'String'], ['orig_pkts', 'Int64'],
  ['orig_ip_bytes', 'Int64'], ['resp_pkts', 'Int64'], ['resp_ip_bytes', 'Int64'], ['vlan', 'Nullable(Int32)'], ['interim', 'Nullable(UInt8)'],
];

/**
 * A reader of Native blocks of conn rows (native.ts) into column-backed rows: numeric columns in
 * one copy each, strings through the cache and the builder's ids, uid and community id as bytes.
 * The block's columns must be {@link selectColumns}('conn') with the table's types.
 */
export function connBlockReader(b: ConnRowsBuilder): (block: NativeBlock) => void {
  const strings = new StringCache();
  return (block) => {
    const cols = block.columns;
    if (cols.length !== CONN_NATIVE.length || cols.some((c, i) => c.name !== CONN_NATIVE[i]![0] || c.type !== CONN_NATIVE[i]![1])) {
      throw new Error(`Cannot read connections: the server answered columns ${cols.map((c) => `${c.name} ${c.type}`).join(', ')}`);
    }
    const n = block.rows;
    if (n === 0) return;
    const at = b.rows(n);
    const c = b.c;
    const d = (k: number): Buffer => cols[k]!.data;
    int64Column(d(0), n, c.ts, at, 1e6);
    const uids = d(1), cids = d(6);
    eachString(uids, n, (i, s, len) => b.uid(at + i, uids, s, len));
    const ids = (k: number, out: Int32Array, id: (s: string) => number): void => {
      const data = d(k);
      eachString(data, n, (i, s, len) => { out[at + i] = id(strings.get(data, s, len)); });
    };
    ids(2, c.origH, (x) => b.addr(x));
    int32Column(d(3), n, c.origP, at);
    ids(4, c.respH, (x) => b.addr(x));
    int32Column(d(5), n, c.respP, at);
    eachString(cids, n, (i, s, len) => b.communityId(at + i, cids, s, len));
    ids(7, c.proto, (x) => b.word(x));
    ids(8, c.service, (x) => b.word(x));
    float64Column(d(9), n, c.duration, at);
    int64Column(d(10), n, c.origBytes, at);
    int64Column(d(11), n, c.respBytes, at);
    ids(12, c.state, (x) => b.word(x));
    int64Column(d(13), n, c.missedBytes, at);
    ids(14, c.history, (x) => b.word(x));
    int64Column(d(15), n, c.origPkts, at);
    int64Column(d(16), n, c.origIpBytes, at);
    int64Column(d(17), n, c.respPkts, at);
    int64Column(d(18), n, c.respIpBytes, at);
    // Nullable: a NULL flag per row, then a value per row (whatever it is under a NULL).
    const vlan = d(19), interim = d(20);
    for (let i = 0; i < n; i++) {
      if (vlan[i] === 0) c.vlan[at + i] = vlan.readInt32LE(n + 4 * i);
      c.interim[at + i] = interim[i] !== 0 ? INTERIM_ABSENT : interim[n + i] === 1 ? INTERIM_TRUE : INTERIM_FALSE;
    }
  };
}

/** The dns columns {@link readDns} reads, in table order (checked against RAW_COLUMNS at load). */
const DNS_ORDER = 'ts uid orig_h orig_p resp_h resp_p proto trans_id rtt query qclass qclass_name qtype qtype_name rcode rcode_name aa tc rd ra z answers ttls rejected';
const DNS_FAST = RAW_COLUMNS.dns.map((c) => c.name).join(' ') === DNS_ORDER;

/** A nullable Int32 / Float64 / String column: undefined for NULL. */
function optI32(r: RowBinaryReader): number | undefined { return r.u8() === 1 ? undefined : r.i32(); }
function optF64(r: RowBinaryReader): number | undefined { return r.u8() === 1 ? undefined : r.f64(); }
function optStr(r: RowBinaryReader): string | undefined { return r.u8() === 1 ? undefined : r.str(); }

/**
 * A dns record read by straight-line code (every partition of a run reads all of them): the
 * fields in the generic reader's order, optional ones only when not NULL, so the record equals
 * the generic path's (the contract's round-trip test).
 */
function readDns(r: RowBinaryReader): RecordMap['dns'] {
  const d: Record<string, unknown> = {
    ts: r.i64() / 1e6, uid: r.str(), orig_h: r.str(), orig_p: r.i32(), resp_h: r.str(), resp_p: r.i32(), proto: r.str(), trans_id: r.i32(),
  };
  // Optional fields only when not NULL, in column order.
  const put = (k: string, v: unknown): void => { if (v !== undefined) d[k] = v; };
  put('rtt', optF64(r));
  d.query = r.str();
  put('qclass', optI32(r));
  put('qclass_name', optStr(r));
  put('qtype', optI32(r));
  put('qtype_name', optStr(r));
  put('rcode', optI32(r));
  put('rcode_name', optStr(r));
  d.AA = r.u8() === 1;
  d.TC = r.u8() === 1;
  d.RD = r.u8() === 1;
  d.RA = r.u8() === 1;
  d.Z = r.i32();
  const na = r.varint();
  const answers = new Array<string>(na);
  for (let i = 0; i < na; i++) answers[i] = r.str();
  d.answers = answers;
  const nt = r.varint();
  const ttls = new Array<number>(nt);
  for (let i = 0; i < nt; i++) ttls[i] = r.f64();
  d.TTLs = ttls;
  d.rejected = r.u8() === 1;
  return d as unknown as RecordMap['dns'];
}

/** The conn columns {@link readConn} reads, in table order (checked against RAW_COLUMNS at load). */
const CONN_ORDER = 'ts uid orig_h orig_p resp_h resp_p community_id proto service duration orig_bytes resp_bytes conn_state missed_bytes history orig_pkts orig_ip_bytes resp_pkts resp_ip_bytes vlan interim';
const CONN_FAST = RAW_COLUMNS.conn.map((c) => c.name).join(' ') === CONN_ORDER;

/**
 * A conn record read by straight-line code (the bulk of every dataset): one object literal
 * with the fields in one order, so every record shares one shape, instead of the generic
 * column loop's keyed stores. Same result as the generic path (the contract's round-trip test).
 */
function readConn(r: RowBinaryReader): RecordMap['conn'] {
  const c: RecordMap['conn'] = {
    ts: r.i64() / 1e6, uid: r.str(), orig_h: r.str(), orig_p: r.i32(), resp_h: r.str(), resp_p: r.i32(),
    community_id: r.str(), proto: r.str() as RecordMap['conn']['proto'], service: r.str(), duration: r.f64(), orig_bytes: r.i64(), resp_bytes: r.i64(),
    conn_state: r.str(), missed_bytes: r.i64(), history: r.str(), orig_pkts: r.i64(), orig_ip_bytes: r.i64(),
    resp_pkts: r.i64(), resp_ip_bytes: r.i64(),
  };
  if (r.u8() === 0) c.vlan = r.i32();
  if (r.u8() === 0) c.interim = r.u8() === 1;
  return c;
}
