/**
 * abuse.ch exports: Feodo Tracker (CSV, JSON; the text list is in lists.ts), ThreatFox (CSV and
 * JSON, `ip:port` values), URLhaus (CSV) and SSLBL (JA3 fingerprints and certificate SHA-1, CSV).
 * Their CSVs open with a `#` comment block; the column header is its last line, commented out
 * (`# "first_seen_utc","ioc_id",...`: ThreatFox, URLhaus, SSLBL), or the first line after it
 * (Feodo Tracker). Columns are read by the header's names, so added columns do not matter.
 */
import {
  classifyValue, clampConfidence, hashType, isError, normaliseHex, normaliseNetwork, normaliseTags, normaliseUrl,
  parseTime, type Indicator,
} from '../indicator.js';
import {
  col, csvHeader, headerComments, isObject, ResultBuilder, splitCsv, str,
  type FeedFormat, type ParseResult, type Sniff,
} from './types.js';

/** Feodo Tracker: verified botnet C2 servers (online ones a little higher). */
export const FEODO_ONLINE_CONFIDENCE = 90;
/** Feodo Tracker C2 servers listed as offline. */
export const FEODO_OFFLINE_CONFIDENCE = 75;
/** ThreatFox entries without a confidence_level. */
export const THREATFOX_CONFIDENCE = 75;
/** URLhaus: malware distribution URLs; matched exactly, so a hit is strong. */
export const URLHAUS_CONFIDENCE = 80;
/** SSLBL JA3: abuse.ch itself warns that some fingerprints collide with legitimate software. */
export const SSLBL_JA3_CONFIDENCE = 60;
/** SSLBL certificates: leaf certificates of C2 servers; a SHA-1 collision is not an accident. */
export const SSLBL_CERT_CONFIDENCE = 90;

/** Rows of an abuse.ch CSV: data lines split by the commented header. */
function csvRows(s: Sniff, b: ResultBuilder, h: { cols: string[]; line: number }, row: (get: (name: string) => string, where: string) => void): void {
  const lines = s.lines();
  const header = h.cols;
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i]!.trim();
    if (t === '' || t.startsWith('#') || i === h.line) continue;
    const where = `line ${i + 1}`;
    const f = splitCsv(t);
    if (!Array.isArray(f)) { b.reject(where, f.error); continue; }
    if (f.length < header.length) { b.reject(where, `expected ${header.length} columns (${header.join(',')}), found ${f.length}`); continue; }
    row((name) => col(f, header, name), where);
  }
  const footer = /number of entries:\s*(\d+)/i.exec(s.text.slice(-4096));
  if (footer !== null && Number(footer[1]) !== b.r.indicators.length + b.r.rejected + Object.values(b.r.skipped).reduce((a, n) => a + n, 0)) {
    b.r.warnings.push(`the footer says ${footer[1]} entries, ${b.r.indicators.length} indicators and ${b.r.rejected} rejected lines were read`);
  }
}

function generated(s: Sniff, r: ParseResult): ParseResult {
  for (const h of headerComments(s.lines())) {
    const m = /last updated:\s*(.+?)\s*#*$/i.exec(h);
    const t = m === null ? undefined : parseTime(m[1]!.replace(/\s*\(UTC\)/i, ' UTC'));
    if (t !== undefined) { r.generated = t; break; }
  }
  return r;
}

function csvFormat(name: FeedFormat['name'], title: string, required: string[], conf: number, marker: RegExp | undefined,
  row: (b: ResultBuilder, get: (name: string) => string, where: string) => void): FeedFormat {
  return {
    name, title, defaultConfidence: conf,
    detect(s) {
      const h = csvHeader(s.lines(), required);
      if (h === undefined) return `no header line with columns ${required.join(', ')}`;
      if (marker !== undefined && !marker.test(headerComments(s.lines()).join('\n'))) return `header does not mention ${marker.source}`;
      return true;
    },
    parse(s, ctx) {
      const header = csvHeader(s.lines(), required);
      const b = new ResultBuilder(ctx, conf);
      if (header === undefined) {
        b.r.fatal = `no header line with columns ${required.join(', ')}`;
        return b.done();
      }
      csvRows(s, b, header, (get, where) => row(b, get, where));
      return generated(s, b.done());
    },
  };
}

