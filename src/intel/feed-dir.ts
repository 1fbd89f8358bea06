/**
 * The intel directory (default `~/.c2hunt/intel/`, or `$C2HUNT_INTEL_DIR`, or `--intel-dir`): each
 * feed is a copy of its content (`NAME.<sha12>.data`) and a manifest (`NAME.json`: source, format,
 * counts by type, times, sha256). Adding or updating writes the new data file, then the manifest,
 * each to a temporary name renamed into place; the manifest's rename is the commit point. A feed
 * that fails to read, parse, or holds no valid indicator never replaces the version in force.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { IntelError } from './errors.js';
import { parseFeedText } from './formats/registry.js';
import type { EntryError, FormatName, ParseResult } from './formats/types.js';
import { INDICATOR_TYPES, type Indicator, type IndicatorType } from './indicator.js';
import { IntelIndex } from './intel-index.js';
import { normaliseSource, readSource, type SourceKind } from './source.js';

/** Where feeds live when neither `--intel-dir` nor C2HUNT_INTEL_DIR says. */
export const DEFAULT_INTEL_DIR = join(homedir(), '.c2hunt', 'intel');

/** The intel directory: the option, else $C2HUNT_INTEL_DIR, else DEFAULT_INTEL_DIR. */
export function resolveIntelDir(option?: string): string {
  return option ?? (process.env.C2HUNT_INTEL_DIR || DEFAULT_INTEL_DIR);
}

/** Feed names: a letter or digit, then letters, digits, `.`, `_`, `-`; at most 64. */
export const FEED_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Broken entries remembered in a manifest (with where and why). */
export const MANIFEST_ERRORS_KEPT = 5;

/** What the directory keeps about a feed (`NAME.json`). */
export interface FeedManifest {
  version: 1;
  name: string;
  /** Absolute file path or URL the feed is read from on `intel update`. */
  source: string;
  source_kind: SourceKind;
  format: FormatName;
  /** True when `--format` chose it (update keeps it); else it is detected again on each update. */
  format_forced: boolean;
  /** `--confidence` given at add, for indicators whose feed gives none. */
  confidence?: number;
  /** The data file (in the directory) holding the content in force. */
  data_file: string;
  /** SHA-256 of the data file (hex). */
  sha256: string;
  bytes: number;
  indicators: number;
  /** Indicators by type. */
  counts: Partial<Record<IndicatorType, number>>;
  /** Broken entries in the version in force, and the first few of them. */
  rejected: number;
  errors: EntryError[];
  /** Valid entries not used, by reason. */
  skipped: Record<string, number>;
  warnings: string[];
  /** The feed's own time stamp (epoch s), when it has one. */
  generated?: number;
  /** ISO times: first added; content last changed; last successful read. */
  added: string;
  updated: string;
  checked: string;
  /** The last failed update (the version in force stayed). Cleared by a successful one. */
  last_error?: { at: string; message: string };
}

/** Options of add and update. */
export interface FeedReadOptions {
  /** Download time limit (ms). */
  timeoutMs?: number;
}

/** Options of `IntelDirectory.add`. */
export interface AddOptions extends FeedReadOptions {
  name: string;
  /** Format name; detected from content when absent. */
  format?: string;
  /** Confidence (0..100) for indicators whose feed gives none. */
  confidence?: number;
  /** Replace a feed of the same name instead of refusing. */
  replace?: boolean;
}

/** A feed written: its manifest and the parse, indicators included (for a retro-hunt of just this feed). */
export interface FeedOutcome { manifest: FeedManifest; result: ParseResult; changed: boolean; previous?: FeedManifest }

/** One feed's update: ok (changed or not), or failed with the version in force kept. */
export type UpdateOutcome =
  | ({ name: string; ok: true } & FeedOutcome)
  | { name: string; ok: false; error: IntelError; kept: FeedManifest };

