/**
 * Zeek Intel framework files: tab-separated, a `#fields` line naming the columns (`indicator`,
 * `indicator_type`, then `meta.*`: `meta.source`, `meta.desc`, `meta.url`, `meta.cif_confidence`,
 * `meta.cif_tags` ...); `-` is an unset field. Types `Intel::ADDR`, `SUBNET`, `DOMAIN`, `URL`
 * (written without a scheme), `CERT_HASH`, `FILE_HASH`, and the JA3/JA4 packages' `JA3`/`JA4`.
 */
import {
  clampConfidence, hashType, isError, normaliseDomain, normaliseHex, normaliseJa4, normaliseNetwork, normaliseTags,
  normaliseUrl, type Indicator,
} from '../indicator.js';
import { MAX_LINE_CHARS, ResultBuilder, SNIFF_LINES, type FeedFormat } from './types.js';

/** Zeek Intel entries without a confidence. */
export const ZEEK_INTEL_CONFIDENCE = 60;

function fieldsLine(lines: string[]): { index: number; fields: string[] } | undefined {
  for (let i = 0; i < Math.min(lines.length, SNIFF_LINES); i++) {
    const l = lines[i]!;
    if (l.startsWith('#fields')) return { index: i, fields: l.split(/\t+/).slice(1).map((f) => f.trim()) };
  }
  return undefined;
}

type Value = Pick<Indicator, 'type' | 'value'> | { error: string } | { skip: string };

function zeekValue(type: string, v: string): Value {
  switch (type) {
    case 'Intel::ADDR':
    case 'Intel::SUBNET': {
      const n = normaliseNetwork(v);
      return isError(n) ? n : { type: n.type, value: n.value };
    }
    case 'Intel::DOMAIN': {
      const d = normaliseDomain(v);
      return isError(d) ? d : { type: 'domain', value: d };
    }
    case 'Intel::URL': {
      const u = normaliseUrl(/^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? v : `http://${v}`);
      return isError(u) ? u : { type: 'url', value: u };
    }
    case 'Intel::CERT_HASH': {
      const h = normaliseHex(v, 40, 'certificate SHA-1');
      return isError(h) ? h : { type: 'cert_sha1', value: h };
    }
    case 'Intel::FILE_HASH': {
      const t = hashType(v.toLowerCase());
      return t === undefined ? { error: `'${v}' is not an MD5, SHA-1 or SHA-256 hash` } : { type: t, value: v.toLowerCase() };
    }
    case 'Intel::JA3': {
      const h = normaliseHex(v, 32, 'JA3 fingerprint');
      return isError(h) ? h : { type: 'ja3', value: h };
    }
    case 'Intel::JA4': {
      const h = normaliseJa4(v);
      return isError(h) ? h : { type: 'ja4', value: h };
    }
    default:
      return /^Intel::[A-Z0-9_]+$/.test(type) ? { skip: `unsupported indicator_type ${type}` } : { error: `'${type}' is not an Intel:: indicator type` };
  }
}

/** Zeek Intel framework files. */
export const zeekIntel: FeedFormat = {
  name: 'zeek-intel',
  title: 'Zeek Intel framework file (#fields indicator indicator_type meta.source ...)',
  defaultConfidence: ZEEK_INTEL_CONFIDENCE,
  detect(s) {
    const f = fieldsLine(s.lines());
    if (f === undefined) return 'no #fields line';
    return f.fields.includes('indicator') && f.fields.includes('indicator_type') ? true : '#fields has no indicator and indicator_type';
  },
  parse(s, ctx) {
    const b = new ResultBuilder(ctx, ZEEK_INTEL_CONFIDENCE);
    const lines = s.lines();
    const f = fieldsLine(lines);
    if (f === undefined) { b.r.fatal = 'no #fields line'; return b.done(); }
    const at = (n: string) => f.fields.indexOf(n);
    const iInd = at('indicator'), iType = at('indicator_type'), iSrc = at('meta.source'), iDesc = at('meta.desc'), iUrl = at('meta.url');
    const iConf = at('meta.cif_confidence'), iTags = at('meta.cif_tags');
    let empty = '(empty)', unset = '-', setSep = ',';
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.startsWith('#')) {
        const m = /^#(unset_field|empty_field|set_separator)[\t ](.*)$/.exec(line);
        if (m !== null) {
          if (m[1] === 'unset_field') unset = m[2]!;
          else if (m[1] === 'empty_field') empty = m[2]!;
          else setSep = m[2]!;
        }
        continue;
      }
      if (line.trim() === '' || i < f.index) continue;
      const where = `line ${i + 1}`;
      if (line.length > MAX_LINE_CHARS) { b.reject(where, `line longer than ${MAX_LINE_CHARS} characters`); continue; }
      const cols = line.split('\t');
      if (cols.length < f.fields.length) { b.reject(where, `expected ${f.fields.length} tab-separated fields, found ${cols.length}`); continue; }
      const get = (k: number): string => {
        const v = k < 0 ? '' : (cols[k] ?? '').trim();
        return v === unset || v === empty ? '' : v;
      };
      const v = zeekValue(get(iType), get(iInd));
      if ('skip' in v) { b.skip(v.skip); continue; }
      if ('error' in v) { b.reject(where, v.error); continue; }
      const conf = get(iConf);
      // CIF confidence is 0..100 in CIFv2+, 0..10 in some exports: scale the small ones.
      const c = conf === '' ? b.confidence : clampConfidence(Number(conf) <= 10 ? Number(conf) * 10 : conf, b.confidence);
      const src = get(iSrc);
      b.add({
        value: v.value, type: v.type, confidence: b.ctx.confidence ?? c,
        tags: b.tags(normaliseTags([...(src ? [src] : []), ...(get(iTags) ? get(iTags).split(setSep) : [])])),
        description: get(iDesc), reference: get(iUrl),
      });
    }
    return b.done();
  },
};
