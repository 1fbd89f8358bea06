/**
 * Line-per-value lists: plain lists (IP, CIDR, domain, URL; comments `#`, `//`, `;`; hosts-file
 * lines `0.0.0.0 name`), abuse.ch Feodo Tracker text, Spamhaus DROP text (`cidr ; SBLnnn`) and the
 * Emerging Threats IP lists (sections introduced by comment lines, kept as tags).
 */
import { classifyValue, isError, normaliseNetwork, parseTime, type Normalised } from '../indicator.js';
import {
  headerComments, isComment, MAX_LINE_CHARS, ResultBuilder, SNIFF_LINES,
  type FeedFormat, type ParseContext, type ParseResult, type Sniff,
} from './types.js';

/** Confidence of a plain list's entries when nobody says (`intel add --confidence` overrides). */
export const PLAIN_CONFIDENCE = 50;
/** Feodo Tracker lists botnet C2 servers that abuse.ch verified. */
export const FEODO_CONFIDENCE = 90;
/** Spamhaus DROP: hijacked or criminal netblocks ("do not route"), not C2 servers as such. */
export const SPAMHAUS_CONFIDENCE = 70;
/** Emerging Threats block/compromised lists: a mix of sources (DROP, DShield, Feodo ...). */
export const ET_CONFIDENCE = 60;

const HOSTS_SINK = new Set(['0.0.0.0', '127.0.0.1', '::', '::1']);