/** Loaded intelligence: the index and what went into it. */
export interface LoadedIntel {
  index: IntelIndex;
  feeds: FeedManifest[];
  /** Feeds that could not be loaded (damaged data, unreadable manifest), with why; the others are loaded. */
  problems: string[];
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Writes a file under a temporary name, flushes it, renames it into place. */
export function writeFileAtomic(path: string, data: string): void {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const fd = openSync(tmp, 'w', 0o644);
    try {
      writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new IntelError('INTEL_ERR_STORE', `Cannot write ${path}: ${(e as Error).message}`);
  }
}

function countsOf(ids: readonly Indicator[]): Partial<Record<IndicatorType, number>> {
  const c: Partial<Record<IndicatorType, number>> = {};
  for (const i of ids) c[i.type] = (c[i.type] ?? 0) + 1;
  return Object.fromEntries(INDICATOR_TYPES.filter((t) => c[t]).map((t) => [t, c[t]]));
}

/** Parses content for feed `name`; throws IntelError when the content cannot be used. */
export function parseForFeed(verb: 'add' | 'update' | 'load', name: string, text: string, format?: string, confidence?: number): { format: FormatName; result: ParseResult } {
  const ctx = confidence === undefined ? { feed: name } : { feed: name, confidence };
  let r: { format: FormatName; result: ParseResult };
  try {
    r = parseFeedText(text, ctx, format);
  } catch (e) {
    throw new IntelError('INTEL_ERR_FORMAT', `Cannot ${verb} feed ${name}: ${(e as Error).message}`);
  }
  const res = r.result;
  if (res.fatal !== undefined) throw new IntelError('INTEL_ERR_TRUNCATED', `Cannot ${verb} feed ${name}: ${r.format}: ${res.fatal}`);
  if (res.indicators.length === 0) {
    const parts = res.errors.slice(0, MANIFEST_ERRORS_KEPT).map((e) => `${e.where}: ${e.reason}`);
    if (res.rejected > parts.length) parts.push(`... ${res.rejected - parts.length} more broken`);
    const skipped = Object.entries(res.skipped).map(([k, n]) => `${n} skipped (${k})`);
    const why = [...parts, ...skipped].join('; ') || 'the feed is empty';
    throw new IntelError('INTEL_ERR_EMPTY', `Cannot ${verb} feed ${name}: no valid indicator (${r.format}): ${why}`);
  }
  return r;
}

/** A feed directory. Methods are synchronous on the file system, asynchronous only where they download. */
export class IntelDirectory {
  constructor(readonly dir: string) {}

  private manifestPath(name: string): string {
    return join(this.dir, `${name}.json`);
  }

  private checkName(name: string, verb: string): void {
    if (!FEED_NAME_RE.test(name)) throw new IntelError('INTEL_ERR_NAME', `Cannot ${verb} feed '${name}': a name is letters, digits, '.', '_', '-' (at most 64, starting with a letter or digit)`);
  }

  /** The manifest of a feed, or undefined when there is none. */
  get(name: string): FeedManifest | undefined {
    const p = this.manifestPath(name);
    if (!existsSync(p)) return undefined;
    return this.readManifest(p);
  }

  private readManifest(p: string): FeedManifest {
    let m: FeedManifest;
    try {
      m = JSON.parse(readFileSync(p, 'utf8')) as FeedManifest;
    } catch (e) {
      throw new IntelError('INTEL_ERR_STORE', `Cannot read ${p}: ${(e as Error).message}`);
    }
    if (m === null || typeof m !== 'object' || m.version !== 1 || typeof m.name !== 'string' || typeof m.data_file !== 'string') {
      throw new IntelError('INTEL_ERR_STORE', `Cannot read ${p}: not a c2hunt feed manifest`);
    }
    return m;
  }

  /** Every feed, by name, and manifests that could not be read. */
  list(): { feeds: FeedManifest[]; problems: string[] } {
    if (!existsSync(this.dir)) return { feeds: [], problems: [] };
    const feeds: FeedManifest[] = [];
    const problems: string[] = [];
    for (const f of readdirSync(this.dir).sort()) {
      if (!f.endsWith('.json') || f.includes('.tmp-')) continue;
      try {
        feeds.push(this.readManifest(join(this.dir, f)));
      } catch (e) {
        problems.push((e as Error).message);
      }
    }
    return { feeds, problems };
  }

