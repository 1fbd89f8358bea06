/**
 * Durations and points in time as the analyst types them: `30d`, `24h`, `2024-05-01`,
 * `2024-05-01T10:00:00Z`, `1714550400` (epoch seconds). Times without a zone are UTC.
 */
import { StoreError, type TimeWindow } from './store.js';

/** Seconds per duration unit. */
export const DURATION_UNITS: Readonly<Record<string, number>> = Object.freeze({
  s: 1, m: 60, h: 3600, d: 86400, w: 7 * 86400,
});

const DURATION_RE = /^(\d+(?:\.\d+)?)\s*([smhdw])$/i;
const EPOCH_RE = /^\d{9,11}(?:\.\d+)?$/;
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** `30d` -> 2592000. Units: s, m, h, d, w. */
export function parseDuration(text: string): number {
  const m = DURATION_RE.exec(text.trim());
  if (m === null) throw new StoreError('STORE_BAD_ARGUMENT', `Cannot parse duration '${text}': use a number and a unit (s, m, h, d, w), e.g. 24h or 30d`);
  return Number(m[1]) * DURATION_UNITS[m[2]!.toLowerCase()]!;
}

/**
 * A point in time: an ISO date or date-time (UTC unless a zone is given), epoch seconds, or a
 * duration (`24h`, `7d`) meaning that long before `reference`.
 */
export function parseWhen(text: string, reference: number): number {
  const t = text.trim();
  if (DURATION_RE.test(t)) return reference - parseDuration(t);
  if (EPOCH_RE.test(t)) return Number(t);
  const m = ISO_RE.exec(t);
  if (m !== null) {
    const [, y, mo, d, h = '0', mi = '0', s = '0', frac, zone] = m;
    let ms = Date.UTC(+y!, +mo! - 1, +d!, +h, +mi, +s);
    const check = new Date(ms);
    if (check.getUTCDate() !== +d! || check.getUTCMonth() !== +mo! - 1 || +h > 23 || +mi > 59 || +s > 60) {
      throw new StoreError('STORE_BAD_ARGUMENT', `Cannot parse time '${text}': no such date or time`);
    }
    if (zone !== undefined && zone.toUpperCase() !== 'Z') {
      const sign = zone[0] === '-' ? -1 : 1;
      const z = zone.slice(1).replace(':', '');
      ms -= sign * (Number(z.slice(0, 2)) * 60 + Number(z.slice(2, 4))) * 60_000;
    }
    return ms / 1000 + (frac !== undefined ? Number(frac) : 0);
  }
  throw new StoreError('STORE_BAD_ARGUMENT', `Cannot parse time '${text}': use an ISO date (2024-05-01, 2024-05-01T10:00:00Z), epoch seconds, or a duration before the newest data (24h, 7d)`);
}

/** A window from `--since` / `--until` texts; relative forms count back from `reference`. */
export function parseWindow(since: string | undefined, until: string | undefined, reference: number): TimeWindow {
  const w: TimeWindow = {};
  if (since !== undefined) w.since = parseWhen(since, reference);
  if (until !== undefined) w.until = parseWhen(until, reference);
  if (w.since !== undefined && w.until !== undefined && w.since >= w.until) {
    throw new StoreError('STORE_BAD_ARGUMENT', `Cannot use the window: --since (${formatTime(w.since)}) is not before --until (${formatTime(w.until)})`);
  }
  return w;
}

/** Epoch seconds as `2024-05-01 10:00:00` (UTC), with milliseconds when `precise`. */
export function formatTime(t: number, precise = false): string {
  if (!Number.isFinite(t)) return '-';
  const iso = new Date(Math.round(t * 1000)).toISOString();
  return precise ? iso.slice(0, 23).replace('T', ' ') : iso.slice(0, 19).replace('T', ' ');
}
