/** Alerts: ECS documents to JSON-lines files, syslog (RFC 5424, UDP/TCP) and webhooks, de-duplicated. Public entry of the module. */
export { incidentToEcs, findingToEcs, ECS_VERSION, VERDICT_SYSLOG, SEVERITY_SYSLOG, type AlertDoc } from './ecs.js';
export { Deduper, DEFAULT_SUPPRESS_SEC, MAX_DEDUP_KEYS, type DedupDecision } from './dedup.js';
export { AlertSinkError, type AlertSink } from './sink.js';
export { JsonLinesSink } from './file-sink.js';
export { SyslogSink, formatSyslog, FACILITIES, SYSLOG_TIMEOUT_MS, SYSLOG_UDP_MAX_BYTES, type SyslogOptions } from './syslog-sink.js';
export { WebhookSink, WEBHOOK_DEFAULTS, backoffDelay, type WebhookOptions } from './webhook-sink.js';
export { AlertDispatcher, type DispatcherOptions, type DispatchResult } from './dispatcher.js';
export { parseSinkSpec } from './spec.js';
