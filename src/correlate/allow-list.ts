/**
 * Analyst feedback: the allow-list. An entry says "this is fine here, because ..." and the next
 * analysis suppresses the findings it matches and says so (the report lists them with the
 * reason). A JSON file:
 *
 * ```json
 * { "version": 1, "entries": [
 *   { "id": "A3f2c...", "domain": "*.dropbox.com", "reason": "sanctioned file sync", "added": "2026-11-02T10:00:00.000Z" },
 *   { "id": "A9b1e...", "cidr": "10.9.0.5/32", "detector": "scan", "reason": "vulnerability scanner", "added": "...", "expires": "2027-01-01T00:00:00.000Z" },
 *   { "id": "A77d0...", "src": "10.1.1.16", "dst": "backup.example.net", "reason": "nightly backup", "added": "..." },
 *   { "id": "A0c44...", "finding": "F27ce641205ecce96", "reason": "false positive: printer status poll", "added": "..." }
 * ] }
 * ```
 *
 * Each entry has exactly one matcher:
 * - `cidr`: an address or network. Matches a finding whose source is inside, or all of whose
 *   remote addresses (destination, rotating destinations, scan targets) are inside.
 * - `domain`: `example.com` matches that name only; `*.example.com` matches every name under it
 *   AND example.com itself. Matched against the name the host used, else (a finding by address)
 *   against the passive-DNS names of its address, all of which must match.
 * - `src` + `dst` (a pair, written `src->dst` on the command line): `src` an address or network,
 *   `dst` an address, network or domain pattern as above.
 * - `finding`: one finding id (stable across runs): "this finding is a false positive".
 * Optional: `detector` limits the entry to one detector; `expires` (ISO 8601) ends it; `by` names
 * who added it. `reason` is required. `id` is derived from the matcher, so adding the same
 * matcher again updates its reason and expiry instead of duplicating it.
 *
 * Loading validates every entry first and only then returns the list, so a broken file never
 * half-applies (the caller keeps its old list when loading throws).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import type { Detector } from '../detect/finding.js';
import { Networks, parseCidr } from '../detect/networks.js';
import { isIp, underDomain } from './endpoints.js';
import type { CorrelatedFinding } from './incident.js';

/** One allow-list entry (see the file comment for the matchers). */
export interface AllowEntry {
  /** `A` + 12 hex digits of SHA-256 over the matcher (and detector): stable, for `c2hunt allow remove`. */
  id: string;
  cidr?: string;
  domain?: string;
  src?: string;
  dst?: string;
  finding?: string;
  detector?: Detector;
  /** Why it is allowed: shown wherever a finding is suppressed. */
  reason: string;
  /** ISO 8601 time it was added. */
  added: string;
  /** ISO 8601 time it stops applying. */
  expires?: string;
  /** Who added it. */
  by?: string;
}

/** The allow-list file. */
export interface AllowList {
  version: 1;
  entries: AllowEntry[];
}

/** A finding the allow-list suppressed, and the entry that did. */
export interface Suppressed {
  finding: CorrelatedFinding;
  entry: { id: string; reason: string; matcher: string };
}

/** The result of applying an allow-list. */
export interface AllowResult {
  /** Findings not matched: go on to correlation. */
  findings: CorrelatedFinding[];
  /** Findings matched, with the entry and its reason. */
  suppressed: Suppressed[];
  /** Entries past their expiry (ignored). */
  expired: AllowEntry[];
}

/** Default allow-list file, in the working directory; overridden by C2HUNT_ALLOWLIST or `--allow-file`. */
export const DEFAULT_ALLOW_FILE = 'c2hunt-allow.json';
/** The allow-list file to use: the given path, else $C2HUNT_ALLOWLIST, else DEFAULT_ALLOW_FILE. */
export function allowFilePath(given?: string): string {
  return given ?? process.env['C2HUNT_ALLOWLIST'] ?? DEFAULT_ALLOW_FILE;
}

/** Most entries in one file (a bigger list is a feed: load it as intelligence, not as feedback). */
export const MAX_ALLOW_ENTRIES = 100_000;
/** Longest reason kept (characters). */
export const MAX_REASON_CHARS = 500;

