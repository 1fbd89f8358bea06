/**
 * Zeek JSON logs (`LogAscii::use_json`, c2hunt's own `--format json` output): one object per
 * line, fields named as in the TSV logs (see zeek-fields.ts for the mapping).
 *
 * | JSON                                   | read as                                              |
 * |----------------------------------------|------------------------------------------------------|
 * | `"id.orig_h": ...` or `"id": {"orig_h"}` | the connection's endpoints                         |
 * | `"ts": 1517336042.09`                  | epoch seconds                                        |
 * | `"ts": "2018-01-30T18:14:02.090842Z"`  | ISO 8601 (JSON::TS_ISO8601)                          |
 * | `"ts": 1517336042090` (> 1e11)         | milliseconds (JSON::TS_MILLIS); the line's other times too |
 * | `"_path": "dns"`                       | the line's log (files mixing logs are read line by line) |
 * | absent or `null`                       | unset                                                |
 * | `"interim": true`                      | c2hunt's marker of a connection still open           |
 *
 * Lines of logs c2hunt does not read are counted under `ignored` (`zeek:files` ...).
 */
import type { LineReader, ReadContext } from './types.js';
import { LineError } from './values.js';
import { type Draft, finishDraft, JSON_MILLIS_THRESHOLD, jsonValue, type PathTarget, pathTarget, resolvePath } from './zeek-fields.js';

/** Reads one Zeek JSON file. */
export class ZeekJsonReader implements LineReader {
  private readonly fileTarget: PathTarget | undefined;

  /** `path`: the file's log path (from detection), used for lines without `_path`. */
  constructor(private readonly ctx: ReadContext, private readonly path: string | undefined) {
    this.fileTarget = path === undefined ? undefined : pathTarget(path);
  }

  line(text: string): void {
    if (text.length === 0) return;
    let o: unknown;
    try {
      o = JSON.parse(text);
    } catch (e) {
      throw new LineError(`not JSON (${(e as Error).message})`);
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new LineError('not a JSON object');
    const obj = o as Record<string, unknown>;
    let t = this.fileTarget;
    const lp = obj['_path'];
    if (typeof lp === 'string') {
      const path = resolvePath(lp, this.ctx.fileName)!;
      t = pathTarget(path);
      if (t === undefined) {
        this.ctx.ignore('zeek:' + path);
        return;
      }
    } else if (t === undefined) {
      this.ctx.ignore('zeek:' + (this.path ?? 'unknown'));
      return;
    }
    const fields = t.fields;
    const ts = obj['ts'];
    const millis = typeof ts === 'number' && ts >= JSON_MILLIS_THRESHOLD;
    const r: Draft = {};
    for (const k in obj) {
      const v = obj[k];
      if (k === 'id' && typeof v === 'object' && v !== null && !Array.isArray(v)) {
        const id = v as Record<string, unknown>;
        for (const ik in id) {
          const spec = fields.get('id.' + ik);
          if (spec === undefined) continue;
          const x = jsonValue(spec.conv, id[ik], 'id.' + ik, millis);
          if (x !== undefined) r[spec.key] = x;
        }
        continue;
      }
      const spec = fields.get(k);
      if (spec === undefined) continue;
      const x = jsonValue(spec.conv, v, k, millis);
      if (x !== undefined) r[spec.key] = x;
    }
    finishDraft(t, r, this.ctx);
  }

  end(): void {}
}