/** Family names as feeds write them, minus noise ("Unknown malware", "Gozi C&C"). */
function family(s: string): string | undefined {
  const f = s.trim().replace(/\s+(c&c|c2|malware distribution)$/i, '');
  return f === '' || /^(unknown( malware)?|none|null|n\/a)$/i.test(f) ? undefined : f;
}

function splitTags(s: string): string[] {
  return s === '' || /^none$/i.test(s) ? [] : s.split(',');
}

// ---- Feodo Tracker ----

function feodoEntry(b: ResultBuilder, where: string, ip: string, port: string, status: string, first: unknown, last: unknown, malware: string): void {
  const n = normaliseNetwork(ip.trim());
  if (isError(n) || n.type !== 'ip') { b.reject(where, isError(n) ? n.error : `'${ip}' is not an IP address`); return; }
  const p = Number(port);
  const online = status.toLowerCase() === 'online';
  b.add({
    value: n.value, type: 'ip',
    confidence: b.ctx.confidence ?? (online ? FEODO_ONLINE_CONFIDENCE : FEODO_OFFLINE_CONFIDENCE),
    family: b.memo('family', malware, family),
    tags: b.memo('tags', status, () => b.tags(normaliseTags(['botnet_cc', status]))),
    first_seen: parseTime(first), last_seen: parseTime(last),
    port: Number.isInteger(p) && p > 0 && p < 65536 ? p : undefined,
  });
}

/** abuse.ch Feodo Tracker CSV (`ipblocklist.csv`). */
export const feodoCsv = csvFormat('feodo-csv', 'abuse.ch Feodo Tracker IP blocklist (CSV)', ['dst_ip', 'dst_port'], FEODO_ONLINE_CONFIDENCE, undefined,
  (b, get, where) => feodoEntry(b, where, get('dst_ip'), get('dst_port'), get('c2_status'), get('first_seen_utc'), get('last_online'), get('malware')));

/** abuse.ch Feodo Tracker JSON (`ipblocklist.json`: an array of {ip_address, port, status, malware ...}). */
export const feodoJson: FeedFormat = {
  name: 'feodo-json',
  title: 'abuse.ch Feodo Tracker IP blocklist (JSON)',
  defaultConfidence: FEODO_ONLINE_CONFIDENCE,
  detect(s) {
    const j = s.json();
    if ('error' in j) return j.error;
    if (!Array.isArray(j.value)) return 'not a JSON array';
    const first = j.value.find(isObject);
    if (first === undefined) return 'array holds no objects';
    return 'ip_address' in first && ('malware' in first || 'port' in first) ? true : 'objects have no ip_address and malware fields';
  },
  parse(s, ctx) {
    const b = new ResultBuilder(ctx, FEODO_ONLINE_CONFIDENCE);
    const j = s.json();
    if ('error' in j || !Array.isArray(j.value)) { b.r.fatal = 'error' in j ? j.error : 'not a JSON array'; return b.done(); }
    j.value.forEach((e, i) => {
      if (!isObject(e)) { b.reject(`[${i}]`, 'not an object'); return; }
      feodoEntry(b, `[${i}]`, str(e.ip_address), str(e.port), str(e.status), e.first_seen, e.last_online, str(e.malware));
    });
    return b.done();
  },
};

// ---- ThreatFox ----