const DETECTORS: ReadonlySet<string> = new Set(['beacon', 'long_conn', 'scan', 'mining', 'dns', 'intel']);
const DOMAIN_RE = /^(\*\.)?([a-z0-9_](?:[a-z0-9_-]{0,62})?)(\.[a-z0-9_](?:[a-z0-9_-]{0,62})?)*\.?$/i;

/** Cannot load, parse or change an allow-list; `code` is stable. */
export class AllowListError extends Error {
  constructor(readonly code: 'ALLOW_BAD_FILE' | 'ALLOW_BAD_ENTRY' | 'ALLOW_NOT_FOUND', message: string) {
    super(message);
    this.name = 'AllowListError';
  }
}

/** The matcher of an entry in one short string: `cidr 10.0.0.0/8`, `domain *.x.com`, `pair a->b`, `finding F...`. */
export function matcherOf(e: Pick<AllowEntry, 'cidr' | 'domain' | 'src' | 'dst' | 'finding' | 'detector'>): string {
  const m = e.cidr !== undefined ? `cidr ${e.cidr}` : e.domain !== undefined ? `domain ${e.domain}` : e.finding !== undefined ? `finding ${e.finding}` : `pair ${e.src}->${e.dst}`;
  return e.detector !== undefined ? `${m} (${e.detector} only)` : m;
}

function entryId(e: Pick<AllowEntry, 'cidr' | 'domain' | 'src' | 'dst' | 'finding' | 'detector'>): string {
  return `A${createHash('sha256').update(matcherOf(e)).digest('hex').slice(0, 12)}`;
}

const isCidr = (s: string) => { try { parseCidr(s); return true; } catch { return false; } };
const isDomainPattern = (s: string) => DOMAIN_RE.test(s) && !isIp(s) && s.length <= 255;

/** Check one entry's fields; returns the canonical entry or a reason it is wrong. */
function validate(raw: unknown, now: Date): AllowEntry | string {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return 'not an object';
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r)) if (!['id', 'cidr', 'domain', 'src', 'dst', 'finding', 'detector', 'reason', 'added', 'expires', 'by'].includes(k)) return `unknown field '${k}'`;
  for (const k of ['id', 'cidr', 'domain', 'src', 'dst', 'finding', 'detector', 'reason', 'added', 'expires', 'by']) {
    if (r[k] !== undefined && typeof r[k] !== 'string') return `'${k}' must be a string`;
  }
  const s = r as Record<string, string | undefined>;
  const kinds = [s.cidr !== undefined, s.domain !== undefined, s.src !== undefined || s.dst !== undefined, s.finding !== undefined].filter(Boolean).length;
  if (kinds !== 1) return 'needs exactly one matcher: cidr, domain, src+dst or finding';
  const e: AllowEntry = { id: '', reason: (s.reason ?? '').trim(), added: s.added ?? now.toISOString() };
  if (e.reason === '') return "'reason' is required";
  if (e.reason.length > MAX_REASON_CHARS) return `'reason' is longer than ${MAX_REASON_CHARS} characters`;
  if (s.cidr !== undefined) {
    if (!isCidr(s.cidr)) return `'cidr' ${JSON.stringify(s.cidr)} is not an address or network`;
    e.cidr = s.cidr;
  } else if (s.domain !== undefined) {
    const d = s.domain.toLowerCase().replace(/\.$/, '');
    if (!isDomainPattern(d)) return `'domain' ${JSON.stringify(s.domain)} is not a name or *.name`;
    e.domain = d;
  } else if (s.finding !== undefined) {
    if (!/^F[0-9a-f]{16}$/.test(s.finding)) return `'finding' ${JSON.stringify(s.finding)} is not a finding id (F + 16 hex digits)`;
    e.finding = s.finding;
  } else {
    if (s.src === undefined || s.dst === undefined) return 'a pair needs both src and dst';
    if (!isCidr(s.src)) return `'src' ${JSON.stringify(s.src)} is not an address or network`;
    const dst = isCidr(s.dst) ? s.dst : s.dst.toLowerCase().replace(/\.$/, '');
    if (!isCidr(dst) && !isDomainPattern(dst)) return `'dst' ${JSON.stringify(s.dst)} is not an address, network, name or *.name`;
    e.src = s.src; e.dst = dst;
  }
  if (s.detector !== undefined) {
    if (!DETECTORS.has(s.detector)) return `'detector' must be one of ${[...DETECTORS].join(', ')}`;
    e.detector = s.detector as Detector;
  }
  if (Number.isNaN(Date.parse(e.added))) return "'added' is not an ISO 8601 time";
  if (s.expires !== undefined) {
    if (Number.isNaN(Date.parse(s.expires))) return "'expires' is not an ISO 8601 time";
    e.expires = new Date(Date.parse(s.expires)).toISOString();
  }
  if (s.by !== undefined) e.by = s.by;
  e.id = entryId(e);
  if (s.id !== undefined && s.id !== e.id) return `'id' ${s.id} does not match its matcher (expected ${e.id}); remove the id to recompute it`;
  return e;
}

