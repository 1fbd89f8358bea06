/**
 * Record writers: JSON lines and Zeek-style TSV logs (with the `#fields`/`#types` headers that
 * tools reading Zeek logs expect). Both use Zeek's field names (`id.orig_h` ...). Interim conn
 * records (connections still open) go to `open_conn`, as the open-connections Zeek package names
 * that log; a final `conn` record of the same uid supersedes them.
 *
 * Lines are made by a writer compiled per record kind from COLUMNS, straight into bytes
 * (line-encoder.ts): a JSON line is exactly `JSON.stringify(toZeekJson(kind, rec))` and a TSV
 * line exactly the fields as `zeekValue` renders them, several times faster than building them
 * as strings.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { RECORD_KINDS, type RecordKind, type RecordMap, type RecordSink } from './schema.js';
import { asciiBytes, ByteLine } from './line-encoder.js';

/** Zeek's field types, as in the `#types` header. */
export type ZeekType = 'time' | 'string' | 'addr' | 'port' | 'enum' | 'interval' | 'count' | 'int' | 'bool' | 'double'
  | 'vector[string]' | 'vector[interval]' | 'set[string]';

/** One output column: Zeek field name, Zeek type, and the record property it comes from. */
interface Column { name: string; type: ZeekType; key: string }

const ID: Column[] = [
  { name: 'id.orig_h', type: 'addr', key: 'orig_h' },
  { name: 'id.orig_p', type: 'port', key: 'orig_p' },
  { name: 'id.resp_h', type: 'addr', key: 'resp_h' },
  { name: 'id.resp_p', type: 'port', key: 'resp_p' },
];
const col = (key: string, type: ZeekType, name = key): Column => ({ name, type, key });
const HEAD = [col('ts', 'time'), col('uid', 'string'), ...ID];

/** Column layout of each log. Order follows Zeek's logs; our additions come last. */
export const COLUMNS: Record<RecordKind, Column[]> = {
  conn: [...HEAD, col('proto', 'enum'), col('service', 'string'), col('duration', 'interval'), col('orig_bytes', 'count'),
    col('resp_bytes', 'count'), col('conn_state', 'string'), col('missed_bytes', 'count'), col('history', 'string'),
    col('orig_pkts', 'count'), col('orig_ip_bytes', 'count'), col('resp_pkts', 'count'), col('resp_ip_bytes', 'count'),
    col('vlan', 'int'), col('community_id', 'string')],
  dns: [...HEAD, col('proto', 'enum'), col('trans_id', 'count'), col('rtt', 'interval'), col('query', 'string'),
    col('qclass', 'count'), col('qclass_name', 'string'), col('qtype', 'count'), col('qtype_name', 'string'),
    col('rcode', 'count'), col('rcode_name', 'string'), col('AA', 'bool'), col('TC', 'bool'), col('RD', 'bool'),
    col('RA', 'bool'), col('Z', 'count'), col('answers', 'vector[string]'), col('TTLs', 'vector[interval]'),
    col('rejected', 'bool')],
  tls: [...HEAD, col('version', 'string'), col('cipher', 'string'), col('server_name', 'string'),
    col('next_protocol', 'string'), col('established', 'bool'), col('subject', 'string'), col('issuer', 'string'),
    col('not_valid_before', 'time'), col('not_valid_after', 'time'), col('self_signed', 'bool'), col('cert_sha1', 'string'),
    col('alpn', 'vector[string]'), col('client_versions', 'vector[string]'), col('ja3', 'string'), col('ja3s', 'string'),
    col('ja4', 'string'), col('ja3_string', 'string'), col('ja3s_string', 'string')],
  http: [...HEAD, col('trans_depth', 'count'), col('method', 'string'), col('host', 'string'), col('uri', 'string'),
    col('referrer', 'string'), col('version', 'string'), col('user_agent', 'string'), col('request_body_len', 'count'),
    col('response_body_len', 'count'), col('status_code', 'count'), col('status_msg', 'string')],
  mining: [...HEAD, col('protocol', 'string'), col('method', 'string'), col('is_orig', 'bool'), col('agent', 'string'),
    col('login_hash', 'string'), col('algo', 'string')],
  ssh: [...HEAD, col('client', 'string'), col('server', 'string')],
  weird: [...HEAD, col('name', 'string'), col('addl', 'string')],
};

