/**
 * The feed formats, in detection order (specific first, the plain list last), and the two entry
 * points: detect a format from content (every decline has a reason) and parse with one.
 */
import { ABUSE_CH_FORMATS } from './abuse-ch.js';
import { emergingThreatsIp, feodoText, plainList, spamhausDrop } from './lists.js';
import { mispJson } from './misp.js';
import { spamhausDropJson } from './spamhaus-json.js';
import { stix2 } from './stix.js';
import { Sniff, type FeedFormat, type FormatName, type ParseContext, type ParseResult } from './types.js';
import { zeekIntel } from './zeek-intel.js';

/** Every format, in the order detection tries them. */
export const FORMATS: readonly FeedFormat[] = Object.freeze([
  stix2, mispJson, ...ABUSE_CH_FORMATS, spamhausDropJson, zeekIntel, emergingThreatsIp, feodoText, spamhausDrop, plainList,
]);

/** A format by name, or undefined. */
export function formatByName(name: string): FeedFormat | undefined {
  return FORMATS.find((f) => f.name === name);
}

/** The format of some content: the first that accepts, or every format's reason for declining. */
export function detectFormat(s: Sniff): { format: FeedFormat } | { reasons: { format: FormatName; reason: string }[] } {
  const reasons: { format: FormatName; reason: string }[] = [];
  for (const f of FORMATS) {
    const r = f.detect(s);
    if (r === true) return { format: f };
    reasons.push({ format: f.name, reason: r });
  }
  return { reasons };
}

/** Parse content as `format` (a name) or as whatever it is detected to be; throws "Cannot read feed: ..." when nothing accepts it. */
export function parseFeedText(text: string, ctx: ParseContext, format?: string): { format: FormatName; result: ParseResult } {
  const s = new Sniff(text);
  let f: FeedFormat;
  if (format !== undefined) {
    const byName = formatByName(format);
    if (byName === undefined) throw new Error(`unknown format '${format}' (known: ${FORMATS.map((x) => x.name).join(', ')})`);
    f = byName;
  } else {
    const d = detectFormat(s);
    if ('reasons' in d) throw new Error(`format not recognised:\n${d.reasons.map((r) => `  ${r.format}: ${r.reason}`).join('\n')}`);
    f = d.format;
  }
  return { format: f.name, result: f.parse(s, ctx) };
}
