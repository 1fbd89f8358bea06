/**
 * Zeek log fields to c2hunt records: the mapping shared by the TSV and JSON readers.
 *
 * Logs read (the path comes from `#path` / `_path`, else the file name, else the fields):
 *
 * | Zeek log                  | record | notes                                                    |
 * |---------------------------|--------|----------------------------------------------------------|
 * | conn                      | conn   |                                                          |
 * | open_conn, conn_long      | conn   | `interim: true` (connection still open)                  |
 * | dns                       | dns    |                                                          |
 * | ssl, open_ssl (tls: ours) | tls    | certificate from x509 via `cert_chain_fps`/`_fuids`      |
 * | http, open_http           | http   | open_http lines are ordinary http records (see below)    |
 * | ssh                       | ssh    | `client`, `server` banners                               |
 * | weird                     | weird  | Zeek's weird names are kept as Zeek spells them          |
 * | mining                    | mining | c2hunt's own log                                          |
 * | x509                      | -      | fills the certificate index (certs.ts), no record        |
 *
 * A file named `open_X...` whose header says `#path X` (RITA's open-connection logs do this) is
 * read as `open_X`. Fields are matched by name, in any order; unknown fields are ignored; every
 * field that Zeek and c2hunt's writers (records/writers.ts COLUMNS) share has the same name:
 *
 * | record field                        | Zeek field                   | conversion                    |
 * |-------------------------------------|------------------------------|-------------------------------|
 * | ts                                  | ts                           | epoch seconds (JSON: number, ISO string, or milliseconds when ts > 1e11) |
 * | uid                                 | uid                          | required except in weird      |
 * | orig_h, orig_p, resp_h, resp_p      | id.orig_h ... (JSON: also nested `id`) | required except in weird; addresses made canonical |
 * | conn: proto service duration orig_bytes resp_bytes conn_state missed_bytes history orig_pkts orig_ip_bytes resp_pkts resp_ip_bytes vlan community_id | same names | `-` unset; `(empty)` empty |
 * | dns: proto trans_id rtt query qclass qclass_name qtype qtype_name rcode rcode_name AA TC RD RA Z answers TTLs rejected | same names | answers/TTLs are vectors |
 * | tls: version cipher server_name next_protocol established subject issuer ja3 ja3s ja4 (+ ours: not_valid_before not_valid_after self_signed cert_sha1 alpn client_versions ja3_string ja3s_string) | same names | |
 * | http: trans_depth method host uri referrer version user_agent request_body_len response_body_len status_code status_msg | same names | |
 * | ssh: client server; weird: name addl; mining: protocol method is_orig agent login_hash algo | same names | weird: uid '' and id.* absent when unset |
 *
 * TSV strings have Zeek's `\xNN` escapes undone (an escaped byte 0x80-0xff becomes the character
 * U+0080-U+00FF; valid UTF-8 written raw is read as UTF-8). Optional record fields (rtt, qtype,
 * version, subject ...) stay absent when the log leaves them unset.
 *
 * Defaults of required fields when absent or unset: counts and durations 0, strings '', flags false,
 * vectors empty, `proto` `unknown_transport`, `conn_state` `OTH`, http `trans_depth` 1, tls
 * `established` true when the log has a version or cipher (old Zeek had no `established`),
 * `self_signed` = subject equals issuer when both are known. `community_id` is computed (v1,
 * seed 0) when the log has none. A line missing a required field is a bad line.
 *
 * open_ssl/open_http lines are transactions of connections still open; the record types have no
 * interim flag, so when the final ssl/http log of the same connection is read too, the same
 * transaction appears twice (same uid, same ts): consumers that care deduplicate on those.
 */
import type { RecordKind } from '../records/schema.js';
import { COLUMNS } from '../records/writers.js';
import type { CertIndex, CertInfo } from './certs.js';
import type { ReadContext } from './types.js';
import { canonicalAddr, LineError, parseIsoTime, quote, textCommunityId, transportName, zeekProtoNumber, zeekUnescape } from './values.js';

/** Conversions of field values. */
export const enum Conv {
  Time,
  Num,
  Bool,
  Addr,
  Str,
  Strs,
  Nums,
}