/** Parse and validate an allow-list document; throws AllowListError naming the first bad entry. */
export function parseAllowList(text: string, source = 'allow-list'): AllowList {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new AllowListError('ALLOW_BAD_FILE', `Cannot load allow-list ${source}: not JSON (${(err as Error).message})`);
  }
  if (doc === null || typeof doc !== 'object' || (doc as { version?: unknown }).version !== 1 || !Array.isArray((doc as { entries?: unknown }).entries)) {
    throw new AllowListError('ALLOW_BAD_FILE', `Cannot load allow-list ${source}: expected {"version": 1, "entries": [...]}`);
  }
  const raw = (doc as { entries: unknown[] }).entries;
  if (raw.length > MAX_ALLOW_ENTRIES) throw new AllowListError('ALLOW_BAD_FILE', `Cannot load allow-list ${source}: ${raw.length} entries, more than ${MAX_ALLOW_ENTRIES}`);
  const now = new Date();
  const entries = raw.map((r, i) => {
    const e = validate(r, now);
    if (typeof e === 'string') throw new AllowListError('ALLOW_BAD_ENTRY', `Cannot load allow-list ${source}: entry ${i + 1}: ${e}`);
    return e;
  });
  return { version: 1, entries };
}

/** Load an allow-list file; a missing file is an empty list. */
export function loadAllowList(path: string): AllowList {
  if (!existsSync(path)) return { version: 1, entries: [] };
  return parseAllowList(readFileSync(path, 'utf8'), path);
}

/** Write an allow-list atomically (a temporary file renamed over the old one). */
export function saveAllowList(path: string, list: AllowList): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(tmp, JSON.stringify(list, null, 2) + '\n');
  renameSync(tmp, path);
}

/** What `addAllowEntry` takes: a matcher, a reason, optional detector, expiry and author. */
export type AllowInput = Omit<AllowEntry, 'id' | 'added'> & { added?: string };

/**
 * Add an entry (validated); the same matcher replaces the old entry's reason and expiry.
 * Returns a new list and the entry; throws AllowListError when the entry is invalid.
 */
export function addAllowEntry(list: AllowList, input: AllowInput, now = new Date()): { list: AllowList; entry: AllowEntry; replaced: boolean } {
  const e = validate({ ...input, added: input.added ?? now.toISOString() }, now);
  if (typeof e === 'string') throw new AllowListError('ALLOW_BAD_ENTRY', `Cannot add allow-list entry: ${e}`);
  const replaced = list.entries.some((x) => x.id === e.id);
  return { list: { version: 1, entries: [...list.entries.filter((x) => x.id !== e.id), e] }, entry: e, replaced };
}

/** Remove entries by id; throws AllowListError (ALLOW_NOT_FOUND) naming ids that are not there. */
export function removeAllowEntries(list: AllowList, ids: readonly string[]): AllowList {
  const missing = ids.filter((id) => !list.entries.some((e) => e.id === id));
  if (missing.length > 0) throw new AllowListError('ALLOW_NOT_FOUND', `Cannot remove allow-list entry: no entry ${missing.join(', ')}`);
  return { version: 1, entries: list.entries.filter((e) => !ids.includes(e.id)) };
}

