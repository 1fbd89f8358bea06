/**
 * How records map to the raw tables: one column per record field, in table order, plus the id of
 * the ingest that stored the row (last column). The tables themselves are created by the
 * migrations (migrations.ts); `ChunkAppender.create` checks that both agree, and a test reads
 * every column back.
 *
 * Column names are the record field names in lower case (DuckDB identifiers are case-insensitive:
 * the DNS flags `AA`, `TC`, `RD`, `RA`, `Z` and `TTLs` become `aa` ... `ttls`).
 */
import type { RecordKind, RecordMap } from '../../records/schema.js';
import type { Column, ColumnType } from './chunk-appender.js';

/** A record field stored in a column: column name and type, the field it holds, and a getter. */
interface FieldColumn<R> {
  name: string;
  type: ColumnType;
  field: string;
  /** Reads the field; one literal property access per column keeps the append loop monomorphic. */
  get: (r: R) => unknown;
}

function f<R>(name: string, type: ColumnType, get: (r: R) => unknown, field = name): FieldColumn<R> {
  return { name, type, field, get };
}

type Flow = RecordMap['conn'] | RecordMap['dns'] | RecordMap['tls'] | RecordMap['http'] | RecordMap['mining'] | RecordMap['ssh'];
function flow<R extends Flow>(): FieldColumn<R>[] {
  return [
    f<R>('ts', 'DOUBLE', (r) => r.ts), f<R>('uid', 'VARCHAR', (r) => r.uid),
    f<R>('orig_h', 'VARCHAR', (r) => r.orig_h), f<R>('orig_p', 'INTEGER', (r) => r.orig_p),
    f<R>('resp_h', 'VARCHAR', (r) => r.resp_h), f<R>('resp_p', 'INTEGER', (r) => r.resp_p),
  ];
}

type C = RecordMap['conn'];
type D = RecordMap['dns'];
type T = RecordMap['tls'];
type H = RecordMap['http'];
type M = RecordMap['mining'];
type S = RecordMap['ssh'];
type W = RecordMap['weird'];