/** The value of a list line: inline comment (after blanks) removed, hosts-file sink address skipped. */
function lineValue(line: string): string | { error: string } {
  let t = line.trim();
  if (!/\s/.test(t)) return t;
  const c = /\s+(#|\/\/|;)/.exec(t);
  if (c !== null) t = t.slice(0, c.index);
  const parts = t.split(/\s+/);
  if (parts.length === 2 && HOSTS_SINK.has(parts[0]!)) return parts[1]!;
  if (parts.length > 1) return { error: `more than one value on the line ('${parts.slice(0, 3).join(' ')}')` };
  return t;
}

/** Binary or markup content is never a list. */
function notText(s: Sniff): string | undefined {
  const c = s.firstChar();
  if (c === '{' || c === '[') return 'looks like JSON';
  if (c === '<') return 'looks like HTML/XML';
  if (s.text.slice(0, 8192).includes('\0')) return 'binary content';
  return undefined;
}

/** How many of the first data lines are values. */
function sampleValues(s: Sniff): { ok: number; bad: number; firstBad?: string } {
  let ok = 0, bad = 0, firstBad: string | undefined;
  const lines = s.lines();
  for (let i = 0, seen = 0; i < lines.length && seen < SNIFF_LINES; i++) {
    const l = lines[i]!;
    if (l.trim() === '' || isComment(l)) continue;
    seen++;
    const v = lineValue(l);
    const n = typeof v === 'string' ? classifyValue(v) : v;
    if (isError(n)) { bad++; firstBad ??= `line ${i + 1}: ${n.error}`; } else ok++;
  }
  return firstBad === undefined ? { ok, bad } : { ok, bad, firstBad };
}

interface ListOptions {
  /** Comment lines inside the body name a section, kept as a tag (Emerging Threats). */
  sectionTags?: boolean;
  /** Tags on every indicator. */
  tags?: string[];
  /** Only addresses and networks (Feodo, DROP, ET). */
  addressesOnly?: boolean;
  /** A `; SBL123` comment after the value is a tag. */
  sblTags?: boolean;
}

function parseList(s: Sniff, b: ResultBuilder, o: ListOptions): ParseResult {
  const lines = s.lines();
  let section: string | undefined;
  const base = o.tags ?? [];
  let tags = b.tags(base);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.length > MAX_LINE_CHARS) { b.reject(`line ${i + 1}`, `line longer than ${MAX_LINE_CHARS} characters`); continue; }
    const t = line.trim();
    if (t === '') continue;
    if (isComment(t)) {
      if (o.sectionTags) {
        const name = t.replace(/^(#+|\/\/|;+)\s*/, '').trim();
        // A short comment right before data names the section ("#Spamhaus DROP Nets").
        if (name !== '' && name.length <= 60 && !/^(rev\b|last|updated|generated|http)/i.test(name) && i + 1 < lines.length && !isComment(lines[i + 1]!) && lines[i + 1]!.trim() !== '') {
          section = name.toLowerCase();
          tags = b.tags(section !== undefined ? [...base, section] : base);
        }
      }
      continue;
    }
    let extra: string | undefined;
    if (o.sblTags) extra = /;\s*(SBL\d+)/i.exec(t)?.[1]?.toLowerCase();
    const v = lineValue(t);
    let n: Normalised | { error: string } = typeof v === 'string' ? (o.addressesOnly ? normaliseNetwork(v) : classifyValue(v)) : v;
    if (!isError(n) && o.addressesOnly && n.type !== 'ip' && n.type !== 'cidr') n = { error: `'${t}' is not an IP address or network` };
    if (isError(n)) { b.reject(`line ${i + 1}`, n.error); continue; }
    b.add({ value: n.value, type: n.type, confidence: b.confidence, tags: extra !== undefined ? b.tags([...tags, extra]) : tags, port: n.port });
  }
  return b.done();
}

/** `Last updated: ...`, `Last-Modified: ...` in the header comments. */
function headerTime(s: Sniff): number | undefined {
  for (const h of headerComments(s.lines())) {
    const m = /^(?:last[ -]updated|last-modified|generated(?: on)?)\s*:?\s*(.+?)\s*#*$/i.exec(h);
    if (m !== null) {
      const t = parseTime(m[1]!) ?? (Number.isFinite(Date.parse(m[1]!)) ? Date.parse(m[1]!) / 1000 : undefined);
      if (t !== undefined) return t;
    }
  }
  return undefined;
}

function withTime(r: ParseResult, s: Sniff): ParseResult {
  const t = headerTime(s);
  if (t !== undefined) r.generated = t;
  return r;
}

/** A plain list (the fallback format: accepted when most sampled lines are values). */
export const plainList: FeedFormat = {
  name: 'plain',
  title: 'plain list: one IP, CIDR, domain or URL per line; comments #, // or ;',
  defaultConfidence: PLAIN_CONFIDENCE,
  detect(s) {
    const nt = notText(s);
    if (nt !== undefined) return nt;
    const r = sampleValues(s);
    if (r.ok === 0) return r.firstBad !== undefined ? `no line is an IP, CIDR, domain or URL (${r.firstBad})` : 'no data lines';
    if (r.bad > r.ok) return `most lines are not values (${r.bad} of ${r.ok + r.bad}; ${r.firstBad})`;
    return true;
  },
  parse: (s, ctx: ParseContext) => withTime(parseList(s, new ResultBuilder(ctx, PLAIN_CONFIDENCE), {}), s),
};

/** abuse.ch Feodo Tracker text (`ipblocklist.txt`, `ipblocklist_recommended.txt`). */
export const feodoText: FeedFormat = {
  name: 'feodo-txt',
  title: 'abuse.ch Feodo Tracker IP blocklist (text)',
  defaultConfidence: FEODO_CONFIDENCE,
  detect(s) {
    const h = headerComments(s.lines()).join('\n');
    if (!/feodo ?tracker/i.test(h) || !/abuse\.ch/i.test(h)) return "no 'abuse.ch Feodo Tracker' header comment";
    if (/dst_ip/i.test(h) || /dst_ip/.test(s.text.slice(0, 8192))) return 'has a CSV header (feodo-csv)';
    return true;
  },
  parse: (s, ctx) => withTime(parseList(s, new ResultBuilder(ctx, FEODO_CONFIDENCE), { addressesOnly: true, tags: ['botnet_cc'] }), s),
};

/** Spamhaus DROP/EDROP/DROPv6 text. */
export const spamhausDrop: FeedFormat = {
  name: 'spamhaus-drop',
  title: 'Spamhaus DROP / EDROP / DROPv6 (text: `cidr ; SBLnnn`, comments ;)',
  defaultConfidence: SPAMHAUS_CONFIDENCE,
  detect(s) {
    const lines = s.lines();
    const h = headerComments(lines).join('\n');
    const semicolon = lines.slice(0, 5).some((l) => l.trimStart().startsWith(';'));
    if (/spamhaus/i.test(h) && semicolon) return true;
    const data = s.head().filter((l) => l.trim() !== '' && !isComment(l));
    if (data.length > 0 && data.every((l) => /^\S+\s*;\s*SBL\d+\s*$/i.test(l.trim()))) return true;
    return "no '; Spamhaus' header comment and lines are not 'cidr ; SBLnnn'";
  },
  parse: (s, ctx) => withTime(parseList(s, new ResultBuilder(ctx, SPAMHAUS_CONFIDENCE), { addressesOnly: true, sblTags: true, tags: ['spamhaus-drop'] }), s),
};

/** Emerging Threats IP lists with their header comment. */
export const emergingThreatsIp: FeedFormat = {
  name: 'et-ip',
  title: 'Emerging Threats IP lists (emerging-Block-IPs.txt, compromised-ips.txt with header)',
  defaultConfidence: ET_CONFIDENCE,
  detect(s) {
    const h = headerComments(s.lines()).join('\n');
    if (/emerging ?threats|emergingthreats/i.test(h)) return true;
    // Its section comments, even when the header does not name it.
    if (/^#\s*(Spamhaus DROP Nets|Dshield Top Attackers|Shadowserver C&C List)\s*$/m.test(s.text.slice(0, 65_536))) return true;
    return "no 'Emerging Threats' header comment nor its section names";
  },
  parse: (s, ctx) => withTime(parseList(s, new ResultBuilder(ctx, ET_CONFIDENCE), { addressesOnly: true, sectionTags: true, tags: ['emerging-threats'] }), s),
};
