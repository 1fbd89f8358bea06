/**
 * Record writers: JSON lines and Zeek-style TSV logs (with the `#fields`/`#types` headers that
 * tools reading Zeek logs expect). Both use Zeek's field names (`id.orig_h` ...). Interim conn
 * records (connections still open) go to `open_conn`, as the open-connections Zeek package names
 * that log; a final `conn` record of the same uid supersedes them.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordKind, RecordMap, RecordSink } from './schema.js';

type ZeekType = 'time' | 'string' | 'addr' | 'port' | 'enum' | 'interval' | 'count' | 'int' | 'bool' | 'double'
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
function zeekEscape(s: string, inSet: boolean): string {
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

function zeekValue(v: unknown, type: ZeekType): string {
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

function zeekTime(t: number): string {
  const d = new Date(t * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}-${p(d.getUTCHours())}-${p(d.getUTCMinutes())}-${p(d.getUTCSeconds())}`;
}

/** Flush threshold of the per-log buffers, in characters. */
const FLUSH_CHARS = 1 << 20;

class LogFile {
  private fd: number;
  private buf: string[] = [];
  private size = 0;
  constructor(path: string, header: string) {
    this.fd = openSync(path, 'w');
    if (header) this.push(header);
  }
  push(s: string): void {
    this.buf.push(s);
    this.size += s.length;
    if (this.size >= FLUSH_CHARS) this.flush();
  }
  flush(): void {
    if (this.buf.length === 0) return;
    writeSync(this.fd, this.buf.join(''));
    this.buf = [];
    this.size = 0;
  }
  close(trailer: string): void {
    if (trailer) this.push(trailer);
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
  /** Paths written, for the summary. */
  readonly paths: string[] = [];

  constructor(private readonly dir: string, private readonly format: OutputFormat, private readonly openTime = Date.now() / 1000) {
    mkdirSync(dir, { recursive: true });
  }

  write<K extends RecordKind>(kind: K, rec: RecordMap[K]): void {
    const logName = kind === 'conn' && (rec as { interim?: boolean }).interim ? 'open_conn' : kind;
    let f = this.files.get(logName);
    if (f === undefined) {
      const path = join(this.dir, logName + (this.format === 'json' ? '.jsonl' : '.log'));
      f = new LogFile(path, this.format === 'zeek' ? this.zeekHeader(logName, kind) : '');
      this.files.set(logName, f);
      this.paths.push(path);
    }
    if (this.format === 'json') {
      f.push(JSON.stringify(toZeekJson(kind, rec)) + '\n');
    } else {
      const r = rec as unknown as Record<string, unknown>;
      const cols = COLUMNS[kind];
      let line = '';
      for (let i = 0; i < cols.length; i++) {
        if (i > 0) line += '\t';
        line += zeekValue(r[cols[i]!.key], cols[i]!.type);
      }
      f.push(line + '\n');
    }
  }

  private zeekHeader(path: string, kind: RecordKind): string {
    const cols = COLUMNS[kind];
    return '#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n'
      + `#path\t${path}\n#open\t${zeekTime(this.openTime)}\n`
      + `#fields\t${cols.map((c) => c.name).join('\t')}\n#types\t${cols.map((c) => c.type).join('\t')}\n`;
  }

  close(): void {
    for (const f of this.files.values()) f.close(this.format === 'zeek' ? `#close\t${zeekTime(Date.now() / 1000)}\n` : '');
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
