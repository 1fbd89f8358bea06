/**
 * MISP event JSON: `{"Event": {...}}`, a list of those, or a `restSearch` answer
 * (`{"response": [{"Event": ...}]}`). Attributes (and those inside `Object`s) with `to_ids: true`
 * become indicators; `to_ids: false` ones are context, counted as skipped. The event's
 * `threat_level_id` sets the confidence, galaxy tags (`misp-galaxy:malpedia="Emotet"`) the family.
 */
import {
  hashType, isError, normaliseDomain, normaliseHex, normaliseJa4, normaliseNetwork, normaliseTags,
  normaliseUrl, parseTime, type Indicator,
} from '../indicator.js';
import { isObject, ResultBuilder, str, type FeedFormat } from './types.js';

/** Confidence by the event's threat_level_id: 1 high, 2 medium, 3 low, 4 undefined. */
export const MISP_THREAT_LEVEL_CONFIDENCE: Readonly<Record<string, number>> = Object.freeze({ 1: 90, 2: 75, 3: 50, 4: 50 });
/** Events without a threat level. */
export const MISP_CONFIDENCE = 60;
/** Most attributes read per event (a bound on what input controls; hitting it is reported). */
export const MISP_MAX_ATTRIBUTES = 5_000_000;

function events(v: unknown): { where: string; e: Record<string, unknown> }[] | undefined {
  const one = (x: unknown, where: string) => (isObject(x) && isObject(x.Event) ? { where: `${where}Event`, e: x.Event } : undefined);
  if (isObject(v)) {
    if (isObject(v.Event)) return [one(v, '')!];
    if (Array.isArray(v.response)) {
      const out = v.response.map((x, i) => one(x, `response[${i}].`));
      return out.every((x) => x !== undefined) ? out as { where: string; e: Record<string, unknown> }[] : undefined;
    }
    if (Array.isArray(v.Attribute) && 'info' in v) return [{ where: 'Event', e: v }];
    return undefined;
  }
  if (Array.isArray(v) && v.length > 0) {
    const out = v.map((x, i) => one(x, `[${i}].`));
    return out.every((x) => x !== undefined) ? out as { where: string; e: Record<string, unknown> }[] : undefined;
  }
  return undefined;
}

function tagNames(v: unknown): string[] {
  return Array.isArray(v) ? v.map((t) => (isObject(t) ? str(t.name) : '')).filter(Boolean) : [];
}

/** Family from galaxy tags: malpedia, then malware/tool/ransomware/botnet galaxies. */
function familyOf(tags: string[]): string | undefined {
  for (const g of ['malpedia', 'malware', 'tool', 'ransomware', 'botnet', 'rat', 'banker', 'stealer']) {
    for (const t of tags) {
      const m = new RegExp(`^misp-galaxy:${g}="(.+)"$`, 'i').exec(t);
      if (m !== null) return m[1]!.replace(/\s*-\s*[A-Z]\d{4}$/, '');
    }
  }
  return undefined;
}

type Value = Pick<Indicator, 'type' | 'value' | 'port'>;

/** The indicators of one attribute by MISP type (`ip-dst|port`, `domain|ip` give two parts). */
function attributeValues(type: string, value: string): Value[] | { error: string } | { skip: string } {
  const [a = '', b = ''] = value.split('|');
  const net = (x: string): Value | { error: string } => {
    const n = normaliseNetwork(x.trim());
    return isError(n) ? n : { type: n.type, value: n.value };
  };
  const dom = (x: string): Value | { error: string } => {
    const d = normaliseDomain(x);
    return isError(d) ? d : { type: 'domain', value: d };
  };
  const all = (xs: (Value | { error: string })[]) => {
    const e = xs.find(isError);
    return e !== undefined ? e : xs as Value[];
  };
  const port = (v: Value | { error: string }, p: string): Value | { error: string } => {
    const n = Number(p);
    return isError(v) || !(Number.isInteger(n) && n > 0 && n < 65536) ? v : { ...v, port: n };
  };
  switch (type) {
    case 'ip-dst': case 'ip-src': return all([net(a)]);
    case 'ip-dst|port': case 'ip-src|port': return all([port(net(a), b)]);
    case 'domain': case 'hostname': return all([dom(a)]);
    case 'hostname|port': return all([port(dom(a), b)]);
    case 'domain|ip': return all([dom(a), net(b)]);
    case 'url': {
      const u = normaliseUrl(value);
      return isError(u) ? u : [{ type: 'url', value: u }];
    }
    case 'ja3-fingerprint-md5': {
      const h = normaliseHex(value, 32, 'JA3 fingerprint');
      return isError(h) ? h : [{ type: 'ja3', value: h }];
    }
    case 'ja4-fingerprint': case 'ja4': {
      const h = normaliseJa4(value);
      return isError(h) ? h : [{ type: 'ja4', value: h }];
    }
    case 'x509-fingerprint-sha1': {
      const h = normaliseHex(value, 40, 'certificate SHA-1');
      return isError(h) ? h : [{ type: 'cert_sha1', value: h }];
    }
    case 'md5': case 'sha1': case 'sha256':
    case 'filename|md5': case 'filename|sha1': case 'filename|sha256': {
      const h = (type.startsWith('filename|') ? b : a).trim().toLowerCase();
      const want = type.replace('filename|', '');
      return hashType(h) === want ? [{ type: want as 'md5', value: h }] : { error: `'${h}' is not a ${want} hash` };
    }
    default:
      return { skip: `unsupported attribute type ${type || '(empty)'}` };
  }
}