  /** Reads, parses and stores a new feed. Throws IntelError; nothing is written on failure. */
  async add(source: string, o: AddOptions): Promise<FeedOutcome> {
    this.checkName(o.name, 'add');
    const previous = this.get(o.name);
    if (previous !== undefined && !o.replace) {
      throw new IntelError('INTEL_ERR_EXISTS', `Cannot add feed ${o.name}: a feed of that name exists (intel update ${o.name} re-reads its source; --replace replaces it)`);
    }
    if (o.confidence !== undefined && !(o.confidence >= 0 && o.confidence <= 100)) {
      throw new IntelError('INTEL_ERR_FORMAT', `Cannot add feed ${o.name}: confidence must be 0..100`);
    }
    const src = normaliseSource(source);
    let text: string;
    try {
      ({ text } = await readSource(src.source, o));
    } catch (e) {
      if (e instanceof IntelError) throw new IntelError(e.code, `Cannot add feed ${o.name}: ${e.message}`);
      throw e;
    }
    const { format, result } = parseForFeed('add', o.name, text, o.format, o.confidence);
    const now = new Date().toISOString();
    const manifest = this.commit({
      name: o.name, source: src.source, source_kind: src.kind, format, format_forced: o.format !== undefined,
      ...(o.confidence !== undefined ? { confidence: o.confidence } : {}), added: now,
    }, text, result, now, previous);
    return previous === undefined ? { manifest, result, changed: true } : { manifest, result, changed: true, previous };
  }

  /** Writes data then manifest (the commit), then drops the old data file. */
  private commit(base: Pick<FeedManifest, 'name' | 'source' | 'source_kind' | 'format' | 'format_forced' | 'confidence' | 'added'>, text: string, result: ParseResult, now: string, previous: FeedManifest | undefined, changedAt = now): FeedManifest {
    try {
      mkdirSync(this.dir, { recursive: true });
    } catch (e) {
      throw new IntelError('INTEL_ERR_STORE', `Cannot create ${this.dir}: ${(e as Error).message}`);
    }
    const hash = sha256(text);
    const dataFile = `${base.name}.${hash.slice(0, 12)}.data`;
    if (!existsSync(join(this.dir, dataFile))) writeFileAtomic(join(this.dir, dataFile), text);
    const m: FeedManifest = {
      version: 1, ...base, data_file: dataFile, sha256: hash, bytes: Buffer.byteLength(text, 'utf8'),
      indicators: result.indicators.length, counts: countsOf(result.indicators), rejected: result.rejected,
      errors: result.errors.slice(0, MANIFEST_ERRORS_KEPT), skipped: result.skipped, warnings: result.warnings,
      ...(result.generated !== undefined ? { generated: result.generated } : {}),
      updated: changedAt, checked: now,
    };
    writeFileAtomic(this.manifestPath(base.name), JSON.stringify(m, null, 2) + '\n');
    if (previous !== undefined && previous.data_file !== dataFile) rmSync(join(this.dir, previous.data_file), { force: true });
    this.dropOrphans(base.name, dataFile);
    return m;
  }

  /** Data files of a feed that no manifest refers to (left by an interrupted write). */
  private dropOrphans(name: string, keep: string | undefined): void {
    for (const f of readdirSync(this.dir)) {
      if (f === keep || !f.startsWith(`${name}.`)) continue;
      // Only this feed's files (NAME.<12 hex>.data, temporaries of it and of NAME.json), not those of a feed named NAME.x.
      const rest = f.slice(name.length + 1);
      if (/^[0-9a-f]{12}\.data(\.tmp-[0-9]+-[0-9a-f]{8})?$/.test(rest) || /^json\.tmp-[0-9]+-[0-9a-f]{8}$/.test(rest)) rmSync(join(this.dir, f), { force: true });
    }
  }

