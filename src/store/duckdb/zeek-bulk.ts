/**
 * Bulk load of Zeek TSV conn and dns logs by DuckDB itself: `INSERT INTO conn|dns SELECT ...
 * FROM read_csv(...)`, the conversions in SQL. DuckDB parses the text on its own threads (in
 * parallel) and writes the rows inside the ingest's transaction; no record object is made in
 * JavaScript. Measured on conn logs: about 40% less CPU per record than the line reader plus the
 * chunk appender, and the work spreads over DuckDB's threads (see bench-ingest.ts).
 *
 * Exactly the line reader's semantics (formats/zeek-fields.ts tsvValue, finishDraft,
 * CONN_DEFAULTS, DNS_DEFAULTS); whatever this SQL does not do itself goes back to the reader:
 * - before: the text is checked (formats/zeek-bulk.ts prepareZeekTsvBulkInput: no CR, no
 *   underscore in a number, gzip inflated by Node into a temporary file so that a damaged stream
 *   is noticed);
 * - numbers are read by DuckDB's CSV reader (the same syntax as JavaScript's `Number` once
 *   underscores and infinities are excluded); strings and addresses as text, converted here;
 *   addresses that are not a canonical dotted quad and strings with `\xNN` escapes go through the
 *   reader's own functions (scalar functions calling back into JavaScript); the Community ID of
 *   rows without one is computed here for IPv4 (communityIdSql) and by the reader otherwise;
 *   booleans are `T`/`F`; sets (`answers`) are split on the set separator and each element
 *   unescaped; vectors of numbers (`TTLs`) are read in SQL only when every element is a plain
 *   decimal (`-12.5`, where DuckDB's cast and JavaScript's `Number` agree), else the reader reads
 *   the file;
 * - passive DNS of a dns log is derived in SQL from the stored rows (stagePdnsSql), pair for
 *   pair as store/pdns.ts forEachPdnsPair derives it from records;
 * - lines DuckDB rejects (a wrong field count, a value it does not read as a number, bytes that
 *   are not UTF-8) are read again from the file and judged by the reader: a bad line with its
 *   reason and number, a `#` comment, or a record the reader reads (stored through the batch);
 * - anything else where the reader could differ (an infinity, a missing required field, a header
 *   line changing the fields mid-file, a value out of range, a boolean other than T/F ...) raises an error that stops the
 *   statement: the caller rolls the transaction back and the line reader reads the whole file.
 *
 * SQL safety: the file path, separator, placeholders and defaults are bound parameters; the
 * statement text is built only from constants here, column positions, and record property names
 * from the code's own tables.
 */
