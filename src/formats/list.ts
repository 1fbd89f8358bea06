/**
 * Expanding the paths given to `c2hunt ingest` into the log files to read, in time order.
 *
 * - A file named on the command line is always read (its content decides the format).
 * - Directories are walked recursively (daily folders such as `2024-04-19/`); in them a file is
 *   read when its name starts with a Zeek log c2hunt reads (`conn.log`, `conn.04:00:00-05:00:00.log.gz`,
 *   `open_conn.17_32_32-18_00_00.log.gz`, `dns.jsonl` ...) or with `eve` (Suricata:
 *   `eve.json`, `eve.json.1`, `eve-2024-01-01.json.gz`). Everything else is skipped with a reason
 *   (other Zeek logs such as `files`, hidden files, empty files, other compressions).
 * - Files are ordered by folder, then by the time in their name (rotated Zeek logs
 *   `HH:MM:SS-HH:MM:SS` or `HH_MM_SS-...`, `YYYY-MM-DD-HH-MM-SS`; logrotate's `.N` suffix, higher
 *   is older; a file without a time, the one still being written, comes last), then x509 before
 *   the other logs of the same time (certificates are needed by the ssl lines, see certs.ts),
 *   then by name.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileBase, READ_PATHS } from './zeek-fields.js';

/** Depth of folders walked below each path given. */
export const MAX_DIR_DEPTH = 16;
/** Files listed at most; the rest are skipped with a reason. */
export const MAX_FILES = 1_000_000;

/** The files to read, in order, and what was skipped and why. */
export interface LogFileList {
  files: string[];
  skipped: { path: string; reason: string }[];
}

const READ = new Set(READ_PATHS);
const OTHER_COMPRESSION = /\.(bz2|xz|zst|lz4|7z|zip)$/i;

/** Why a file found in a directory is not read, or undefined when it is. */
function skipReason(name: string, size: number): string | undefined {
  if (name.startsWith('.')) return 'hidden file';
  if (OTHER_COMPRESSION.test(name)) return 'compression not supported (gzip only): decompress it first';
  const base = fileBase(name);
  if (!READ.has(base) && !/^eve([._-]|$)/i.test(name)) {
    return /\.(log|json|jsonl|ndjson)(\.|$)/i.test(name) ? `log "${base}" is not one c2hunt reads` : 'not a log file name';
  }
  if (size === 0) return 'empty file';
  return undefined;
}

/** Sort key from the time in a rotated file's name (see the module comment). */
export function rotationKey(name: string): number {
  let m = /\.(\d{2})[:_](\d{2})[:_](\d{2})-\d{2}[:_]\d{2}[:_]\d{2}\./.exec(name);
  if (m !== null) return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
  m = /(\d{4})-(\d{2})-(\d{2})[-_T](\d{2})[-:_](\d{2})[-:_](\d{2})/.exec(name);
  if (m !== null) return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) / 1000;
  m = /(\d{4})-(\d{2})-(\d{2})/.exec(name);
  if (m !== null) return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!) / 1000;
  m = /\.(\d+)(\.gz)?$/.exec(name);
  if (m !== null) return -Number(m[1]);
  return Number.POSITIVE_INFINITY;
}

/**
 * Expand files and directories into the log files to read, in time order, with the files
 * skipped and why (missing paths included).
 */
export function listLogFiles(paths: string[]): LogFileList {
  const found = new Set<string>();
  const skipped: LogFileList['skipped'] = [];
  const add = (p: string): void => {
    if (found.size >= MAX_FILES) skipped.push({ path: p, reason: `more than ${MAX_FILES} files` });
    else found.add(p);
  };
  const walk = (dir: string, depth: number): void => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (e) {
      skipped.push({ path: dir, reason: `cannot list: ${(e as Error).message}` });
      return;
    }
    for (const name of names.sort()) {
      const p = join(dir, name);
      let st;
      try {
        st = statSync(p);
      } catch (e) {
        skipped.push({ path: p, reason: `cannot stat: ${(e as Error).message}` });
        continue;
      }
      if (st.isDirectory()) {
        if (name.startsWith('.')) skipped.push({ path: p, reason: 'hidden folder' });
        else if (depth >= MAX_DIR_DEPTH) skipped.push({ path: p, reason: `deeper than ${MAX_DIR_DEPTH} folders` });
        else walk(p, depth + 1);
        continue;
      }
      if (!st.isFile()) {
        skipped.push({ path: p, reason: 'not a regular file' });
        continue;
      }
      const why = skipReason(name, st.size);
      if (why !== undefined) skipped.push({ path: p, reason: why });
      else add(p);
    }
  };
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      skipped.push({ path: p, reason: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (e as Error).message });
      continue;
    }
    if (st.isDirectory()) walk(p, 0);
    else add(p);
  }
  const keyed = [...found].map((f) => {
    const name = basename(f);
    return { f, dir: dirname(f), key: rotationKey(name), rank: fileBase(name) === 'x509' ? 0 : 1, name };
  });
  keyed.sort((a, b) => (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0) || (a.key - b.key || 0) || a.rank - b.rank
    || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { files: keyed.map((k) => k.f), skipped };
}
