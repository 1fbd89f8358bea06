/**
 * Sinks from one-line specs (the CLI's `--alert`):
 * - `jsonl:/var/log/c2hunt/alerts.jsonl` (or `file:...`): JSON lines appended to a file.
 * - `syslog://host[:port]` or `syslog+udp://host[:port]`: RFC 5424 over UDP (default port 514).
 * - `syslog+tcp://host[:port]`: RFC 5424 over TCP with octet counting (default port 514).
 * - `http://...`, `https://...`: webhook (POST JSON, retries with backoff).
 * Syslog specs take `?facility=local3&app=c2hunt` query options.
 */
import { JsonLinesSink } from './file-sink.js';
import { AlertSinkError, type AlertSink } from './sink.js';
import { SyslogSink } from './syslog-sink.js';
import { WebhookSink, type WebhookOptions } from './webhook-sink.js';

/** Build a sink from a spec; throws AlertSinkError (ALERT_BAD_SPEC) naming what is wrong. */
export function parseSinkSpec(spec: string, webhook: Omit<WebhookOptions, 'url'> = {}): AlertSink {
  const m = /^(jsonl|file):(.+)$/.exec(spec);
  if (m !== null) return new JsonLinesSink(m[2]!);
  if (/^https?:\/\//i.test(spec)) return new WebhookSink({ ...webhook, url: spec });
  const s = /^syslog(\+udp|\+tcp)?:\/\/(\[[^\]]+\]|[^:/?]+)(?::(\d+))?\/?(\?.*)?$/i.exec(spec);
  if (s !== null) {
    const port = s[3] !== undefined ? Number(s[3]) : 514;
    if (!(port >= 1 && port <= 65535)) throw new AlertSinkError('ALERT_BAD_SPEC', `Cannot use alert sink '${spec}': port must be 1..65535`);
    const q = new URLSearchParams(s[4]?.slice(1) ?? '');
    return new SyslogSink({
      host: s[2]!.replace(/^\[|\]$/g, ''), port, transport: s[1]?.toLowerCase() === '+tcp' ? 'tcp' : 'udp',
      ...(q.get('facility') !== null ? { facility: q.get('facility')! } : {}), ...(q.get('app') !== null ? { appName: q.get('app')! } : {}),
    });
  }
  throw new AlertSinkError('ALERT_BAD_SPEC', `Cannot use alert sink '${spec}': use jsonl:PATH, syslog+udp://HOST[:PORT], syslog+tcp://HOST[:PORT] or an http(s) URL`);
}