/** How one Zeek field is read: the record property it fills and its conversion. */
export interface FieldSpec {
  key: string;
  conv: Conv;
}

/** What a Zeek log path is read as. */
export interface PathTarget {
  /** The log path (`conn`, `open_conn` ...). */
  path: string;
  /** Record kind, or 'x509' for the certificate index. */
  kind: RecordKind | 'x509';
  /** Records of connections still open (conn only). */
  interim: boolean;
  /** Field name to spec. */
  fields: ReadonlyMap<string, FieldSpec>;
}

const ZEEK_TYPE_CONV: Record<string, Conv> = {
  time: Conv.Time, interval: Conv.Num, count: Conv.Num, int: Conv.Num, port: Conv.Num, double: Conv.Num, bool: Conv.Bool,
  addr: Conv.Addr, string: Conv.Str, enum: Conv.Str, 'vector[string]': Conv.Strs, 'set[string]': Conv.Strs,
  'vector[interval]': Conv.Nums,
};

/** Fields of other Zeek logs or packages that the writers do not produce. */
const EXTRA_FIELDS: Partial<Record<RecordKind, [string, string, Conv][]>> = {
  conn: [['interim', 'interim', Conv.Bool]],
  tls: [
    ['cert_chain_fps', '_chain', Conv.Strs], ['cert_chain_fuids', '_chain', Conv.Strs],
    ['ja3_string', 'ja3_string', Conv.Str], ['ja3s_string', 'ja3s_string', Conv.Str],
  ],
};

const X509_FIELDS: [string, string, Conv][] = [
  ['ts', 'ts', Conv.Time], ['id', 'id', Conv.Str], ['fingerprint', 'fingerprint', Conv.Str],
  ['certificate.subject', 'subject', Conv.Str], ['certificate.issuer', 'issuer', Conv.Str],
  ['certificate.not_valid_before', 'not_valid_before', Conv.Time],
  ['certificate.not_valid_after', 'not_valid_after', Conv.Time],
];

function buildTable(kind: RecordKind | 'x509'): Map<string, FieldSpec> {
  const m = new Map<string, FieldSpec>();
  if (kind === 'x509') {
    for (const [name, key, conv] of X509_FIELDS) m.set(name, { key, conv });
    return m;
  }
  for (const c of COLUMNS[kind]) {
    const conv = ZEEK_TYPE_CONV[c.type];
    if (conv === undefined) throw new Error(`formats: no conversion for Zeek type ${c.type} (${kind}.${c.name})`);
    m.set(c.name, { key: c.key, conv });
  }
  for (const [name, key, conv] of EXTRA_FIELDS[kind] ?? []) m.set(name, { key, conv });
  return m;
}

const TABLES = new Map<RecordKind | 'x509', Map<string, FieldSpec>>();
function table(kind: RecordKind | 'x509'): Map<string, FieldSpec> {
  let t = TABLES.get(kind);
  if (t === undefined) TABLES.set(kind, (t = buildTable(kind)));
  return t;
}

/** Log paths read, with the record kind and whether they describe open connections. */
const PATHS: Record<string, [RecordKind | 'x509', boolean]> = {
  conn: ['conn', false], open_conn: ['conn', true], conn_long: ['conn', true], dns: ['dns', false], ssl: ['tls', false],
  tls: ['tls', false], open_ssl: ['tls', false], http: ['http', false], open_http: ['http', false], ssh: ['ssh', false],
  weird: ['weird', false], mining: ['mining', false], x509: ['x509', false],
};

/** The Zeek log paths c2hunt reads. */
export const READ_PATHS: readonly string[] = Object.keys(PATHS);

const TARGETS = new Map<string, PathTarget>();

/** How a log path is read, or undefined when c2hunt does not read it. */
export function pathTarget(path: string): PathTarget | undefined {
  let t = TARGETS.get(path);
  if (t === undefined) {
    const p = Object.prototype.hasOwnProperty.call(PATHS, path) ? PATHS[path] : undefined;
    if (p === undefined) return undefined;
    t = { path, kind: p[0], interim: p[1], fields: table(p[0]) };
    TARGETS.set(path, t);
  }
  return t;
}