/** A ThreatFox value by its ioc_type; skip reasons for types nobody can match. */
function threatfoxValue(b: ResultBuilder, where: string, type: string, value: string): Pick<Indicator, 'type' | 'value' | 'port'> | undefined {
  const t = type.trim().toLowerCase();
  const v = value.trim();
  switch (t) {
    case 'ip:port':
    case 'ip': {
      const n = classifyValue(v);
      if (isError(n) || (n.type !== 'ip' && n.type !== 'cidr')) { b.reject(where, isError(n) ? n.error : `'${v}' is not ip:port`); return undefined; }
      return n.port !== undefined ? { type: n.type, value: n.value, port: n.port } : { type: n.type, value: n.value };
    }
    case 'domain': {
      const n = classifyValue(v);
      if (isError(n) || n.type !== 'domain') { b.reject(where, isError(n) ? n.error : `'${v}' is not a domain`); return undefined; }
      return { type: 'domain', value: n.value };
    }
    case 'url': {
      const u = normaliseUrl(v);
      if (isError(u)) { b.reject(where, u.error); return undefined; }
      return { type: 'url', value: u };
    }
    case 'md5_hash':
    case 'sha1_hash':
    case 'sha256_hash': {
      const want = t.slice(0, -5) as 'md5' | 'sha1' | 'sha256';
      const h = v.toLowerCase();
      if (hashType(h) !== want) { b.reject(where, `'${v}' is not a ${want} hash`); return undefined; }
      return { type: want, value: h };
    }
    default:
      b.skip(`unsupported ioc_type ${t || '(empty)'}`);
      return undefined;
  }
}

function threatfoxEntry(b: ResultBuilder, where: string, e: { type: string; value: string; threat: string; malware: string; alias: string; printable: string; first: unknown; last: unknown; confidence: unknown; reference: string; tags: string }): void {
  const v = threatfoxValue(b, where, e.type, e.value);
  if (v === undefined) return;
  b.add({
    value: v.value, type: v.type, port: v.port,
    confidence: b.ctx.confidence ?? clampConfidence(e.confidence, THREATFOX_CONFIDENCE),
    family: b.memo('family', `${e.printable}\x1f${e.malware}`, () => family(e.printable) ?? family(e.malware)),
    tags: b.memo('tags', `${e.threat}\x1f${e.tags}`, () => b.tags(normaliseTags([e.threat, ...splitTags(e.tags)]))),
    first_seen: parseTime(e.first), last_seen: parseTime(e.last),
    reference: e.reference && !/^none$/i.test(e.reference) ? e.reference : undefined,
  });
}

/** abuse.ch ThreatFox CSV export (`"a", "b"` separators; `ip:port`, domain, url and hash IOCs). */
export const threatfoxCsv = csvFormat('threatfox-csv', 'abuse.ch ThreatFox IOCs (CSV export)', ['ioc_value', 'ioc_type'], THREATFOX_CONFIDENCE, undefined,
  (b, get, where) => threatfoxEntry(b, where, {
    type: get('ioc_type'), value: get('ioc_value'), threat: get('threat_type'), malware: get('fk_malware'), alias: get('malware_alias'),
    printable: get('malware_printable'), first: get('first_seen_utc'), last: get('last_seen_utc'), confidence: get('confidence_level'),
    reference: get('reference'), tags: get('tags'),
  }));

/** ThreatFox JSON: the export (`{"<id>": [ {ioc_value ...} ]}`) or an API answer (`{"query_status", "data": [ {ioc ...} ]}`). */
function threatfoxEntries(v: unknown): { where: string; e: Record<string, unknown> }[] | undefined {
  if (!isObject(v)) return undefined;
  if (Array.isArray(v.data) && 'query_status' in v) return v.data.map((e, i) => ({ where: `data[${i}]`, e: isObject(e) ? e : {} }));
  const out: { where: string; e: Record<string, unknown> }[] = [];
  for (const [id, list] of Object.entries(v)) {
    if (!Array.isArray(list)) return undefined;
    list.forEach((e, i) => out.push({ where: `${id}[${i}]`, e: isObject(e) ? e : {} }));
  }
  return out;
}