/** Escape a string for a Zeek TSV field: separators and non-printables as \xNN. */
export function zeekEscape(s: string, inSet: boolean): string {
  // A value that equals a marker would read back as the marker: escape its first character.
  if (s === '-' || s === '(empty)') return '\\x' + s.charCodeAt(0).toString(16) + s.slice(1);
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x5c || (inSet && c === 0x2c) || c > 0xff) {
      if (c > 0xff) out += s[i];
      else out += '\\x' + c.toString(16).padStart(2, '0');
    } else out += s[i];
  }
  return out;
}

/** A value as a Zeek TSV field (the reference rendering; the line writers take shortcuts to the same text). */
export function zeekValue(v: unknown, type: ZeekType): string {
  if (v === undefined || v === null) return '-';
  switch (type) {
    case 'time':
    case 'interval':
      return (v as number).toFixed(6);
    case 'bool':
      return v ? 'T' : 'F';
    case 'vector[string]':
    case 'set[string]': {
      const a = v as string[];
      return a.length === 0 ? '(empty)' : a.map((x) => zeekEscape(String(x), true)).join(',');
    }
    case 'vector[interval]': {
      const a = v as number[];
      return a.length === 0 ? '(empty)' : a.map((x) => x.toFixed(6)).join(',');
    }
    case 'string':
    case 'enum': {
      const s = String(v);
      if (s === '') return '(empty)';
      return zeekEscape(s, false);
    }
    default:
      return String(v);
  }
}

/** A record as a JSON object with Zeek's names (`id.orig_h`), in column order; unset fields omitted. */
export function toZeekJson(kind: RecordKind, rec: object): Record<string, unknown> {
  const r = rec as Record<string, unknown>;
  const o: Record<string, unknown> = {};
  for (const c of COLUMNS[kind]) {
    const v = r[c.key];
    if (v !== undefined) o[c.name] = v;
  }
  if (r['interim'] === true) o['interim'] = true;
  return o;
}

/** The `#` header lines of a Zeek TSV log named `path` holding `kind` records, opened at `openTime` (epoch seconds). */
export function zeekHeader(path: string, kind: RecordKind, openTime: number): string {
  const cols = COLUMNS[kind];
  return '#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n'
    + `#path\t${path}\n#open\t${zeekTime(openTime)}\n`
    + `#fields\t${cols.map((c) => c.name).join('\t')}\n#types\t${cols.map((c) => c.type).join('\t')}\n`;
}

/** The `#close` line that ends a Zeek TSV log. */
export function zeekTrailer(closeTime: number): string {
  return `#close\t${zeekTime(closeTime)}\n`;
}