/** First dot-separated component of a file name (`conn` of `conn.00:00:00-01:00:00.log.gz`). */
export function fileBase(fileName: string): string {
  const slash = Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\'));
  const name = fileName.slice(slash + 1);
  const dot = name.indexOf('.');
  return dot < 0 ? name : name.slice(0, dot);
}

/**
 * The log path of a file: the header's path (`#path`/`_path`), turned into `open_X` when the
 * file is named so; else the file name's first component when it is a log c2hunt reads.
 */
export function resolvePath(headerPath: string | undefined, fileName: string): string | undefined {
  const base = fileBase(fileName);
  if (headerPath !== undefined && headerPath !== '') {
    if (base === 'open_' + headerPath && PATHS[base] !== undefined) return base;
    return headerPath;
  }
  return Object.prototype.hasOwnProperty.call(PATHS, base) ? base : undefined;
}

/** Guess the log path from its field names (logs without `#path`/`_path` or a telling file name). */
export function inferPath(fields: Iterable<string>): string | undefined {
  const f = new Set(fields);
  if (f.has('conn_state') || f.has('history') || f.has('orig_ip_bytes')) return 'conn';
  if (f.has('query') && f.has('trans_id')) return 'dns';
  if (f.has('certificate.subject') || f.has('certificate.serial')) return 'x509';
  if (f.has('server_name') || f.has('cipher') || f.has('ja3') || f.has('established')) return 'ssl';
  if (f.has('trans_depth') || f.has('uri') || f.has('user_agent')) return 'http';
  if (f.has('auth_success') || (f.has('client') && f.has('server'))) return 'ssh';
  if (f.has('is_orig') && f.has('protocol') && f.has('method')) return 'mining';
  if (f.has('name') && (f.has('addl') || f.has('notice'))) return 'weird';
  return undefined;
}

// ---- Values ----

function num(s: string, name: string): number {
  const n = Number(s);
  if (s.length === 0 || n !== n) throw new LineError(`bad number in ${name}: ${quote(s)}`);
  return n;
}

/** Separators and placeholders of a Zeek TSV header. */
export interface TsvSeparators {
  sep: string;
  setSep: string;
  empty: string;
  unset: string;
}

/** A TSV field's value (undefined when unset). */
export function tsvValue(conv: Conv, s: string, h: TsvSeparators, name: string): unknown {
  if (s === h.unset) return undefined;
  switch (conv) {
    case Conv.Str:
      return s === h.empty ? '' : zeekUnescape(s);
    case Conv.Time:
    case Conv.Num:
      return num(s, name);
    case Conv.Bool:
      if (s === 'T') return true;
      if (s === 'F') return false;
      throw new LineError(`bad bool in ${name}: ${quote(s)}`);
    case Conv.Addr: {
      const a = canonicalAddr(s);
      if (a === undefined) throw new LineError(`bad address in ${name}: ${quote(s)}`);
      return a;
    }
    case Conv.Strs: {
      if (s === h.empty) return [];
      const parts = s.split(h.setSep);
      for (let i = 0; i < parts.length; i++) parts[i] = zeekUnescape(parts[i]!);
      return parts;
    }
    case Conv.Nums: {
      if (s === h.empty) return [];
      const parts = s.split(h.setSep);
      const out = new Array<number>(parts.length);
      for (let i = 0; i < parts.length; i++) out[i] = num(parts[i]!, name);
      return out;
    }
  }
}

/** Builds a Draft from one TSV data line. */
export type TsvRow = (line: string, h: TsvSeparators) => Draft;

function badAddr(s: string, name: string): never {
  throw new LineError(`bad address in ${name}: ${quote(s)}`);
}

function badFieldCount(line: string, sep: string, expected: number): never {
  throw new LineError(`${line.split(sep).length} fields where #fields declares ${expected}`);
}

/**
 * A row builder specialised to one `#fields` header: straight-line code that walks the line
 * with indexOf, slices only the fields it maps, and stores each into a constant property, so
 * V8 keeps every store monomorphic (a generic loop storing `r[key]` for 20 different keys, over
 * a split array, is about twice as slow). Only trusted text reaches the generated code: record
 * property names from the tables above (JSON-quoted) and column indexes; field names from the
 * file are passed as data, never as code.
 */
