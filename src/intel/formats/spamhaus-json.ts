/**
 * Spamhaus DROP in NDJSON (drop_v4.json, drop_v6.json): one object per network
 * (`{"cidr":"192.0.2.0/24","sblid":"SBL1","rir":"arin"}`), then a metadata trailer
 * (`{"type":"metadata","timestamp":...,"records":N,...}`). A file without the trailer is a
 * truncated download and is refused, so the previous version stays in force.
 */
import { isError, normaliseNetwork, normaliseTags } from '../indicator.js';
import { SPAMHAUS_CONFIDENCE } from './lists.js';
import { isObject, MAX_LINE_CHARS, ResultBuilder, str, type FeedFormat } from './types.js';

function firstObject(lines: string[]): Record<string, unknown> | string {
  const l = lines.find((x) => x.trim() !== '');
  if (l === undefined) return 'empty';
  try {
    const v = JSON.parse(l) as unknown;
    return isObject(v) ? v : 'first line is not a JSON object';
  } catch {
    return 'first line is not JSON';
  }
}

/** Spamhaus DROP NDJSON. */
export const spamhausDropJson: FeedFormat = {
  name: 'spamhaus-drop-json',
  title: 'Spamhaus DROP (NDJSON with metadata trailer)',
  defaultConfidence: SPAMHAUS_CONFIDENCE,
  detect(s) {
    if (s.firstChar() !== '{') return 'not NDJSON (does not start with {)';
    const o = firstObject(s.head(2));
    if (typeof o === 'string') return o;
    if ('cidr' in o || 'asn' in o) return true;
    return o.type === 'metadata' ? true : "first object has no 'cidr'";
  },
  parse(s, ctx) {
    const b = new ResultBuilder(ctx, SPAMHAUS_CONFIDENCE);
    const lines = s.lines();
    let meta: Record<string, unknown> | undefined;
    let entries = 0;
    for (let i = 0; i < lines.length; i++) {
      const t = lines[i]!.trim();
      if (t === '') continue;
      const where = `line ${i + 1}`;
      if (t.length > MAX_LINE_CHARS) { b.reject(where, `line longer than ${MAX_LINE_CHARS} characters`); continue; }
      let o: unknown;
      try { o = JSON.parse(t); } catch { b.reject(where, 'not a JSON object'); continue; }
      if (!isObject(o)) { b.reject(where, 'not a JSON object'); continue; }
      if (o.type === 'metadata') { meta = o; if (i < lines.length - 1 && lines.slice(i + 1).some((x) => x.trim() !== '')) b.r.warnings.push(`metadata at ${where} is not the last line`); continue; }
      entries++;
      if ('asn' in o && !('cidr' in o)) { b.skip('ASN entries (records carry no AS numbers)'); continue; }
      const n = normaliseNetwork(str(o.cidr).trim());
      if (isError(n)) { b.reject(where, n.error); continue; }
      b.add({ value: n.value, type: n.type, confidence: b.confidence, tags: b.tags(normaliseTags(['spamhaus-drop', str(o.sblid), str(o.rir)])) });
    }
    if (meta === undefined) {
      b.r.fatal = 'no metadata trailer ({"type":"metadata",...}): the download looks truncated';
    } else {
      const ts = Number(meta.timestamp);
      if (Number.isFinite(ts) && ts > 0) b.r.generated = ts;
      const n = Number(meta.records);
      if (Number.isFinite(n) && n !== entries) b.r.warnings.push(`the trailer says ${n} records, ${entries} were read`);
    }
    return b.done();
  },
};
