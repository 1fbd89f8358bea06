/**
 * STIX 2.1 bundles (`{"type":"bundle","objects":[...]}`, also a TAXII 2.1 envelope
 * `{"objects":[...]}`): `indicator` objects with `pattern_type: "stix"`. Each clause of the pattern
 * (see stix-pattern.ts) gives one indicator per equality on a value c2hunt can match
 * (ipv4-addr/ipv6-addr/domain-name/url values, network-traffic dst_ref/src_ref values,
 * x509-certificate SHA-1, file hashes). When a clause has other conditions (a port, a second
 * value) they are kept in `condition` and not checked: the value is necessary, not sufficient.
 * The family comes from `indicates` relationships to `malware` objects; `valid_until` is the
 * expiry; revoked indicators are skipped.
 */
import {
  classifyValue, clampConfidence, hashType, isError, normaliseDomain, normaliseHex, normaliseNetwork, normaliseTags,
  normaliseUrl, parseTime, type Indicator,
} from '../indicator.js';
import { comparisonText, parsePattern, PatternError, toClauses, type Comparison } from './stix-pattern.js';
import { isObject, ResultBuilder, str, type FeedFormat } from './types.js';

/** STIX indicators without a confidence. */
export const STIX_CONFIDENCE = 60;

type Value = Pick<Indicator, 'type' | 'value'>;

/** The matchable value of one comparison, undefined when the path is not one we match. */
function comparisonValue(c: Comparison): Value | { error: string } | undefined {
  if (c.op !== '=' || c.negated || typeof c.values[0] !== 'string') return undefined;
  const v = c.values[0];
  const [obj, ...rest] = c.path.split(':');
  const prop = rest.join(':');
  const net = (): Value | { error: string } => {
    const n = normaliseNetwork(v.trim());
    return isError(n) ? n : { type: n.type, value: n.value };
  };
  if ((obj === 'ipv4-addr' || obj === 'ipv6-addr') && prop === 'value') return net();
  if (obj === 'domain-name' && prop === 'value') {
    const d = normaliseDomain(v);
    return isError(d) ? d : { type: 'domain', value: d };
  }
  if (obj === 'url' && prop === 'value') {
    const u = normaliseUrl(v);
    return isError(u) ? u : { type: 'url', value: u };
  }
  if (obj === 'network-traffic' && (prop === 'dst_ref.value' || prop === 'src_ref.value')) {
    const n = classifyValue(v);
    return isError(n) ? n : n.type === 'url' ? { error: `'${v}' is not an address or domain` } : { type: n.type, value: n.value };
  }
  const hm = /^hashes\.(.+)$/.exec(prop);
  if (hm !== null) {
    const alg = hm[1]!.toLowerCase().replace(/[^a-z0-9]/g, '');
    if (obj === 'x509-certificate') {
      if (alg !== 'sha1') return undefined;
      const h = normaliseHex(v, 40, 'certificate SHA-1');
      return isError(h) ? h : { type: 'cert_sha1', value: h };
    }
    if (obj === 'file' || obj === 'artifact') {
      const t = hashType(v.toLowerCase());
      if (alg !== 'md5' && alg !== 'sha1' && alg !== 'sha256') return undefined;
      return t === alg ? { type: t, value: v.toLowerCase() } : { error: `'${v}' is not a ${alg} hash` };
    }
  }
  return undefined;
}

function objectsOf(v: unknown): unknown[] | undefined {
  if (!isObject(v)) return undefined;
  if (v.type === 'bundle' && Array.isArray(v.objects)) return v.objects;
  if (!('type' in v) && Array.isArray(v.objects)) return v.objects;
  return undefined;
}

/** STIX 2.1 bundles of indicators. */
export const stix2: FeedFormat = {
  name: 'stix2',
  title: 'STIX 2.1 bundle (or TAXII 2.1 envelope) of indicators with STIX patterns',
  defaultConfidence: STIX_CONFIDENCE,
  detect(s) {
    const j = s.json();
    if ('error' in j) return j.error;
    const objs = objectsOf(j.value);
    if (objs === undefined) return "not a STIX bundle (no type 'bundle' with objects)";
    return objs.some((o) => isObject(o) && o.type === 'indicator') || (isObject(j.value) && j.value.type === 'bundle') ? true : 'no indicator objects';
  },
  parse(s, ctx) {
    const b = new ResultBuilder(ctx, STIX_CONFIDENCE);
    const j = s.json();
    const objs = 'error' in j ? undefined : objectsOf(j.value);
    if (objs === undefined) { b.r.fatal = 'error' in j ? j.error : 'not a STIX bundle'; return b.done(); }
    // Families: indicator --indicates--> malware.
    const malware = new Map<string, string>();
    for (const o of objs) if (isObject(o) && o.type === 'malware' && typeof o.id === 'string' && str(o.name)) malware.set(o.id, str(o.name));
    const familyOf = new Map<string, string>();
    for (const o of objs) {
      if (isObject(o) && o.type === 'relationship' && o.relationship_type === 'indicates') {
        const m = malware.get(str(o.target_ref));
        if (m !== undefined && !familyOf.has(str(o.source_ref))) familyOf.set(str(o.source_ref), m);
      }
    }
    objs.forEach((o, k) => {
      if (!isObject(o) || o.type !== 'indicator') return;
      const where = `objects[${k}]${typeof o.id === 'string' ? ` (${o.id})` : ''}`;
      if (o.revoked === true) { b.skip('revoked indicators'); return; }
      const ptype = str(o.pattern_type) || 'stix';
      if (ptype !== 'stix') { b.skip(`pattern_type ${ptype}`); return; }
      const pattern = str(o.pattern);
      if (pattern === '') { b.reject(where, 'no pattern'); return; }
      let clauses: Comparison[][];
      try {
        clauses = toClauses(parsePattern(pattern));
      } catch (e) {
        if (e instanceof PatternError) { b.reject(where, `pattern: ${e.message}`); return; }
        throw e;
      }
      const tags = b.tags(normaliseTags([...(Array.isArray(o.indicator_types) ? o.indicator_types : []), ...(Array.isArray(o.labels) ? o.labels : [])]));
      const base = {
        confidence: b.ctx.confidence ?? clampConfidence(o.confidence, STIX_CONFIDENCE),
        family: familyOf.get(str(o.id)), tags,
        first_seen: parseTime(o.valid_from), last_seen: parseTime(o.modified), expires: parseTime(o.valid_until),
        description: str(o.name) || str(o.description).slice(0, 200),
      };
      const seen = new Set<string>();
      let usable = 0;
      for (const clause of clauses) {
        const vals = clause.map(comparisonValue);
        for (let i = 0; i < clause.length; i++) {
          const v = vals[i];
          if (v === undefined) continue;
          if (isError(v)) { b.reject(where, `pattern: ${v.error}`); continue; }
          usable++;
          const key = `${v.type}\x1f${v.value}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const others = clause.filter((_, j) => j !== i).map(comparisonText);
          b.add({ ...base, ...v, condition: others.length > 0 ? others.join(' AND ') : undefined });
        }
      }
      if (usable === 0) b.skip('patterns with no value c2hunt can match');
    });
    return b.done();
  },
};