export function compileTsvRow(names: readonly string[], fields: ReadonlyMap<string, FieldSpec>): TsvRow {
  const last = names.length - 1;
  const body: string[] = ['"use strict";', 'return function row(line, h) {', '  const sep = h.sep, sl = sep.length;',
    '  const r = {};', '  let p = 0, e = 0, s = "";'];
  const colNames: string[] = [];
  names.forEach((name, i) => {
    const spec = fields.get(name);
    if (i < last) body.push(`  e = line.indexOf(sep, p); if (e < 0) badFieldCount(line, sep, ${names.length});`);
    else body.push(`  if (line.indexOf(sep, p) >= 0) badFieldCount(line, sep, ${names.length});`);
    if (spec === undefined) {
      if (i < last) body.push('  p = e + sl;');
      return;
    }
    body.push(i < last ? '  s = line.slice(p, e); p = e + sl;' : '  s = line.slice(p);');
    const key = JSON.stringify(spec.key);
    const n = colNames.push(name) - 1;
    body.push('  if (s !== h.unset) {');
    switch (spec.conv) {
      case Conv.Str:
        body.push(`    r[${key}] = s === h.empty ? '' : (s.indexOf('\\\\') < 0 ? s : unescape(s));`);
        break;
      case Conv.Time:
      case Conv.Num:
        body.push(`    const v = +s; if (v !== v || s.length === 0) num(s, colNames[${n}]); r[${key}] = v;`);
        break;
      case Conv.Addr:
        body.push(`    const a = canonicalAddr(s); if (a === undefined) badAddr(s, colNames[${n}]); r[${key}] = a;`);
        break;
      default:
        body.push(`    r[${key}] = tsvValue(${spec.conv}, s, h, colNames[${n}]);`);
    }
    body.push('  }');
  });
  body.push('  return r;', '};');
  const make = new Function('colNames', 'num', 'unescape', 'canonicalAddr', 'badAddr', 'badFieldCount', 'tsvValue',
    body.join('\n')) as (...args: unknown[]) => TsvRow;
  return make(colNames, num, zeekUnescape, canonicalAddr, badAddr, badFieldCount, tsvValue);
}

/** Epoch seconds at or above which a JSON time is taken as milliseconds (Zeek's JSON::TS_MILLIS). */
export const JSON_MILLIS_THRESHOLD = 1e11;

function jsonNum(v: unknown, name: string): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') return num(v, name);
  throw new LineError(`bad number in ${name}: ${quote(v)}`);
}

/** A JSON field's value (undefined when null). `millis`: the line's times are milliseconds. */
export function jsonValue(conv: Conv, v: unknown, name: string, millis: boolean): unknown {
  if (v === null || v === undefined) return undefined;
  switch (conv) {
    case Conv.Str:
      if (typeof v === 'string') return v;
      if (typeof v === 'number' || typeof v === 'boolean') return String(v);
      throw new LineError(`bad string in ${name}: ${quote(v)}`);
    case Conv.Time: {
      if (typeof v === 'string') {
        const t = parseIsoTime(v);
        if (t === t) return t;
      }
      const n = jsonNum(v, name);
      return millis ? n / 1000 : n;
    }
    case Conv.Num:
      return jsonNum(v, name);
    case Conv.Bool:
      if (typeof v === 'boolean') return v;
      if (v === 'T' || v === 'true') return true;
      if (v === 'F' || v === 'false') return false;
      throw new LineError(`bad bool in ${name}: ${quote(v)}`);
    case Conv.Addr: {
      const a = typeof v === 'string' ? canonicalAddr(v) : undefined;
      if (a === undefined) throw new LineError(`bad address in ${name}: ${quote(v)}`);
      return a;
    }
    case Conv.Strs: {
      if (!Array.isArray(v)) {
        if (typeof v === 'string') return [v];
        throw new LineError(`bad list in ${name}: ${quote(v)}`);
      }
      const out = new Array<string>(v.length);
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (typeof x === 'object' && x !== null) throw new LineError(`bad list item in ${name}: ${quote(x)}`);
        out[i] = String(x);
      }
      return out;
    }
    case Conv.Nums: {
      if (!Array.isArray(v)) throw new LineError(`bad list in ${name}: ${quote(v)}`);
      const out = new Array<number>(v.length);
      for (let i = 0; i < v.length; i++) out[i] = jsonNum(v[i], name);
      return out;
    }
  }
}

