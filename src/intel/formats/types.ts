/**
 * The shape every feed format shares (one file per format family, registered in `registry.ts`):
 * `detect` looks at the content and accepts or declines with a reason; `parse` turns the whole
 * content into indicators, counting every entry it could not use with where and why.
 */
import type { Indicator } from '../indicator.js';
import { clip } from '../indicator.js';

/** Names of the supported formats (`--format`). */
export type FormatName =
  | 'plain' | 'feodo-txt' | 'feodo-csv' | 'feodo-json' | 'threatfox-csv' | 'threatfox-json'
  | 'urlhaus-csv' | 'sslbl-ja3-csv' | 'sslbl-cert-csv' | 'spamhaus-drop' | 'spamhaus-drop-json'
  | 'et-ip' | 'misp-json' | 'stix2' | 'zeek-intel';

/** The content of a feed with cached views, so detection and parsing split or parse it once. */
export class Sniff {
  private linesCache?: string[];
  private jsonCache?: { value: unknown } | { error: string };
  constructor(readonly text: string) {}
  /** All lines (CR stripped). */
  lines(): string[] {
    if (this.linesCache === undefined) {
      const ls = this.text.split('\n');
      for (let i = 0; i < ls.length; i++) if (ls[i]!.endsWith('\r')) ls[i] = ls[i]!.slice(0, -1);
      if (ls.length > 0 && ls[ls.length - 1] === '') ls.pop();
      if (ls.length > 0 && ls[0]!.charCodeAt(0) === 0xfeff) ls[0] = ls[0]!.slice(1);
      this.linesCache = ls;
    }
    return this.linesCache;
  }
  /** The first `n` lines (for detection). */
  head(n = SNIFF_LINES): string[] {
    return this.lines().slice(0, n);
  }
  /** First non-space character. */
  firstChar(): string {
    const m = /\S/.exec(this.text.length > 4096 ? this.text.slice(0, 4096) : this.text);
    return m === null ? '' : m[0];
  }
  /** The whole content as JSON (parsed once), or the parse error. */
  json(): { value: unknown } | { error: string } {
    if (this.jsonCache === undefined) {
      const c = this.firstChar();
      if (c !== '{' && c !== '[') this.jsonCache = { error: 'not JSON (does not start with { or [)' };
      else {
        try {
          this.jsonCache = { value: JSON.parse(this.text.charCodeAt(0) === 0xfeff ? this.text.slice(1) : this.text) as unknown };
        } catch (e) {
          this.jsonCache = { error: `not valid JSON (${(e as Error).message})` };
        }
      }
    }
    return this.jsonCache;
  }
}

/** Lines looked at by detection. */
export const SNIFF_LINES = 60;

/** One entry that could not be used: where (`line 3`, `Event.Attribute[2]`) and why. */
export interface EntryError { where: string; reason: string }

/** What parsing a feed gave. */
export interface ParseResult {
  indicators: Indicator[];
  /** Entries that were broken (bad value, wrong column count ...). */
  rejected: number;
  /** The first MAX_ERRORS_KEPT of them, in order. */
  errors: EntryError[];
  /** Entries that were valid but not used, by reason (`to_ids false`, `unsupported type email`). */
  skipped: Record<string, number>;
  /** Whole-feed remarks (count in a trailer differs ...). */
  warnings: string[];
  /** A whole-feed problem that makes it unusable (e.g. missing trailer: truncated download). */
  fatal?: string;
  /** The feed's own "last updated" stamp (epoch s), when it has one. */
  generated?: number;
}

/** Errors kept with their place; the rest are only counted. */
export const MAX_ERRORS_KEPT = 20;

/** What a format's parser is told. */
export interface ParseContext {
  /** Name of the feed (goes into every indicator). */
  feed: string;
  /** Confidence for indicators whose feed gives none (overrides the format's default). */
  confidence?: number;
}

/** A feed format: detection by content and a parser. */
export interface FeedFormat {
  name: FormatName;
  /** One line for `intel formats` and error messages. */
  title: string;
  /** Confidence (0..100) given to indicators when the feed has no figure of its own. */
  defaultConfidence: number;
  /** True when the content is this format, else the reason it is not. */
  detect(s: Sniff): true | string;
  parse(s: Sniff, ctx: ParseContext): ParseResult;
}