import { open } from 'node:fs/promises';
import { DOUBLE, DuckDBScalarFunction, VARCHAR, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import {
  BULK_CONVERSIONS, BULK_MAX_LINE_BYTES, CANONICAL_IPV4_PATTERN, CONN_DEFAULTS, Conv, DNS_DEFAULTS, judgeZeekTsvLine, MAX_BAD_LINES_KEPT,
  prepareZeekTsvBulkInput, type BadLine, type ZeekTsvBulkPlan,
} from '../../formats/index.js';
import type { BulkLoadOptions } from '../bulk.js';
import type { RecordMap } from '../../records/schema.js';
import { normalizeName } from '../pdns.js';
import { TABLE_FIELDS } from './tables.js';

/** Rows DuckDB may put in its rejects table per file (one per missing column); beyond, the line reader reads the file. */
export const REJECTS_LIMIT = 100_000;
/** How often the progress of a running load is polled, milliseconds. */
export const PROGRESS_POLL_MS = 250;
/** Temporary tables DuckDB writes rejected lines into (on the ingest connection). */
const REJECTS_TABLE = 'c2hunt_rejects';
const REJECT_SCANS_TABLE = 'c2hunt_reject_scans';
/** Prefix of the error raised in SQL when the line reader must read the file (the message follows). */
export const FALLBACK_ERROR = 'c2hunt-bulk: ';

/** The flow fields a conn or dns line must have (the reader's needFlow). */
const REQUIRED = ['ts', 'uid', 'orig_h', 'orig_p', 'resp_h', 'resp_p'];

/** Names of the scalar functions calling back into the reader's conversions. */
const FN_ADDR = 'c2hunt_canonical_addr';
const FN_UNESCAPE = 'c2hunt_zeek_unescape';
const FN_COMMUNITY_ID = 'c2hunt_community_id';
const FN_NORMALIZE_NAME = 'c2hunt_normalize_name';

/** The record kinds this loader reads, and the table each goes to. */
export type BulkKind = 'conn' | 'dns';

/** Values finishDraft gives fields a log leaves unset or lacks, by kind. */
const DEFAULTS: Readonly<Record<BulkKind, Readonly<Record<string, string | number | boolean>>>> = { conn: CONN_DEFAULTS, dns: DNS_DEFAULTS };

/** Column name and type of each record property of a kind's table (the DNS flags are lower case there). */
const COLUMNS: Readonly<Record<BulkKind, ReadonlyMap<string, { name: string; type: string }>>> = {
  conn: new Map(TABLE_FIELDS.conn.map((c) => [c.field, { name: c.name, type: c.type }])),
  dns: new Map(TABLE_FIELDS.dns.map((c) => [c.field, { name: c.name, type: c.type }])),
};

/** Does a field of this conversion go to a column of this type here? */
function convFits(conv: Conv, type: string): boolean {
  switch (conv) {
    case Conv.Str: case Conv.Addr: return type === 'VARCHAR';
    case Conv.Num: case Conv.Time: return type === 'DOUBLE' || type === 'INTEGER' || type === 'BIGINT';
    case Conv.Bool: return type === 'BOOLEAN';
    case Conv.Strs: return type === 'VARCHAR[]';
    case Conv.Nums: return type === 'DOUBLE[]';
  }
}

/** Why this loader leaves a planned file to the line reader, or undefined when it reads it. */
export function declineReason(plan: ZeekTsvBulkPlan): string | undefined {
  if (plan.kind !== 'conn' && plan.kind !== 'dns') return `log "${plan.logPath}" is read by the line reader`;
  if (plan.interim) return 'interim conn records are read by the line reader';
  for (const k of REQUIRED) if (!plan.fields.has(k)) return `no ${k} field: every line is a bad line`;
  const columns = COLUMNS[plan.kind];
  let sets = false;
  for (const [key, f] of plan.fields) {
    const col = columns.get(key);
    if (col === undefined) return `field ${f.name} has no column`;
    if (!convFits(f.conv, col.type)) return `field ${f.name} converts in the line reader only`;
    if (f.conv === Conv.Strs || f.conv === Conv.Nums) sets = true;
  }
  const { h } = plan;
  if (h.sep === '\0') return 'NUL separator';
  if (h.unset.startsWith('#')) return 'unset placeholder starts with #';
  if (sets && h.setSep.length !== 1) return 'set separator is not one character';
  return undefined;
}

/** Register `name` as a VARCHAR -> VARCHAR function mapping each non-NULL value with `fn` (undefined gives NULL). */
function registerTextFunction(conn: DuckDBConnection, name: string, fn: (s: string) => string | undefined): void {
  conn.registerScalarFunction(DuckDBScalarFunction.create({
    name, returnType: VARCHAR, parameterTypes: [VARCHAR],
    mainFunction: (_info, input, output) => {
      const v = input.getColumnVector(0);
      for (let i = 0; i < input.rowCount; i++) {
        const s = v.getItem(i) as string | null;
        output.setItem(i, s === null ? null : fn(s) ?? null);
      }
      output.flush();
    },
  }));
}

/** Register the scalar functions the load statement calls (once per connection). */
export function registerBulkFunctions(conn: DuckDBConnection): void {
  registerTextFunction(conn, FN_ADDR, BULK_CONVERSIONS.addr);
  registerTextFunction(conn, FN_UNESCAPE, BULK_CONVERSIONS.unescape);
  registerTextFunction(conn, FN_NORMALIZE_NAME, normalizeName);
  conn.registerScalarFunction(DuckDBScalarFunction.create({
    name: FN_COMMUNITY_ID, returnType: VARCHAR, parameterTypes: [VARCHAR, VARCHAR, VARCHAR, DOUBLE, DOUBLE],
    mainFunction: (_info, input, output) => {
      const [a, b, p, sp, dp] = [0, 1, 2, 3, 4].map((j) => input.getColumnVector(j));
      for (let i = 0; i < input.rowCount; i++) {
        output.setItem(i, BULK_CONVERSIONS.communityId(a!.getItem(i) as string, b!.getItem(i) as string,
          p!.getItem(i) as string, sp!.getItem(i) as number, dp!.getItem(i) as number));
      }
      output.flush();
    },
  }));
}

/** ICMP types with a request/reply counterpart (the Community ID specification's table for IPv4). */
const ICMP4_PAIRS: readonly [number, number][] = [[8, 0], [0, 8], [13, 14], [14, 13], [15, 16], [16, 15], [10, 9], [9, 10], [17, 18], [18, 17]];

/** A canonical dotted quad as an integer (SQL over a column known to hold one). */
function ipv4Int(col: string): string {
  return `list_reduce(list_transform(string_split(${col}, '.'), x -> CAST(x AS UBIGINT)), (x, y) -> x * 256 + y)`;
}

/**
 * Community ID v1, seed 0, of IPv4 flows in SQL: the same bytes as sensor/flow/community-id.ts
 * (seed, the ordered addresses, protocol, a zero byte, the ordered ports; ICMP types with a
 * counterpart ordered like ports, the others one-way) hashed with SHA-1 and written in base64.
 * Three projection steps over `from` (each value computed once), for rows where `when` holds:
 * the columns must then hold canonical dotted quads, a transport of tcp/udp/icmp and integral
 * ports in 0-65535. Returns the wrapped query and the expression of the result (NULL where
 * `when` does not hold); a test compares it with the sensor's function.
 */
export function communityIdSql(from: string, when: string, orig: string, resp: string, proto: string, sport: string, dport: string): { query: string; expr: string } {
  const sp = `CAST(${sport} AS INTEGER)`, dp = `CAST(${dport} AS INTEGER)`;
  const pair = `(CASE ${sp} ${ICMP4_PAIRS.map(([x, y]) => `WHEN ${x} THEN ${y}`).join(' ')} END)`;
  const step1 = `SELECT *, CASE WHEN ${when} THEN ${ipv4Int(orig)} END AS cid_a, CASE WHEN ${when} THEN ${ipv4Int(resp)} END AS cid_b,
      CASE ${proto} WHEN 'tcp' THEN 6 WHEN 'udp' THEN 17 ELSE 1 END AS cid_p, CASE WHEN ${when} THEN ${sp} END AS cid_s,
      CASE WHEN NOT (${when}) THEN NULL WHEN ${proto} = 'icmp' THEN coalesce(${pair}, ${dp}) ELSE ${dp} END AS cid_d,
      ${proto} = 'icmp' AND ${pair} IS NULL AS cid_one_way FROM (${from})`;
  const step2 = `SELECT *, NOT cid_one_way AND NOT (cid_a < cid_b OR (cid_a = cid_b AND cid_s <= cid_d)) AS cid_swap FROM (${step1})`;
  const hex = `printf('0000%08x%08x%02x00%04x%04x', CASE WHEN cid_swap THEN cid_b ELSE cid_a END, CASE WHEN cid_swap THEN cid_a ELSE cid_b END, cid_p,`
    + ` CASE WHEN cid_swap THEN cid_d ELSE cid_s END, CASE WHEN cid_swap THEN cid_s ELSE cid_d END)`;
  return { query: step2, expr: `CASE WHEN ${when} THEN '1:' || to_base64(unhex(sha1(unhex(${hex})))) END` };
}

/** The SQL of an error that hands the file to the line reader. */
function fallback(why: string): string {
  return `error('${FALLBACK_ERROR}${why}')`;
}

/** A plain decimal (an optional minus, digits, an optional fraction): DuckDB's cast and JavaScript's `Number` read it alike. */
export const PLAIN_DECIMAL_PATTERN = '-?[0-9]+(\\.[0-9]+)?';

/** A regular expression (RE2 syntax) matching the one character `c` literally. */
function reChar(c: string): string {
  return /[A-Za-z0-9]/.test(c) ? c : `\\x{${c.codePointAt(0)!.toString(16)}}`;
}

/**
 * The load statement and its parameters, reading `csvPath` (the planned file or its
 * decompressed copy). Numeric fields are read as DOUBLE by the CSV reader (DuckDB's number
 * syntax equals JavaScript's `Number` once underscores are excluded, which
 * prepareZeekTsvBulkInput checks, and infinities, which the statement checks); a value it
 * cannot read makes a rejected line, judged afterwards by the line reader. Other fields are text.
 */
export function loadStatement(plan: ZeekTsvBulkPlan, ingestId: number, csvPath: string): { sql: string; params: Record<string, DuckDBValue> } {
  const kind = plan.kind as BulkKind;
  const params: Record<string, DuckDBValue> = {
    path: csvPath, delim: plan.h.sep, skip: plan.skipLines, unset: plan.h.unset, empty: plan.h.empty,
    rejects_limit: REJECTS_LIMIT, max_line: BULK_MAX_LINE_BYTES, id: ingestId,
  };
  const numeric = new Set<number>();
  for (const f of plan.fields.values()) if (f.conv === Conv.Num || f.conv === Conv.Time) numeric.add(f.index);
  const defaults = DEFAULTS[kind];
  const dflt = (key: string): string => {
    const v = defaults[key];
    if (v === undefined) return 'NULL';
    params[`d_${key}`] = v;
    return `$d_${key}`;
  };
  const setSep = (): string => {
    params.set_sep = plan.h.setSep;
    return '$set_sep';
  };
  /** A Str field (NULL when unset). */
  const str = (i: number): string =>
    `CASE WHEN c${i} IS NULL THEN NULL WHEN c${i} = $empty THEN '' WHEN contains(c${i}, '\\') THEN ${FN_UNESCAPE}(c${i}) ELSE c${i} END`;
  /** Checks every row must pass (else the line reader reads the file). */
  const checks: string[] = [`starts_with(c0, '#')`];
  const mid: string[] = []; // converted columns, by record property
  for (const col of TABLE_FIELDS[kind]) {
    const key = col.field;
    const f = plan.fields.get(key);
    const required = REQUIRED.includes(key);
    let e: string;
    if (key === 'proto') {
      const v = f === undefined ? "''" : `coalesce(${str(f.index)}, '')`;
      e = `CASE ${v} WHEN 'tcp' THEN 'tcp' WHEN 'udp' THEN 'udp' WHEN 'icmp' THEN 'icmp' ELSE 'unknown_transport' END`;
    } else if (key === 'interim') {
      e = 'NULL';
    } else if (f === undefined) {
      e = col.type === 'VARCHAR[]' || col.type === 'DOUBLE[]' ? `CAST([] AS ${col.type})` : dflt(key);
    } else if (f.conv === Conv.Addr) {
      const c = `c${f.index}`;
      if (required) checks.push(`${c} IS NULL`);
      e = `CASE WHEN regexp_full_match(${c}, '${CANONICAL_IPV4_PATTERN}') THEN ${c}`
        + ` ELSE coalesce(${FN_ADDR}(${c}), ${fallback(`bad address in ${key}`)}) END`;
    } else if (f.conv === Conv.Str) {
      if (required) checks.push(`c${f.index} IS NULL`);
      e = required ? str(f.index) : `coalesce(${str(f.index)}, ${dflt(key)})`;
    } else if (f.conv === Conv.Bool) {
      // The reader reads T and F; anything else is a bad line it must number: it reads the file.
      const c = `c${f.index}`;
      e = `CASE WHEN ${c} IS NULL THEN ${dflt(key)} WHEN ${c} = 'T' THEN true WHEN ${c} = 'F' THEN false`
        + ` ELSE ${fallback(`bad bool in ${key}`)} END`;
    } else if (f.conv === Conv.Strs) {
      const c = `c${f.index}`;
      e = `CASE WHEN ${c} IS NULL OR ${c} = $empty THEN CAST([] AS VARCHAR[]) ELSE list_transform(string_split(${c}, ${setSep()}),`
        + ` x -> CASE WHEN contains(x, '\\') THEN ${FN_UNESCAPE}(x) ELSE x END) END`;
    } else if (f.conv === Conv.Nums) {
      const c = `c${f.index}`;
      params[`re_${key}`] = `${PLAIN_DECIMAL_PATTERN}(${reChar(plan.h.setSep)}${PLAIN_DECIMAL_PATTERN})*`;
      checks.push(`${c} IS NOT NULL AND ${c} <> $empty AND NOT regexp_full_match(${c}, $re_${key})`);
      e = `CASE WHEN ${c} IS NULL OR ${c} = $empty THEN CAST([] AS DOUBLE[])`
        + ` ELSE list_transform(string_split(${c}, ${setSep()}), x -> CAST(x AS DOUBLE)) END`;
    } else {
      const c = `c${f.index}`;
      // JavaScript reads infinities only when spelled `Infinity`: the line reader decides.
      checks.push(required ? `${c} IS NULL OR NOT isfinite(${c})` : `NOT isfinite(${c})`);
      const n = required ? c : `coalesce(${c}, ${dflt(key)})`;
      // The chunk appender truncates (BIGINT) and wraps (INTEGER); out of range fails the cast and the load.
      e = col.type === 'DOUBLE' ? n : `CAST(trunc(${n}) AS ${col.type})`;
    }
    mid.push(`${e} AS ${col.name}`);
  }
  let outer = TABLE_FIELDS[kind].map((c) => c.name);
  let wrap = (q: string): string => q;
  if (kind === 'conn') {
    // The Community ID the reader computes for rows without one: from the ports as read and the
    // transport as converted above.
    const orig = plan.fields.get('orig_p')!.index, resp = plan.fields.get('resp_p')!.index;
    mid.push(`c${orig} AS orig_p_read`, `c${resp} AS resp_p_read`);
    const byReader = `${FN_COMMUNITY_ID}(orig_h, resp_h, proto, orig_p_read, resp_p_read)`;
    let cid: string;
    if (plan.fields.has('community_id')) {
      cid = `coalesce(community_id, ${byReader})`; // a few unset ones: the reader computes them
    } else {
      // Every row needs one: computed here for IPv4 flows, by the reader otherwise.
      const v4 = `NOT contains(orig_h, ':') AND NOT contains(resp_h, ':') AND proto <> 'unknown_transport'`
        + ` AND orig_p_read = trunc(orig_p_read) AND resp_p_read = trunc(resp_p_read)`
        + ` AND orig_p_read BETWEEN 0 AND 65535 AND resp_p_read BETWEEN 0 AND 65535`;
      wrap = (q) => communityIdSql(q, v4, 'orig_h', 'resp_h', 'proto', 'orig_p_read', 'resp_p_read').query;
      const { expr } = communityIdSql('', v4, 'orig_h', 'resp_h', 'proto', 'orig_p_read', 'resp_p_read');
      cid = `CASE WHEN proto = 'unknown_transport' THEN '' ELSE coalesce(${expr}, ${byReader}) END`;
    }
    outer = outer.map((c) => (c === 'community_id' ? cid : c));
  }
  const columns = plan.names.map((_, i) => `'c${i}': '${numeric.has(i) ? 'DOUBLE' : 'VARCHAR'}'`).join(', ');
  if (numeric.has(0)) checks[0] = 'false'; // a number cannot start with '#'
  const csv = `read_csv($path, columns = {${columns}}, delim = $delim, skip = $skip, nullstr = $unset,
                    header = false, quote = '', escape = '', auto_detect = false, new_line = '\\n',
                    max_line_size = $max_line, store_rejects = true, rejects_limit = $rejects_limit,
                    rejects_table = '${REJECTS_TABLE}', rejects_scan = '${REJECT_SCANS_TABLE}')`;
  const where = `WHERE CASE WHEN ${checks.map((c) => `(${c})`).join(' OR ')} THEN ${fallback('a line needs the line reader')} ELSE true END`;
  const converted = `SELECT ${mid.join(',\n             ')}\n      FROM ${csv}\n      ${where}`;
  const sql = `INSERT INTO ${kind} SELECT ${outer.join(', ')}, $id FROM (${wrap(converted)})`;
  return { sql, params };
}

/** An answer that is an address (store/pdns.ts isAddressAnswer), in RE2 syntax for the SQL below. */
const ADDRESS_ANSWER_SQL = (x: string): string =>
  `(regexp_full_match(${x}, '[0-9]{1,3}(\\.[0-9]{1,3}){3}') OR (contains(${x}, ':') AND regexp_full_match(${x}, '[0-9a-fA-F:.]+')))`;

/** A name as passive DNS stores it (store/pdns.ts normalizeName): DuckDB's lower() for ASCII, the reader's function otherwise. */
const NORMALIZED_SQL = (x: string): string =>
  `(CASE WHEN regexp_matches(${x}, '[^\\x00-\\x7f]') THEN ${FN_NORMALIZE_NAME}(${x})`
  + ` WHEN ends_with(${x}, '.') THEN lower(left(${x}, length(${x}) - 1)) ELSE lower(${x}) END)`;

/**
 * The statement that stages the passive DNS of one ingest's dns rows into `stage` (fqdn, ip,
 * first_seen, last_seen, count), pair for pair as forEachPdnsPair derives it from a record:
 * every non-empty address answer maps from the query and from each name answer (CNAME ...)
 * before it; rows with an empty query or no answers give none. Grouped by (fqdn, ip), as the
 * accumulator groups them. Parameter: `$id`, the ingest.
 */
export function stagePdnsSql(stage: string): string {
  return `
    INSERT INTO ${stage}
    SELECT fqdn, ip, min(ts), max(ts), count(*) FROM (
      SELECT ts, ip, ${NORMALIZED_SQL('name')} AS fqdn FROM (
        SELECT ts, answers[k] AS ip, unnest(list_prepend(query, list_filter(answers[1:k - 1], x -> x <> '' AND NOT ${ADDRESS_ANSWER_SQL('x')}))) AS name
        FROM (SELECT ts, query, answers, unnest(range(1, len(answers) + 1)) AS k FROM dns WHERE ingest_id = $id AND query <> '' AND len(answers) > 0)
        WHERE answers[k] <> '' AND ${ADDRESS_ANSWER_SQL('answers[k]')}))
    GROUP BY fqdn, ip`;
}

/** What a load stored, or why the line reader must read the file. */
export type LoadOutcome =
  | {
    loaded: true; records: number; badLines: BadLine[]; badLineCount: number; firstTs?: number; lastTs?: number;
    /** Lines DuckDB rejected that the line reader reads (a number only JavaScript reads): store them too. */
    readByReader: RecordMap[BulkKind][];
    /** Passive-DNS rows staged (dns logs, stagePdnsSql), before the records read by the reader. */
    pdnsStaged: number;
  }
  | { loaded: false; reason: string };

const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : 0);