// ---- Records ----

/** Record under construction: property name to value. */
export type Draft = Record<string, unknown>;

function need(r: Draft, key: string, what: string): void {
  if (r[key] === undefined) throw new LineError(`missing ${what}`);
}

function needFlow(r: Draft): void {
  if (r['ts'] === undefined || r['uid'] === undefined || r['orig_h'] === undefined || r['orig_p'] === undefined
    || r['resp_h'] === undefined || r['resp_p'] === undefined) {
    for (const [k, what] of [['ts', 'ts'], ['uid', 'uid'], ['orig_h', 'id.orig_h'], ['orig_p', 'id.orig_p'], ['resp_h', 'id.resp_h'], ['resp_p', 'id.resp_p']]) {
      need(r, k!, what!);
    }
  }
}

function attachCert(r: Draft, certs: CertIndex | undefined): void {
  const chain = r['_chain'] as string[] | undefined;
  if (chain !== undefined) {
    delete r['_chain'];
    const c = chain.length > 0 && certs !== undefined ? certs.get(chain[0]!) : undefined;
    if (c !== undefined) {
      if (c.subject !== undefined) if (r['subject'] === undefined) r['subject'] = c.subject;
      if (c.issuer !== undefined) if (r['issuer'] === undefined) r['issuer'] = c.issuer;
      if (c.not_valid_before !== undefined) if (r['not_valid_before'] === undefined) r['not_valid_before'] = c.not_valid_before;
      if (c.not_valid_after !== undefined) if (r['not_valid_after'] === undefined) r['not_valid_after'] = c.not_valid_after;
      if (c.sha1 !== undefined) if (r['cert_sha1'] === undefined) r['cert_sha1'] = c.sha1;
    }
  }
}

/**
 * Values {@link finishDraft} gives conn fields that a log leaves unset or lacks (bulk loaders
 * apply the same; a test checks that both agree). Besides these: the flow fields are required,
 * `proto` becomes `tcp`/`udp`/`icmp` or `unknown_transport`, `community_id` is computed, `vlan`
 * stays absent.
 */
export const CONN_DEFAULTS: Readonly<Record<string, string | number>> = Object.freeze({
  service: '', duration: 0, orig_bytes: 0, resp_bytes: 0, conn_state: 'OTH', missed_bytes: 0, history: '',
  orig_pkts: 0, orig_ip_bytes: 0, resp_pkts: 0, resp_ip_bytes: 0,
});

/**
 * Values {@link finishDraft} gives dns fields that a log leaves unset or lacks (bulk loaders
 * apply the same; a test checks that both agree). Besides these: the flow fields are required,
 * `proto` becomes `tcp`/`udp`/`icmp` or `unknown_transport`, `answers` and `TTLs` become empty
 * lists, the other fields (rtt, qclass, qtype, rcode and their names) stay absent.
 */
export const DNS_DEFAULTS: Readonly<Record<string, string | number | boolean>> = Object.freeze({
  trans_id: 0, query: '', AA: false, TC: false, RD: false, RA: false, Z: 0, rejected: false,
});

const SHA1_HEX = /^[0-9a-f]{40}$/i;

/**
 * Check a draft, fill defaults and emit it (or, for x509, index the certificate). Throws
 * LineError when a required field is missing.
 */