function zeekTime(t: number): string {
  const d = new Date(t * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}-${p(d.getUTCHours())}-${p(d.getUTCMinutes())}-${p(d.getUTCSeconds())}`;
}

/** Writes one record's line (newline included) at `out.pos`. */
export type LineWriter = (rec: object, out: ByteLine) => void;

/** Statements storing the bytes of `text` at b[p++] (constant stores: no loop, no table). */
const put = (text: string): string => Array.from(asciiBytes(text), (c) => `b[p++] = ${c};`).join(' ');

/**
 * The JSON line writer of a kind: Zeek's names in COLUMNS order, unset fields left out,
 * `interim` last when true (as toZeekJson), each value as JSON.stringify writes it.
 */
function compileJson(kind: RecordKind): LineWriter {
  const lines = ['let v, b, p, first = true;', 'out.room(1); out.buf[out.pos++] = 0x7b;'];
  COLUMNS[kind].forEach((c, i) => {
    const key = `${JSON.stringify(c.name)}:`;
    const test = c.type === 'bool' ? '(v === true || v === false)'
      : c.type === 'string' || c.type === 'addr' || c.type === 'enum' ? 'typeof v === "string"'
        : c.type.startsWith('vector') || c.type.startsWith('set') ? 'false' : 'typeof v === "number"';
    const write = c.type === 'bool' ? 'out.bool(v)' : test === 'typeof v === "string"' ? 'out.str(v)' : 'out.num(v)';
    lines.push(`v = r[${JSON.stringify(c.key)}];`);
    if (test !== 'false') {
      lines.push(`if (${test}) {`,
        `  if (out.pos + ${key.length + 1} > out.buf.length) out.room(${key.length + 1});`,
        '  b = out.buf; p = out.pos;',
        `  if (first) { ${put(key)} } else { ${put(',' + key)} }`,
        `  out.pos = p; ${write}; first = false;`,
        `} else if (v !== undefined) first = other(out, v, first, keys[${i}], commaKeys[${i}]);`);
    } else {
      lines.push(`if (v !== undefined) first = other(out, v, first, keys[${i}], commaKeys[${i}]);`);
    }
  });
  lines.push('if (r["interim"] === true) out.raw(first ? interim : commaInterim);',
    'out.room(2); out.buf[out.pos++] = 0x7d; out.buf[out.pos++] = 0x0a;');
  // Generated from the column names (JSON-quoted into property reads and byte values): no record
  // content becomes code.
  const make = new Function('other', 'keys', 'commaKeys', 'interim', 'commaInterim',
    `return function jsonLine_${kind}(r, out) {\n${lines.join('\n')}\n};`) as
    (...a: unknown[]) => LineWriter;
  const keys = COLUMNS[kind].map((c) => asciiBytes(`${JSON.stringify(c.name)}:`));
  const commaKeys = COLUMNS[kind].map((c) => asciiBytes(`,${JSON.stringify(c.name)}:`));
  return make(otherJson, keys, commaKeys, asciiBytes('"interim":true'), asciiBytes(',"interim":true'));
}

/** A value of another type than its column's: key and value as JSON.stringify writes them, or nothing. Returns the new `first`. */
function otherJson(out: ByteLine, v: unknown, first: boolean, key: Uint8Array, commaKey: Uint8Array): boolean {
  const at = out.pos;
  out.raw(first ? key : commaKey);
  if (out.value(v)) return false;
  out.pos = at;
  return first;
}

/** The Zeek TSV line writer of a kind: every column in order, as zeekValue renders it. */
function compileZeek(kind: RecordKind): LineWriter {
  const lines = ['let v;'];
  COLUMNS[kind].forEach((c, i) => {
    const t = JSON.stringify(c.type);
    lines.push(`v = r[${JSON.stringify(c.key)}];`);
    if (i > 0) lines.push('out.room(1); out.buf[out.pos++] = 0x09;');
    let fast: string;
    switch (c.type) {
      case 'time': case 'interval': fast = 'if (typeof v === "number") out.fixed6(v);'; break;
      case 'bool': fast = 'if (v === true) out.ascii("T"); else if (v === false) out.ascii("F");'; break;
      case 'string': case 'enum': fast = `if (typeof v === "string") { if (!out.zeekPlain(v, false)) out.text(zeekValue(v, ${t})); }`; break;
      case 'vector[string]': case 'set[string]': fast = `if (Array.isArray(v)) zeekStrings(out, v, ${t});`; break;
      case 'vector[interval]': fast = 'if (Array.isArray(v)) zeekIntervals(out, v);'; break;
      default: fast = 'if (typeof v === "number") out.numText(v); else if (typeof v === "string") out.plain(v);';
    }
    lines.push(`${fast} else if (v === undefined || v === null) out.ascii("-"); else out.text(zeekValue(v, ${t}));`);
  });
  lines.push('out.room(1); out.buf[out.pos++] = 0x0a;');
  const make = new Function('zeekValue', 'zeekStrings', 'zeekIntervals',
    `return function zeekLine_${kind}(r, out) {\n${lines.join('\n')}\n};`) as (...a: unknown[]) => LineWriter;
  return make(zeekValue, zeekStrings, zeekIntervals);
}

/** A vector or set of strings (zeekValue's rendering, without making the strings). */
function zeekStrings(out: ByteLine, a: unknown[], type: ZeekType): void {
  if (a.length === 0) return out.ascii('(empty)');
  const start = out.pos;
  for (let i = 0; i < a.length; i++) {
    const e = a[i];
    if (typeof e !== 'string') {
      // Not all strings (or a hole): the general rendering of the whole vector.
      out.pos = start;
      return out.text(zeekValue(a, type));
    }
    if (i > 0) out.ascii(',');
    if (!out.zeekPlain(e, true)) out.text(zeekEscape(e, true));
  }
}

/** A vector of intervals (zeekValue's rendering). */
function zeekIntervals(out: ByteLine, a: unknown[]): void {
  if (a.length === 0) return out.ascii('(empty)');
  const start = out.pos;
  for (let i = 0; i < a.length; i++) {
    const e = a[i];
    if (typeof e !== 'number') {
      out.pos = start;
      return out.text(zeekValue(a, 'vector[interval]'));
    }
    if (i > 0) out.ascii(',');
    out.fixed6(e);
  }
}

/** JSON line writers by kind. */
export const JSON_LINE: Readonly<Record<RecordKind, LineWriter>> = Object.fromEntries(RECORD_KINDS.map((k) => [k, compileJson(k)])) as Record<RecordKind, LineWriter>;
/** Zeek TSV line writers by kind. */
export const ZEEK_LINE: Readonly<Record<RecordKind, LineWriter>> = Object.fromEntries(RECORD_KINDS.map((k) => [k, compileZeek(k)])) as Record<RecordKind, LineWriter>;

let scratch: ByteLine | undefined;

/** A record as its JSON log line, newline included: `JSON.stringify(toZeekJson(kind, rec)) + '\n'`. */
export function jsonLine(kind: RecordKind, rec: object): string {
  const out = scratch ??= new ByteLine(1 << 16);
  out.pos = 0;
  JSON_LINE[kind](rec, out);
  return out.buf.toString('utf8', 0, out.pos);
}

/** A record as its Zeek TSV line, newline included: the fields as zeekValue renders them, tab-separated. */
export function zeekLine(kind: RecordKind, rec: object): string {
  const out = scratch ??= new ByteLine(1 << 16);
  out.pos = 0;
  ZEEK_LINE[kind](rec, out);
  return out.buf.toString('utf8', 0, out.pos);
}

/** Buffered bytes per log before they are written to its file. */
export const LOG_FLUSH_BYTES = 1 << 20;

/** One log file: lines are built in its buffer and written in large pieces. */
class LogFile {
  private readonly fd: number;
  readonly out = new ByteLine();
  constructor(path: string, header: string) {
    this.fd = openSync(path, 'w');
    if (header) this.out.text(header);
  }
  flush(): void {
    const out = this.out;
    let done = 0;
    while (done < out.pos) done += writeSync(this.fd, out.buf, done, out.pos - done);
    out.pos = 0;
  }
  close(trailer: string): void {
    if (trailer) this.out.text(trailer);
    this.flush();
    closeSync(this.fd);
  }
}

export type OutputFormat = 'json' | 'zeek';

/**
 * Writes each record kind to its own file in a directory: `conn.jsonl` (json) or `conn.log` (zeek).
 * Files are created on the first record of their kind.
 */
export class DirectoryWriter implements RecordSink {
  private files = new Map<string, LogFile>();
  private readonly lines: Readonly<Record<RecordKind, LineWriter>>;
  /** Paths written, for the summary. */
  readonly paths: string[] = [];

  constructor(private readonly dir: string, private readonly format: OutputFormat, private readonly openTime = Date.now() / 1000) {
    mkdirSync(dir, { recursive: true });
    this.lines = format === 'json' ? JSON_LINE : ZEEK_LINE;
  }

  write<K extends RecordKind>(kind: K, rec: RecordMap[K]): void {
    const logName = kind === 'conn' && (rec as { interim?: boolean }).interim ? 'open_conn' : kind;
    let f = this.files.get(logName);
    if (f === undefined) {
      const path = join(this.dir, logName + (this.format === 'json' ? '.jsonl' : '.log'));
      f = new LogFile(path, this.format === 'zeek' ? zeekHeader(logName, kind, this.openTime) : '');
      this.files.set(logName, f);
      this.paths.push(path);
    }
    this.lines[kind](rec, f.out);
    if (f.out.pos >= LOG_FLUSH_BYTES) f.flush();
  }

  close(): void {
    for (const f of this.files.values()) f.close(this.format === 'zeek' ? zeekTrailer(Date.now() / 1000) : '');
    this.files.clear();
  }
}

/** Collects records in memory (tests, small captures, the demo). */
export class MemorySink implements RecordSink {
  readonly records: { [K in RecordKind]: RecordMap[K][] } = { conn: [], dns: [], tls: [], http: [], mining: [], ssh: [], weird: [] };
  write<K extends RecordKind>(kind: K, rec: RecordMap[K]): void {
    (this.records[kind] as RecordMap[K][]).push(rec);
  }
}
