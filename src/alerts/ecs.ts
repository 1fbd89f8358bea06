/**
 * Alerts as Elastic Common Schema (ECS) documents, so SIEMs map them without a custom parser.
 * ECS field names where ECS has them; what ECS has no field for sits under `c2hunt.*`.
 *
 * | field                         | incident alert                                | finding alert |
 * |-------------------------------|-----------------------------------------------|---------------|
 * | `@timestamp`                  | when the alert was produced                   | same |
 * | `message`                     | the headline                                  | the finding's title |
 * | `event.kind`                  | `alert`                                       | `alert` |
 * | `event.category`              | `["network", "intrusion_detection"]`          | same (+ `threat` for intel) |
 * | `event.type`                  | `["info"]`                                    | same |
 * | `event.module` / `dataset`    | `c2hunt` / `c2hunt.incident`                  | `c2hunt` / `c2hunt.finding` |
 * | `event.id`                    | incident id (stable: the de-duplication key)  | finding id |
 * | `event.severity`              | syslog level: confirmed 2, likely 3, suspicious 4, informational 6 | critical 2, high 3, medium 4, low 5, info 6 |
 * | `event.risk_score`            | score x 100                                   | same |
 * | `event.start` / `event.end`   | first / last evidence                         | same |
 * | `event.reason`                | the verdict sentence                          | the first reason |
 * | `rule.id` / `rule.name`       | deciding verdict rule                         | `detector.kind` |
 * | `rule.category`               | the label ("C&C channel" ...)                 | detector |
 * | `rule.ruleset`                | `c2hunt`                                      | same |
 * | `source.ip`                   | the host (first host of an endpoint incident) | src |
 * | `destination.ip` / `.port` / `.domain` | first endpoint address / port / domain | dst / port / fqdn |
 * | `network.transport`           | —                                             | proto |
 * | `related.ip` / `related.hosts`| every host and address / every domain         | same |
 * | `threat.framework`            | `MITRE ATT&CK`                                | same |
 * | `threat.technique.id`         | ATT&CK technique ids                          | same |
 * | `threat.software.name`        | malware family named by intelligence          | `evidence.family` |
 * | `observer.product` / `.type` / `.vendor` | `c2hunt` / `ids` / `c2hunt`        | same |
 * | `c2hunt.*`                    | verdict, label, score, scope, hosts, endpoints, findings, rules, narrative, related | finding: detector, kind, score, severity, evidence, reasons |
 */
import type { Finding, Severity } from '../detect/finding.js';
import type { Incident, Verdict } from '../correlate/incident.js';
import { isIp } from '../correlate/endpoints.js';

/** ECS version the documents follow. */
export const ECS_VERSION = '8.11.0';

/** An alert document (nested ECS objects). */
export type AlertDoc = Record<string, unknown> & { event: { id: string; severity: number; [k: string]: unknown } };

/** Syslog severity (RFC 5424) of each verdict and finding severity. */
export const VERDICT_SYSLOG: Readonly<Record<Verdict, number>> = Object.freeze({ confirmed: 2, likely: 3, suspicious: 4, informational: 6 });
export const SEVERITY_SYSLOG: Readonly<Record<Severity, number>> = Object.freeze({ critical: 2, high: 3, medium: 4, low: 5, info: 6 });

const iso = (t: number) => new Date(t * 1000).toISOString();
const OBSERVER = Object.freeze({ product: 'c2hunt', type: 'ids', vendor: 'c2hunt' });

/** An incident as an ECS alert. `now` is epoch seconds. */
export function incidentToEcs(inc: Incident, now = Date.now() / 1000): AlertDoc {
  const verdictLine = inc.narrative.find((p) => p.startsWith('Verdict:')) ?? `${inc.verdict}: ${inc.label}`;
  const dst: Record<string, unknown> = {};
  if (inc.endpoints.ips[0] !== undefined) dst['ip'] = inc.endpoints.ips[0];
  if (inc.endpoints.ports[0] !== undefined) dst['port'] = inc.endpoints.ports[0];
  if (inc.endpoints.domains[0] !== undefined) dst['domain'] = inc.endpoints.domains[0];
  const threat: Record<string, unknown> = { framework: 'MITRE ATT&CK', technique: { id: inc.attack } };
  if (inc.family !== undefined) threat['software'] = { name: inc.family };
  return {
    '@timestamp': iso(now), ecs: { version: ECS_VERSION }, message: inc.headline,
    event: {
      kind: 'alert', category: ['network', 'intrusion_detection'], type: ['info'], module: 'c2hunt', dataset: 'c2hunt.incident',
      id: inc.id, severity: VERDICT_SYSLOG[inc.verdict], risk_score: Math.round(inc.score * 1000) / 10,
      start: iso(inc.first), end: iso(inc.last), created: iso(now), reason: verdictLine.replace(/^Verdict: /, ''),
    },
    rule: { id: inc.rules[0], name: inc.rules[0], category: inc.label, ruleset: 'c2hunt' },
    source: { ip: inc.host ?? inc.hosts[0] },
    ...(Object.keys(dst).length > 0 ? { destination: dst } : {}),
    related: { ip: [...new Set([...inc.hosts, ...inc.endpoints.ips])], hosts: inc.endpoints.domains },
    threat, observer: OBSERVER,
    c2hunt: {
      verdict: inc.verdict, label: inc.label, score: inc.score, scope: inc.scope, hosts: inc.hosts, endpoints: inc.endpoints,
      findings: inc.findings, rules: inc.rules, narrative: inc.narrative, related: inc.related,
    },
  };
}

/** A finding as an ECS alert. `now` is epoch seconds. */
export function findingToEcs(f: Finding, now = Date.now() / 1000): AlertDoc {
  const dst: Record<string, unknown> = {};
  if (f.dst !== undefined) dst['ip'] = f.dst;
  if (f.port !== undefined) dst['port'] = f.port;
  if (f.fqdn !== undefined && !isIp(f.fqdn)) dst['domain'] = f.fqdn;
  const threat: Record<string, unknown> = { framework: 'MITRE ATT&CK', technique: { id: f.attack } };
  if (typeof f.evidence['family'] === 'string') threat['software'] = { name: f.evidence['family'] };
  return {
    '@timestamp': iso(now), ecs: { version: ECS_VERSION }, message: f.title,
    event: {
      kind: 'alert', category: f.detector === 'intel' ? ['network', 'intrusion_detection', 'threat'] : ['network', 'intrusion_detection'], type: ['info'],
      module: 'c2hunt', dataset: 'c2hunt.finding', id: f.id, severity: SEVERITY_SYSLOG[f.severity], risk_score: Math.round(f.score * 1000) / 10,
      start: iso(f.first), end: iso(f.last), created: iso(now), ...(f.reasons[0] !== undefined ? { reason: f.reasons[0] } : {}),
    },
    rule: { id: `${f.detector}.${f.kind}`, name: `${f.detector}.${f.kind}`, category: f.detector, ruleset: 'c2hunt' },
    source: { ip: f.src },
    ...(Object.keys(dst).length > 0 ? { destination: dst } : {}),
    ...(f.proto !== undefined ? { network: { transport: f.proto } } : {}),
    related: { ip: [...new Set([f.src, ...(f.dst !== undefined ? [f.dst] : []), ...(f.dsts ?? [])])], hosts: f.fqdn !== undefined && !isIp(f.fqdn) ? [f.fqdn] : [] },
    threat, observer: OBSERVER,
    c2hunt: { detector: f.detector, kind: f.kind, score: f.score, severity: f.severity, evidence: f.evidence, reasons: f.reasons, uids: f.uids },
  };
}