export function finishDraft(t: PathTarget, r: Draft, ctx: ReadContext): void {
  switch (t.kind) {
    case 'conn': {
      needFlow(r);
      r['proto'] = transportName((r['proto'] as string | undefined) ?? '');
      if (r['service'] === undefined) r['service'] = '';
      if (r['duration'] === undefined) r['duration'] = 0;
      if (r['orig_bytes'] === undefined) r['orig_bytes'] = 0;
      if (r['resp_bytes'] === undefined) r['resp_bytes'] = 0;
      if (r['conn_state'] === undefined) r['conn_state'] = 'OTH';
      if (r['missed_bytes'] === undefined) r['missed_bytes'] = 0;
      if (r['history'] === undefined) r['history'] = '';
      if (r['orig_pkts'] === undefined) r['orig_pkts'] = 0;
      if (r['orig_ip_bytes'] === undefined) r['orig_ip_bytes'] = 0;
      if (r['resp_pkts'] === undefined) r['resp_pkts'] = 0;
      if (r['resp_ip_bytes'] === undefined) r['resp_ip_bytes'] = 0;
      if (r['community_id'] === undefined) {
        r['community_id'] = textCommunityId(r['orig_h'] as string, r['resp_h'] as string,
          zeekProtoNumber(r['proto'] as 'tcp'), r['orig_p'] as number, r['resp_p'] as number);
      }
      if (t.interim) r['interim'] = true;
      else if (r['interim'] === false) delete r['interim'];
      ctx.emit('conn', r as never);
      return;
    }
    case 'dns':
      needFlow(r);
      r['proto'] = transportName((r['proto'] as string | undefined) ?? '');
      if (r['trans_id'] === undefined) r['trans_id'] = 0;
      if (r['query'] === undefined) r['query'] = '';
      if (r['AA'] === undefined) r['AA'] = false;
      if (r['TC'] === undefined) r['TC'] = false;
      if (r['RD'] === undefined) r['RD'] = false;
      if (r['RA'] === undefined) r['RA'] = false;
      if (r['Z'] === undefined) r['Z'] = 0;
      if (r['answers'] === undefined) r['answers'] = [];
      if (r['TTLs'] === undefined) r['TTLs'] = [];
      if (r['rejected'] === undefined) r['rejected'] = false;
      ctx.emit('dns', r as never);
      return;
    case 'tls':
      needFlow(r);
      attachCert(r, ctx.certs);
      if (r['established'] === undefined) r['established'] = r['version'] !== undefined || r['cipher'] !== undefined;
      if (r['self_signed'] === undefined && r['subject'] !== undefined && r['issuer'] !== undefined) {
        r['self_signed'] = r['subject'] === r['issuer'];
      }
      ctx.emit('tls', r as never);
      return;
    case 'http':
      needFlow(r);
      if (r['trans_depth'] === undefined) r['trans_depth'] = 1;
      if (r['request_body_len'] === undefined) r['request_body_len'] = 0;
      if (r['response_body_len'] === undefined) r['response_body_len'] = 0;
      ctx.emit('http', r as never);
      return;
    case 'ssh':
      needFlow(r);
      ctx.emit('ssh', r as never);
      return;
    case 'mining':
      needFlow(r);
      if (r['protocol'] === undefined) r['protocol'] = '';
      if (r['method'] === undefined) r['method'] = '';
      if (r['is_orig'] === undefined) r['is_orig'] = false;
      ctx.emit('mining', r as never);
      return;
    case 'weird':
      need(r, 'ts', 'ts');
      if (r['uid'] === undefined) r['uid'] = '';
      if (r['name'] === undefined) r['name'] = '';
      ctx.emit('weird', r as never);
      return;
    case 'x509': {
      const fp = r['fingerprint'] as string | undefined, id = r['id'] as string | undefined;
      if (fp === undefined && id === undefined) throw new LineError('missing fingerprint and id');
      const c: CertInfo = {};
      if (r['subject'] !== undefined) c.subject = r['subject'] as string;
      if (r['issuer'] !== undefined) c.issuer = r['issuer'] as string;
      if (r['not_valid_before'] !== undefined) c.not_valid_before = r['not_valid_before'] as number;
      if (r['not_valid_after'] !== undefined) c.not_valid_after = r['not_valid_after'] as number;
      if (fp !== undefined && SHA1_HEX.test(fp)) c.sha1 = fp.toLowerCase();
      if (ctx.certs !== undefined) {
        if (fp !== undefined) ctx.certs.add(fp, c);
        if (id !== undefined) ctx.certs.add(id, c);
      }
      ctx.result.certificates++;
      return;
    }
  }
}