/** "30d", "12h", "2w", "90m" or an ISO 8601 date/time -> ISO 8601 time. */
export function parseExpiry(s: string, now = new Date()): string {
  const m = /^(\d+)\s*([mhdw])$/.exec(s.trim());
  if (m !== null) {
    const unit = { m: 60, h: 3600, d: 86400, w: 7 * 86400 }[m[2] as 'm' | 'h' | 'd' | 'w'];
    return new Date(now.getTime() + Number(m[1]) * unit * 1000).toISOString();
  }
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new AllowListError('ALLOW_BAD_ENTRY', `Cannot read expiry '${s}': use 30d, 12h, 2w or an ISO 8601 date`);
  return new Date(t).toISOString();
}

/** Does a domain pattern (`x.com` exact, `*.x.com` subdomains and apex) match a name? */
export function domainPatternMatches(pattern: string, name: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  return pattern.startsWith('*.') ? underDomain(n, pattern.slice(2)) : n === pattern;
}

interface Compiled { e: AllowEntry; test(f: CorrelatedFinding): boolean }

/** The remote addresses of a finding (scan targets included) and its names. */
function remote(f: CorrelatedFinding): { ips: string[]; names: string[] } {
  const ips = [...new Set([...(f.dst !== undefined ? [f.dst] : []), ...(f.dsts ?? [])])].filter(isIp);
  let names: string[] = [];
  if (f.fqdn !== undefined && !isIp(f.fqdn)) names = [f.fqdn];
  else if (f.lookback !== undefined) names = f.lookback.domains.filter((d) => ips.includes(d.ip)).map((d) => d.fqdn);
  return { ips, names };
}

function compile(e: AllowEntry): Compiled {
  const inNet = (cidr: string) => { const n = new Networks([cidr]); return (ip: string) => n.contains(ip); };
  const allIn = (ips: string[], t: (ip: string) => boolean) => ips.length > 0 && ips.every(t);
  const domainTest = (pattern: string) => (f: CorrelatedFinding) => { const r = remote(f).names; return r.length > 0 && r.every((n) => domainPatternMatches(pattern, n)); };
  let test: (f: CorrelatedFinding) => boolean;
  if (e.cidr !== undefined) { const t = inNet(e.cidr); test = (f) => t(f.src) || allIn(remote(f).ips, t); }
  else if (e.domain !== undefined) test = domainTest(e.domain);
  else if (e.finding !== undefined) { const id = e.finding; test = (f) => f.id === id; }
  else {
    const s = inNet(e.src!);
    const d = isCidr(e.dst!) ? ((t) => (f: CorrelatedFinding) => allIn(remote(f).ips, t))(inNet(e.dst!)) : domainTest(e.dst!);
    test = (f) => s(f.src) && d(f);
  }
  const det = e.detector;
  return { e, test: det === undefined ? test : (f) => f.detector === det && test(f) };
}

/**
 * Apply an allow-list: findings matched by a live entry are suppressed (returned apart, with the
 * entry's reason); expired entries are ignored and listed. `now` is epoch seconds.
 */
export function applyAllowList(findings: readonly CorrelatedFinding[], list: AllowList, now = Date.now() / 1000): AllowResult {
  const live: Compiled[] = [];
  const expired: AllowEntry[] = [];
  for (const e of list.entries) {
    if (e.expires !== undefined && Date.parse(e.expires) / 1000 <= now) expired.push(e);
    else live.push(compile(e));
  }
  const kept: CorrelatedFinding[] = [];
  const suppressed: Suppressed[] = [];
  for (const f of findings) {
    const hit = live.find((c) => c.test(f));
    if (hit === undefined) kept.push(f);
    else suppressed.push({ finding: f, entry: { id: hit.e.id, reason: hit.e.reason, matcher: matcherOf(hit.e) } });
  }
  return { findings: kept, suppressed, expired };
}