/** Field columns of each raw table, in table order (the ingest id follows them). */
export const TABLE_FIELDS: { [K in RecordKind]: readonly FieldColumn<RecordMap[K]>[] } = {
  conn: [
    ...flow<C>(), f<C>('community_id', 'VARCHAR', (r) => r.community_id), f<C>('proto', 'VARCHAR', (r) => r.proto),
    f<C>('service', 'VARCHAR', (r) => r.service), f<C>('duration', 'DOUBLE', (r) => r.duration),
    f<C>('orig_bytes', 'BIGINT', (r) => r.orig_bytes), f<C>('resp_bytes', 'BIGINT', (r) => r.resp_bytes),
    f<C>('conn_state', 'VARCHAR', (r) => r.conn_state), f<C>('missed_bytes', 'BIGINT', (r) => r.missed_bytes),
    f<C>('history', 'VARCHAR', (r) => r.history), f<C>('orig_pkts', 'BIGINT', (r) => r.orig_pkts),
    f<C>('orig_ip_bytes', 'BIGINT', (r) => r.orig_ip_bytes), f<C>('resp_pkts', 'BIGINT', (r) => r.resp_pkts),
    f<C>('resp_ip_bytes', 'BIGINT', (r) => r.resp_ip_bytes), f<C>('vlan', 'INTEGER', (r) => r.vlan),
    f<C>('interim', 'BOOLEAN', (r) => r.interim),
  ],
  dns: [
    ...flow<D>(), f<D>('proto', 'VARCHAR', (r) => r.proto), f<D>('trans_id', 'INTEGER', (r) => r.trans_id),
    f<D>('rtt', 'DOUBLE', (r) => r.rtt), f<D>('query', 'VARCHAR', (r) => r.query), f<D>('qclass', 'INTEGER', (r) => r.qclass),
    f<D>('qclass_name', 'VARCHAR', (r) => r.qclass_name), f<D>('qtype', 'INTEGER', (r) => r.qtype),
    f<D>('qtype_name', 'VARCHAR', (r) => r.qtype_name), f<D>('rcode', 'INTEGER', (r) => r.rcode),
    f<D>('rcode_name', 'VARCHAR', (r) => r.rcode_name), f<D>('aa', 'BOOLEAN', (r) => r.AA, 'AA'),
    f<D>('tc', 'BOOLEAN', (r) => r.TC, 'TC'), f<D>('rd', 'BOOLEAN', (r) => r.RD, 'RD'), f<D>('ra', 'BOOLEAN', (r) => r.RA, 'RA'),
    f<D>('z', 'INTEGER', (r) => r.Z, 'Z'), f<D>('answers', 'VARCHAR[]', (r) => r.answers),
    f<D>('ttls', 'DOUBLE[]', (r) => r.TTLs, 'TTLs'), f<D>('rejected', 'BOOLEAN', (r) => r.rejected),
  ],
  tls: [
    ...flow<T>(), f<T>('version', 'VARCHAR', (r) => r.version), f<T>('cipher', 'VARCHAR', (r) => r.cipher),
    f<T>('server_name', 'VARCHAR', (r) => r.server_name), f<T>('alpn', 'VARCHAR[]', (r) => r.alpn),
    f<T>('next_protocol', 'VARCHAR', (r) => r.next_protocol), f<T>('client_versions', 'VARCHAR[]', (r) => r.client_versions),
    f<T>('ja3', 'VARCHAR', (r) => r.ja3), f<T>('ja3_string', 'VARCHAR', (r) => r.ja3_string), f<T>('ja3s', 'VARCHAR', (r) => r.ja3s),
    f<T>('ja3s_string', 'VARCHAR', (r) => r.ja3s_string), f<T>('ja4', 'VARCHAR', (r) => r.ja4),
    f<T>('established', 'BOOLEAN', (r) => r.established), f<T>('subject', 'VARCHAR', (r) => r.subject),
    f<T>('issuer', 'VARCHAR', (r) => r.issuer), f<T>('not_valid_before', 'DOUBLE', (r) => r.not_valid_before),
    f<T>('not_valid_after', 'DOUBLE', (r) => r.not_valid_after), f<T>('self_signed', 'BOOLEAN', (r) => r.self_signed),
    f<T>('cert_sha1', 'VARCHAR', (r) => r.cert_sha1),
  ],
  http: [
    ...flow<H>(), f<H>('trans_depth', 'INTEGER', (r) => r.trans_depth), f<H>('method', 'VARCHAR', (r) => r.method),
    f<H>('host', 'VARCHAR', (r) => r.host), f<H>('uri', 'VARCHAR', (r) => r.uri), f<H>('referrer', 'VARCHAR', (r) => r.referrer),
    f<H>('version', 'VARCHAR', (r) => r.version), f<H>('user_agent', 'VARCHAR', (r) => r.user_agent),
    f<H>('request_body_len', 'BIGINT', (r) => r.request_body_len), f<H>('response_body_len', 'BIGINT', (r) => r.response_body_len),
    f<H>('status_code', 'INTEGER', (r) => r.status_code), f<H>('status_msg', 'VARCHAR', (r) => r.status_msg),
  ],
  mining: [
    ...flow<M>(), f<M>('protocol', 'VARCHAR', (r) => r.protocol), f<M>('method', 'VARCHAR', (r) => r.method),
    f<M>('is_orig', 'BOOLEAN', (r) => r.is_orig), f<M>('agent', 'VARCHAR', (r) => r.agent),
    f<M>('login_hash', 'VARCHAR', (r) => r.login_hash), f<M>('algo', 'VARCHAR', (r) => r.algo),
  ],
  ssh: [...flow<S>(), f<S>('client', 'VARCHAR', (r) => r.client), f<S>('server', 'VARCHAR', (r) => r.server)],
  weird: [
    f<W>('ts', 'DOUBLE', (r) => r.ts), f<W>('uid', 'VARCHAR', (r) => r.uid),
    f<W>('orig_h', 'VARCHAR', (r) => r.orig_h), f<W>('orig_p', 'INTEGER', (r) => r.orig_p),
    f<W>('resp_h', 'VARCHAR', (r) => r.resp_h), f<W>('resp_p', 'INTEGER', (r) => r.resp_p),
    f<W>('name', 'VARCHAR', (r) => r.name), f<W>('addl', 'VARCHAR', (r) => r.addl),
  ],
};

/** Name of the column holding the ingest id in every raw table. */
export const INGEST_ID_COLUMN = 'ingest_id';

/** Appender columns of a raw table for one ingest (the last column is that ingest's id). */
export function appendColumns<K extends RecordKind>(kind: K, ingestId: number): Column<RecordMap[K]>[] {
  const cols: Column<RecordMap[K]>[] = (TABLE_FIELDS[kind] as readonly FieldColumn<RecordMap[K]>[]).map((c) => ({ name: c.name, type: c.type, get: c.get }));
  cols.push({ name: INGEST_ID_COLUMN, type: 'INTEGER', get: () => ingestId });
  return cols;
}

/** Turn a row read back (column name -> JS value) into a record: NULL columns become absent fields. */
export function rowToRecord<K extends RecordKind>(kind: K, row: Record<string, unknown>): RecordMap[K] {
  const out: Record<string, unknown> = {};
  for (const c of TABLE_FIELDS[kind] as readonly FieldColumn<RecordMap[K]>[]) {
    const v = row[c.name];
    if (v === null || v === undefined) continue;
    out[c.field] = typeof v === 'bigint' ? Number(v) : v;
  }
  return out as unknown as RecordMap[K];
}

/** The SELECT list that reads a raw table back as JS numbers (BIGINT cast to DOUBLE). */
export function selectList(kind: RecordKind): string {
  return (TABLE_FIELDS[kind] as readonly FieldColumn<unknown>[]).map((c) => (c.type === 'BIGINT' ? `CAST(${c.name} AS DOUBLE) AS ${c.name}` : c.name)).join(', ');
}
