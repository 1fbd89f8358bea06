/**
 * Correlation: findings -> incidents with verdicts and narratives, and the analyst's allow-list.
 * Public entry of the module.
 */
export { correlate, type CorrelateOptions } from './correlate.js';
export { VERDICT_RULES, BENIGN_RULE, CORRELATE_DEFAULTS, type CorrelateSettings, type VerdictRule } from './rules.js';
export { VERDICTS, verdictRank, rankIncidents, incidentId, type Incident, type IncidentEndpoints, type IncidentLink, type Verdict, type CorrelatedFinding } from './incident.js';
export { findingEndpoints, underDomain, isIp, WELL_KNOWN_SERVICES, type FindingEndpoints } from './endpoints.js';
export { kbit, when } from './narrative.js';
export * from './allow-list.js';