/** abuse.ch ThreatFox JSON: the export (keyed by IOC id) or an API answer. */
export const threatfoxJson: FeedFormat = {
  name: 'threatfox-json',
  title: 'abuse.ch ThreatFox IOCs (JSON export or API answer)',
  defaultConfidence: THREATFOX_CONFIDENCE,
  detect(s) {
    const j = s.json();
    if ('error' in j) return j.error;
    const es = threatfoxEntries(j.value);
    if (es === undefined) return 'not an object of id -> [entries] nor an API answer';
    const first = es[0]?.e;
    return first !== undefined && ('ioc_value' in first || 'ioc' in first) && 'ioc_type' in first ? true : 'entries have no ioc_value/ioc and ioc_type';
  },
  parse(s, ctx) {
    const b = new ResultBuilder(ctx, THREATFOX_CONFIDENCE);
    const j = s.json();
    const es = 'error' in j ? undefined : threatfoxEntries(j.value);
    if (es === undefined) { b.r.fatal = 'error' in j ? j.error : 'not a ThreatFox export'; return b.done(); }
    for (const { where, e } of es) {
      const tags = Array.isArray(e.tags) ? e.tags.map(str).join(',') : str(e.tags);
      threatfoxEntry(b, where, {
        type: str(e.ioc_type), value: str(e.ioc_value) || str(e.ioc), threat: str(e.threat_type), malware: str(e.malware),
        alias: str(e.malware_alias), printable: str(e.malware_printable), first: e.first_seen_utc ?? e.first_seen,
        last: e.last_seen_utc ?? e.last_seen, confidence: e.confidence_level, reference: str(e.reference), tags,
      });
    }
    return b.done();
  },
};

// ---- URLhaus ----

/** abuse.ch URLhaus CSV (`csv_recent`, `csv_online`). */
export const urlhausCsv = csvFormat('urlhaus-csv', 'abuse.ch URLhaus URLs (CSV)', ['url', 'url_status'], URLHAUS_CONFIDENCE, undefined,
  (b, get, where) => {
    const u = normaliseUrl(get('url'));
    if (isError(u)) { b.reject(where, u.error); return; }
    b.add({
      value: u, type: 'url', confidence: b.confidence,
      tags: b.memo('tags', `${get('threat')}\x1f${get('url_status')}\x1f${get('tags')}`, () => b.tags(normaliseTags([get('threat'), get('url_status'), ...splitTags(get('tags'))]))),
      first_seen: parseTime(get('dateadded')), last_seen: parseTime(get('last_online')), reference: get('urlhaus_link'),
    });
  });

// ---- SSLBL ----

/** abuse.ch SSLBL JA3 fingerprint CSV (`ja3_fingerprints.csv`). */
export const sslblJa3Csv = csvFormat('sslbl-ja3-csv', 'abuse.ch SSLBL JA3 fingerprints (CSV)', ['ja3_md5'], SSLBL_JA3_CONFIDENCE, undefined,
  (b, get, where) => {
    const h = normaliseHex(get('ja3_md5'), 32, 'JA3 fingerprint');
    if (isError(h)) { b.reject(where, h.error); return; }
    b.add({
      value: h, type: 'ja3', confidence: b.confidence, family: family(get('listingreason')), tags: b.tags(['sslbl']),
      first_seen: parseTime(get('firstseen')), last_seen: parseTime(get('lastseen')),
    });
  });

/** abuse.ch SSLBL certificate CSV (`sslblacklist.csv`: listing date, SHA-1, reason). */
export const sslblCertCsv = csvFormat('sslbl-cert-csv', 'abuse.ch SSLBL SSL certificate blacklist (CSV: SHA-1 of C2 certificates)', ['sha1', 'listingreason'], SSLBL_CERT_CONFIDENCE, undefined,
  (b, get, where) => {
    const h = normaliseHex(get('sha1'), 40, 'certificate SHA-1');
    if (isError(h)) { b.reject(where, h.error); return; }
    const reason = get('listingreason');
    b.add({
      value: h, type: 'cert_sha1', confidence: b.confidence, family: family(reason), tags: b.tags(normaliseTags(['sslbl', /c&c|c2/i.test(reason) ? 'botnet_cc' : ''])),
      first_seen: parseTime(get('listingdate')),
    });
  });

/** Exported for the registry. */
export const ABUSE_CH_FORMATS: readonly FeedFormat[] = [feodoJson, threatfoxJson, threatfoxCsv, urlhausCsv, feodoCsv, sslblJa3Csv, sslblCertCsv];
