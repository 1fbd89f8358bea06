/**
 * Format detection from content. Each reader looks at the first lines and either accepts the
 * file or says why not; when none accepts, the caller reports every reason:
 *
 * | reader       | accepts when                                                                   |
 * |--------------|--------------------------------------------------------------------------------|
 * | zeek-tsv     | the first line is `#separator ...`, a `#fields` line follows, and the log path (`#path`, file name or fields) is one c2hunt reads |
 * | zeek-json    | one of the first lines is a JSON object with `ts` (or `_path`) and no `event_type`, of a log c2hunt reads |
 * | suricata-eve | one of the first lines is a JSON object with a string `event_type` and a `timestamp` |
 */
import type { Declined, DetectedFormat } from './types.js';
import { inferPath, pathTarget, READ_PATHS, resolvePath } from './zeek-fields.js';
import { zeekUnescape } from './values.js';

/** Characters of the first line searched for NUL bytes (binary data). */
const BINARY_PROBE_CHARS = 4096;

/** Non-empty lines of the head that detection looks at. */
export const DETECT_LINES = 10;

function notRead(path: string): string {
  return `log "${path}" is not one c2hunt reads (it reads ${READ_PATHS.join(', ')})`;
}

/** Field names of a Zeek JSON object, nested `id` flattened to `id.x`. */
function jsonFieldNames(o: Record<string, unknown>): string[] {
  const names = Object.keys(o);
  const id = o['id'];
  if (typeof id === 'object' && id !== null) for (const k of Object.keys(id)) names.push('id.' + k);
  return names;
}

function detectTsv(lines: string[], fileName: string): DetectedFormat | string {
  const first = lines[0] ?? '';
  if (!first.startsWith('#separator ')) return 'first line is not a "#separator" header';
  const sep = zeekUnescape(first.slice(11));
  if (sep.length === 0) return 'empty #separator';
  let headerPath: string | undefined;
  let fields: string[] | undefined;
  for (const l of lines) {
    if (!l.startsWith('#')) break;
    if (l.startsWith('#path' + sep)) headerPath = zeekUnescape(l.slice(5 + sep.length));
    else if (l.startsWith('#fields' + sep)) fields = l.slice(7 + sep.length).split(sep);
  }
  if (fields === undefined) return `no #fields header in the first ${lines.length} lines`;
  const path = resolvePath(headerPath, fileName) ?? inferPath(fields);
  if (path === undefined) return 'cannot tell which Zeek log this is (no #path, telling file name or known fields)';
  if (pathTarget(path) === undefined) return notRead(path);
  return { format: 'zeek-tsv', path };
}

/**
 * Detect the format from the first lines of a file (after decompression). `head` may end in the
 * middle of a line; `fileName` helps name Zeek logs whose header does not.
 */
export function detectLogFormat(head: string, fileName: string): DetectedFormat | Declined {
  if (head.charCodeAt(0) === 0xfeff) head = head.slice(1);
  if (head.length === 0) {
    const reason = 'file is empty';
    return { declined: [{ reader: 'zeek-tsv', reason }, { reader: 'zeek-json', reason }, { reader: 'suricata-eve', reason }] };
  }
  // NUL in the first line: binary (a NUL further on is one corrupt line, e.g. a zero-filled block).
  const firstEnd = head.indexOf('\n');
  if (head.slice(0, firstEnd < 0 ? BINARY_PROBE_CHARS : Math.min(firstEnd, BINARY_PROBE_CHARS)).indexOf('\0') >= 0) {
    const reason = 'binary data, not text';
    return { declined: [{ reader: 'zeek-tsv', reason }, { reader: 'zeek-json', reason }, { reader: 'suricata-eve', reason }] };
  }
  const raw = head.split('\n');
  // The last piece may be cut; keep it only when it is all there is.
  if (raw.length > 1) raw.pop();
  const lines: string[] = [];
  for (const l of raw) {
    const t = l.endsWith('\r') ? l.slice(0, -1) : l;
    if (t.trim().length > 0) lines.push(t);
    if (lines.length >= DETECT_LINES) break;
  }
  const declined: Declined['declined'] = [];
  const tsv = detectTsv(lines, fileName);
  if (typeof tsv !== 'string') return tsv;
  declined.push({ reader: 'zeek-tsv', reason: tsv });

  const objects: Record<string, unknown>[] = [];
  let firstError = '';
  for (const l of lines) {
    try {
      const o: unknown = JSON.parse(l);
      if (typeof o === 'object' && o !== null && !Array.isArray(o)) objects.push(o as Record<string, unknown>);
      else if (firstError === '') firstError = 'first lines are JSON but not objects';
    } catch (e) {
      if (firstError === '') firstError = `first lines are not JSON (${(e as Error).message})`;
    }
  }
  if (objects.length === 0) {
    const reason = firstError || 'no JSON object in the first lines';
    declined.push({ reader: 'zeek-json', reason }, { reader: 'suricata-eve', reason });
    return { declined };
  }

  // Zeek JSON
  let zeekReason = '';
  const eve = objects.find((o) => typeof o['event_type'] === 'string');
  if (eve !== undefined) zeekReason = 'objects have an "event_type" (Suricata EVE)';
  else {
    const zo = objects.filter((o) => o['ts'] !== undefined || typeof o['_path'] === 'string');
    if (zo.length === 0) zeekReason = 'JSON objects have no "ts" field';
    else {
      let unread = '';
      for (const o of zo) {
        const lp = typeof o['_path'] === 'string' ? (o['_path'] as string) : undefined;
        const path = resolvePath(lp, fileName) ?? inferPath(jsonFieldNames(o));
        if (path !== undefined && pathTarget(path) !== undefined) return { format: 'zeek-json', path };
        if (path !== undefined && unread === '') unread = path;
      }
      zeekReason = unread !== '' ? notRead(unread)
        : 'cannot tell which Zeek log this is (no _path, telling file name or known fields)';
    }
  }
  declined.push({ reader: 'zeek-json', reason: zeekReason });

  // Suricata EVE
  if (eve === undefined) declined.push({ reader: 'suricata-eve', reason: 'JSON objects have no "event_type" field' });
  else if (typeof eve['timestamp'] !== 'string') declined.push({ reader: 'suricata-eve', reason: 'event has no "timestamp"' });
  else return { format: 'suricata-eve' };
  return { declined };
}