  /** Removes a feed (manifest first, so a crash leaves only an orphan data file). */
  remove(name: string): FeedManifest {
    this.checkName(name, 'remove');
    const m = this.get(name);
    if (m === undefined) throw new IntelError('INTEL_ERR_NOT_FOUND', `Cannot remove feed ${name}: no such feed in ${this.dir}`);
    rmSync(this.manifestPath(name));
    rmSync(join(this.dir, m.data_file), { force: true });
    this.dropOrphans(name, undefined);
    return m;
  }

  /**
   * Re-reads feeds (all, or those named) from their sources. A feed that cannot be read or parsed
   * keeps its version in force; its manifest records the failure (`last_error`).
   */
  async update(names?: readonly string[], o: FeedReadOptions = {}): Promise<UpdateOutcome[]> {
    const all = this.list().feeds;
    const wanted = names === undefined || names.length === 0 ? all : names.map((n) => {
      const m = all.find((f) => f.name === n);
      if (m === undefined) throw new IntelError('INTEL_ERR_NOT_FOUND', `Cannot update feed ${n}: no such feed in ${this.dir}`);
      return m;
    });
    const out: UpdateOutcome[] = [];
    for (const prev of wanted) {
      const now = new Date().toISOString();
      try {
        let text: string;
        try {
          ({ text } = await readSource(prev.source, o));
        } catch (e) {
          if (e instanceof IntelError) throw new IntelError(e.code, `Cannot update feed ${prev.name}: ${e.message}`);
          throw e;
        }
        const { format, result } = parseForFeed('update', prev.name, text, prev.format_forced ? prev.format : undefined, prev.confidence);
        const changed = sha256(text) !== prev.sha256 || format !== prev.format;
        const manifest = this.commit({
          name: prev.name, source: prev.source, source_kind: prev.source_kind, format, format_forced: prev.format_forced,
          ...(prev.confidence !== undefined ? { confidence: prev.confidence } : {}), added: prev.added,
        }, text, result, now, prev, changed ? now : prev.updated);
        out.push({ name: prev.name, ok: true, manifest, result, changed, previous: prev });
      } catch (e) {
        const error = e instanceof IntelError ? e : new IntelError('INTEL_ERR_STORE', `Cannot update feed ${prev.name}: ${(e as Error).message}`);
        const kept: FeedManifest = { ...prev, last_error: { at: now, message: error.message } };
        try {
          writeFileAtomic(this.manifestPath(prev.name), JSON.stringify(kept, null, 2) + '\n');
        } catch {
          // The failure note is a courtesy; the version in force is untouched either way.
        }
        out.push({ name: prev.name, ok: false, error, kept });
      }
    }
    return out;
  }

  /** Parses every stored feed into indicator lists (damaged feeds are reported and left out). */
  loadIndicators(): { lists: Indicator[][]; feeds: FeedManifest[]; problems: string[] } {
    const { feeds, problems } = this.list();
    const lists: Indicator[][] = [];
    const loaded: FeedManifest[] = [];
    for (const m of feeds) {
      try {
        const p = join(this.dir, m.data_file);
        if (!existsSync(p)) throw new IntelError('INTEL_ERR_STORE', `data file ${m.data_file} is missing`);
        const text = readFileSync(p, 'utf8');
        if (sha256(text) !== m.sha256) throw new IntelError('INTEL_ERR_STORE', `data file ${m.data_file} does not match its sha256 (damaged)`);
        const { result } = parseForFeed('load', m.name, text, m.format, m.confidence);
        lists.push(result.indicators);
        loaded.push(m);
      } catch (e) {
        problems.push(`feed ${m.name} not loaded: ${(e as Error).message}`);
      }
    }
    return { lists, feeds: loaded, problems };
  }

  /** A fresh index of every stored feed (build it, then swap it in with IntelHandle.replace). */
  load(): LoadedIntel {
    const { lists, feeds, problems } = this.loadIndicators();
    return { index: IntelIndex.build(lists), feeds, problems };
  }
}