/** Bytes read per chunk when looking up rejected lines. */
const LINES_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Lines of a file by number (1-based, sorted ascending), decoded as the line reader decodes
 * them (UTF-8, replacement characters for other bytes). One pass over the file, only when some
 * lines were rejected (DuckDB's byte positions of rejected lines are not exact).
 */
async function linesAt(path: string, wanted: readonly number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(LINES_CHUNK_BYTES);
    let lineNo = 1, next = 0, pos = 0;
    let pending: Buffer[] = []; // bytes of a wanted line that spans chunks
    while (next < wanted.length) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      const chunk = buf.subarray(0, bytesRead);
      let start = 0;
      for (;;) {
        const nl = chunk.indexOf(10, start);
        const end = nl < 0 ? bytesRead : nl;
        if (lineNo === wanted[next]) {
          pending.push(Buffer.from(chunk.subarray(start, end)));
          if (nl >= 0) {
            out.set(lineNo, Buffer.concat(pending).toString('utf8'));
            pending = [];
            next++;
          }
        }
        if (nl < 0 || next >= wanted.length) break;
        lineNo++;
        start = nl + 1;
      }
      pos += bytesRead;
    }
    if (pending.length > 0 && next < wanted.length) out.set(lineNo, Buffer.concat(pending).toString('utf8'));
  } finally {
    await fh.close();
  }
  return out;
}