/** MISP event JSON. */
export const mispJson: FeedFormat = {
  name: 'misp-json',
  title: 'MISP event JSON (attributes with to_ids; also restSearch answers)',
  defaultConfidence: MISP_CONFIDENCE,
  detect(s) {
    const j = s.json();
    if ('error' in j) return j.error;
    return events(j.value) !== undefined ? true : 'no MISP Event object';
  },
  parse(s, ctx) {
    const b = new ResultBuilder(ctx, MISP_CONFIDENCE);
    const j = s.json();
    const evs = 'error' in j ? undefined : events(j.value);
    if (evs === undefined) { b.r.fatal = 'error' in j ? j.error : 'no MISP Event object'; return b.done(); }
    let budget = MISP_MAX_ATTRIBUTES;
    for (const { where, e } of evs) {
      const evTags = tagNames(e.Tag);
      const evFamily = familyOf([...evTags, ...(Array.isArray(e.Galaxy) ? e.Galaxy.flatMap((g) => (isObject(g) && Array.isArray(g.GalaxyCluster) ? g.GalaxyCluster.map((c) => (isObject(c) ? `misp-galaxy:${str(g.type)}="${str(c.value)}"` : '')) : [])) : [])]);
      const conf = b.ctx.confidence ?? MISP_THREAT_LEVEL_CONFIDENCE[str(e.threat_level_id)] ?? b.confidence;
      const info = str(e.info);
      const attrs: { where: string; a: unknown }[] = [];
      if (Array.isArray(e.Attribute)) e.Attribute.forEach((a, i) => attrs.push({ where: `${where}.Attribute[${i}]`, a }));
      if (Array.isArray(e.Object)) {
        e.Object.forEach((o, k) => {
          if (isObject(o) && Array.isArray(o.Attribute)) o.Attribute.forEach((a, i) => attrs.push({ where: `${where}.Object[${k}].Attribute[${i}]`, a }));
        });
      }
      for (const { where: w, a } of attrs) {
        if (budget-- <= 0) { b.r.warnings.push(`more than ${MISP_MAX_ATTRIBUTES} attributes: the rest were not read`); break; }
        if (!isObject(a)) { b.reject(w, 'attribute is not an object'); continue; }
        if (a.deleted === true || a.deleted === '1') { b.skip('deleted attributes'); continue; }
        if (!(a.to_ids === true || a.to_ids === '1' || a.to_ids === 1)) { b.skip('to_ids false (context, not for detection)'); continue; }
        const type = str(a.type), value = str(a.value).trim();
        const vs = attributeValues(type, value);
        if ('skip' in vs) { b.skip(vs.skip); continue; }
        if ('error' in vs) { b.reject(w, `${type}: ${vs.error}`); continue; }
        const tags = [...evTags, ...tagNames(a.Tag)];
        const family = familyOf(tags) ?? evFamily;
        const last = parseTime(a.last_seen) ?? parseTime(a.timestamp);
        for (const v of vs) {
          b.add({
            ...v, confidence: conf, family,
            tags: b.tags(normaliseTags([str(a.category), ...tags.filter((t) => !t.startsWith('misp-galaxy:'))])),
            first_seen: parseTime(a.first_seen), last_seen: last,
            description: str(a.comment) || info,
          });
        }
      }
    }
    return b.done();
  },
};