/** Accumulates a ParseResult. */
export class ResultBuilder {
  readonly r: ParseResult = { indicators: [], rejected: 0, errors: [], skipped: {}, warnings: [] };
  private readonly tagCache = new Map<string, readonly string[]>();
  constructor(readonly ctx: ParseContext, readonly defaultConfidence: number) {}
  /** The confidence to use when the feed gives none. */
  get confidence(): number {
    return this.ctx.confidence ?? this.defaultConfidence;
  }
  private readonly memos = new Map<string, Map<string, unknown>>();
  /** `fn(key)` computed once per distinct key (family names, tag lists: a few values over a million rows). */
  memo<T>(space: string, key: string, fn: (k: string) => T): T {
    let m = this.memos.get(space);
    if (m === undefined) this.memos.set(space, (m = new Map()));
    let v = m.get(key) as T | undefined;
    if (v === undefined && !m.has(key)) {
      v = fn(key);
      if (m.size < 10_000) m.set(key, v);
    }
    return v as T;
  }
  reject(where: string, reason: string): void {
    this.r.rejected++;
    if (this.r.errors.length < MAX_ERRORS_KEPT) this.r.errors.push({ where, reason });
  }
  skip(reason: string, n = 1): void {
    this.r.skipped[reason] = (this.r.skipped[reason] ?? 0) + n;
  }
  /** Shares one frozen array among indicators with the same tags (a million indicators, a few tag sets). */
  tags(tags: string[]): readonly string[] {
    const k = tags.join('\x1f');
    let t = this.tagCache.get(k);
    if (t === undefined) {
      t = Object.freeze(tags);
      if (this.tagCache.size < 10_000) this.tagCache.set(k, t);
    }
    return t;
  }
  /** Adds an indicator; every indicator gets the same property layout (one hidden class for a million of them). */
  add(i: Omit<Indicator, 'feed'>): void {
    const o: Indicator = {
      value: i.value, type: i.type, feed: this.ctx.feed, confidence: i.confidence, family: i.family || undefined, tags: i.tags,
      first_seen: i.first_seen, last_seen: i.last_seen, expires: i.expires, port: i.port,
      reference: i.reference || undefined, description: i.description || undefined, condition: i.condition || undefined,
    };
    this.r.indicators.push(o);
  }
  done(): ParseResult {
    return this.r;
  }
}

/** Longest line read (characters); a longer line is rejected, not parsed. */
export const MAX_LINE_CHARS = 65_536;

/**
 * Fields of one CSV line (RFC 4180 quoting, `""` inside quotes; blanks around separators, as in
 * ThreatFox's `"a", "b"`, are dropped), or the reason it is malformed.
 */
export function splitCsv(line: string, sep = ','): string[] | { error: string } {
  if (line.length > MAX_LINE_CHARS) return { error: `line longer than ${MAX_LINE_CHARS} characters` };
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && (line[i] === ' ' || line[i] === '\t') && sep !== '\t') i++;
    if (i < n && line[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return { error: 'unterminated quoted field' };
        v += line.slice(i, q);
        if (line[q + 1] === '"') { v += '"'; i = q + 2; continue; }
        i = q + 1;
        break;
      }
      while (i < n && (line[i] === ' ' || line[i] === '\t') && sep !== '\t') i++;
      out.push(v);
      if (i >= n) return out;
      if (line[i] !== sep) return { error: `text after a quoted field ('${clip(line.slice(i), 20)}')` };
      i++;
    } else {
      const e = line.indexOf(sep, i);
      const v = (e < 0 ? line.slice(i) : line.slice(i, e)).trim();
      out.push(v);
      if (e < 0) return out;
      i = e + 1;
    }
  }
}

/** True when a line is a comment in lists that use `#`, `//` or `;`. */
export function isComment(line: string): boolean {
  const t = line.trimStart();
  return t.startsWith('#') || t.startsWith('//') || t.startsWith(';');
}

/** The text of the comment lines at the start of a file (the header block), markers removed. */
export function headerComments(lines: string[], max = SNIFF_LINES): string[] {
  const out: string[] = [];
  for (const l of lines.slice(0, max)) {
    const t = l.trim();
    if (t === '') continue;
    if (!isComment(t)) break;
    out.push(t.replace(/^(#+|\/\/|;+)\s?/, ''));
  }
  return out;
}

/**
 * The header of a CSV feed: the line among the first ones that names every `required` column,
 * commented out (`# "first_seen_utc","dst_ip"`: abuse.ch ThreatFox, URLhaus, SSLBL) or not (Feodo
 * Tracker's CSV: the first line after the comment block). Column names lower-cased; `line` is the
 * header's index when it is not a comment (so the rows skip it), else -1.
 */
export function csvHeader(lines: string[], required: readonly string[]): { cols: string[]; line: number } | undefined {
  for (let i = 0; i < Math.min(lines.length, SNIFF_LINES); i++) {
    const t = lines[i]!.trim();
    if (t === '') continue;
    const commented = t.startsWith('#');
    const body = commented ? t.replace(/^#+\s*/, '') : t;
    if (body.includes(',')) {
      const cols = splitCsv(body);
      if (Array.isArray(cols)) {
        const lc = cols.map((c) => c.toLowerCase());
        if (required.every((r) => lc.includes(r))) return { cols: lc, line: commented ? -1 : i };
      }
    }
    if (!commented) return undefined; // the first data line is not a header: there is none
  }
  return undefined;
}

/** The value of a column by name, '' when absent. */
export function col(fields: string[], header: string[], name: string): string {
  const i = header.indexOf(name);
  return i < 0 ? '' : (fields[i] ?? '');
}

/** Plain-object check for parsed JSON. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A string field of parsed JSON, '' otherwise (numbers become their text). */
export function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : '';
}