/**
 * Load a planned conn or dns log into its table inside the connection's open transaction; for a
 * dns log also stage its passive DNS into the table `pdnsStage` (see stagePdnsSql). After
 * `loaded: false` the transaction may be aborted: roll it back.
 */
export async function loadZeekTsv(conn: DuckDBConnection, plan: ZeekTsvBulkPlan, ingestId: number, size: number, tmpDir: string,
  pdnsStage: string, opts: BulkLoadOptions = {}): Promise<LoadOutcome> {
  const input = opts.prepared ?? await prepareZeekTsvBulkInput(plan, tmpDir, { checked: opts.textChecked === true });
  if ('ineligible' in input) return { loaded: false, reason: input.ineligible };
  try {
    const out = await loadText(conn, plan, ingestId, size, input.path, opts);
    if (out.loaded && plan.kind === 'dns' && out.records > 0) {
      out.pdnsStaged = num((await conn.run(stagePdnsSql(pdnsStage), { id: ingestId })).rowsChanged);
    }
    return out;
  } finally {
    if (opts.prepared === undefined) await input.cleanup(); // a prepared input is the caller's
  }
}

async function loadText(conn: DuckDBConnection, plan: ZeekTsvBulkPlan, ingestId: number, size: number, csvPath: string,
  opts: BulkLoadOptions): Promise<LoadOutcome> {
  const { sql, params } = loadStatement(plan, ingestId, csvPath);
  await conn.run(`DROP TABLE IF EXISTS ${REJECTS_TABLE}`);
  await conn.run(`DROP TABLE IF EXISTS ${REJECT_SCANS_TABLE}`);
  let records: number;
  opts.onProgress?.(0, size);
  const timer = opts.onProgress === undefined ? undefined : setInterval(() => {
    const p = conn.progress;
    if (p.percentage > 0) opts.onProgress!(Math.min(size, Math.round((p.percentage / 100) * size)), size);
  }, PROGRESS_POLL_MS);
  try {
    // Progress is tracked only while loading: tracking costs CPU in every statement.
    if (timer !== undefined) await conn.run('SET enable_progress_bar = true');
    records = num((await conn.run(sql, params)).rowsChanged);
    if (timer !== undefined) await conn.run('RESET enable_progress_bar');
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const at = msg.indexOf(FALLBACK_ERROR);
    return { loaded: false, reason: at >= 0 ? msg.slice(at + FALLBACK_ERROR.length).split('\n')[0]! : `DuckDB: ${msg.split('\n')[0]}` };
  } finally {
    if (timer !== undefined) clearInterval(timer);
  }
  opts.onProgress?.(size, size);

  // Rejected lines: the line reader judges each, read from the file's own bytes (DuckDB's copy
  // of a line replaces bytes that are not UTF-8, and the reader decodes them its own way).
  const rejected = (await conn.runAndReadAll(`
    SELECT line, count(*) AS n, min(error_type) AS type,
           count(*) FILTER (WHERE error_type NOT IN ('MISSING COLUMNS', 'TOO MANY COLUMNS', 'CAST', 'INVALID ENCODING')) AS other
    FROM ${REJECTS_TABLE} GROUP BY line ORDER BY line`)).getRowObjectsJS();
  if (rejected.reduce((n, r) => n + num(r.n), 0) >= REJECTS_LIMIT) return { loaded: false, reason: 'too many rejected lines' };
  const badLines: BadLine[] = [];
  let badLineCount = 0;
  const readByReader: RecordMap[BulkKind][] = [];
  for (const r of rejected) if (num(r.other) > 0) return { loaded: false, reason: `line ${num(r.line)}: ${String(r.type).toLowerCase()}` };
  const texts = rejected.length > 0 ? await linesAt(csvPath, rejected.map((r) => num(r.line))) : new Map<number, string>();
  for (const r of rejected) {
    const text = texts.get(num(r.line));
    if (text === undefined) return { loaded: false, reason: `line ${num(r.line)}: not found` };
    const v = judgeZeekTsvLine(plan, text);
    if (v.kind === 'bad') {
      badLineCount++;
      if (badLines.length < MAX_BAD_LINES_KEPT) badLines.push({ line: num(r.line), reason: v.reason });
    } else if (v.kind === 'record') {
      readByReader.push(v.record as RecordMap[BulkKind]);
    } else if (v.kind === 'header' && v.effect !== 'ignored') {
      return { loaded: false, reason: `line ${num(r.line)}: a header changes mid-file` };
    }
  }
  const out: LoadOutcome = { loaded: true, records, badLines, badLineCount, readByReader, pdnsStaged: 0 };
  if (records > 0) {
    // The table name is one of the two constants of BulkKind (declineReason checked the plan's kind).
    const range = (await conn.runAndReadAll(`SELECT min(ts) AS a, max(ts) AS b FROM ${plan.kind as BulkKind} WHERE ingest_id = $id`, { id: ingestId })).getRowObjectsJS()[0];
    out.firstTs = num(range?.a);
    out.lastTs = num(range?.b);
  }
  return out;
}
