/**
 * `c2hunt report`: analyse captures, apply the allow-list, chain the findings into incidents and
 * write a report (Markdown, one self-contained HTML file, or JSON); optionally send alerts.
 */
import { basename, extname } from 'node:path';
import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { analyzeCaptures } from '../../analyze.js';
import { DEFAULT_INTERNAL_NETS } from '../../detect/networks.js';
import { correlate } from '../../correlate/correlate.js';
import { VERDICTS, type Verdict } from '../../correlate/incident.js';
import { allowFilePath, applyAllowList, loadAllowList } from '../../correlate/allow-list.js';
import { renderReport, REPORT_FORMATS, type ReportFormat } from '../../report/index.js';
import { AlertDispatcher, parseSinkSpec } from '../../alerts/index.js';
import { Progress } from '../progress.js';

const collect = (v: string, prev: string[]) => [...prev, v];

/** The format named by an output file's extension, if any. */
function formatOf(out: string | undefined): ReportFormat | undefined {
  const ext = out !== undefined ? extname(out).toLowerCase() : '';
  return ext === '.html' || ext === '.htm' ? 'html' : ext === '.json' ? 'json' : ext === '.md' || ext === '.markdown' ? 'md' : undefined;
}

export function registerReport(program: Command): void {
  program.command('report')
    .summary('analyse captures and write an incident report (md, html, json); optionally send alerts')
    .description(`Analyse captures, chain the findings into incidents (per host and per endpoint, across
detectors and threat intelligence), give each a verdict (confirmed, likely, suspicious,
informational) with a narrative of its evidence, and write a report:
  md    Markdown, for tickets and e-mail
  html  one self-contained file with charts that opens offline (beacon timelines and interval histograms, scan progress, long-connection spans)
  json  the documented document (incidents, findings, suppressed, rules)

The allow-list (c2hunt allow) is applied first; what it suppressed is listed with its reason.`)
    .argument('<captures...>', "pcap/pcapng files (gzip or not), or '-' for standard input")
    .addOption(new Option('-f, --format <format>', 'report format (default: from --out\'s extension, else md)').choices([...REPORT_FORMATS]))
    .option('-o, --out <file>', 'write the report to this file (default: standard output)')
    .option('--title <text>', 'report title', 'c2hunt report')
    .option('--internal <cidrs>', 'internal networks, comma-separated', DEFAULT_INTERNAL_NETS.join(','))
    .addOption(new Option('--min-verdict <verdict>', 'lowest verdict in the report').choices([...VERDICTS]).default('informational'))
    .option('--allow-file <path>', 'allow-list (default $C2HUNT_ALLOWLIST or ./c2hunt-allow.json, when it exists)')
    .option('--no-allow', 'ignore the allow-list')
    .option('--alert <sink>', 'also send incidents as alerts: jsonl:PATH, syslog+udp://HOST[:PORT], syslog+tcp://HOST[:PORT], http(s)://URL (repeatable)', collect, [])
    .addOption(new Option('--alert-min-verdict <verdict>', 'lowest verdict alerted').choices([...VERDICTS]).default('likely'))
    .option('--webhook-header <header>', "header for webhook alerts, 'Name: value' (repeatable)", collect, [])
    .addHelpText('after', `
Examples:
  c2hunt report capture.pcap --out report.html
  c2hunt report capture.pcap --format md --min-verdict likely > incidents.md
  c2hunt report capture.pcap --format json | jq '.incidents[] | select(.verdict == "confirmed")'
  c2hunt report capture.pcap -o r.html --alert syslog+tcp://siem.example:514 --alert jsonl:alerts.jsonl

Exit status: 0 done; 1 error; 2 a capture was damaged (what came before was analysed); 3 an alert sink failed.`)
    .action(async (captures: string[], o: {
      format?: ReportFormat; out?: string; title: string; internal: string; minVerdict: Verdict; allowFile?: string; allow: boolean;
      alert: string[]; alertMinVerdict: Verdict; webhookHeader: string[];
    }) => {
      const format = o.format ?? formatOf(o.out) ?? 'md';
      // Fail fast on bad sink specs and headers, before the analysis.
      const headers: Record<string, string> = {};
      for (const h of o.webhookHeader) {
        const i = h.indexOf(':');
        if (i <= 0) throw new Error(`Cannot use --webhook-header '${h}': expected 'Name: value'`);
        headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
      }
      const sinks = o.alert.map((s) => parseSinkSpec(s, { headers }));
      const allowList = o.allow ? loadAllowList(allowFilePath(o.allowFile)) : { version: 1 as const, entries: [] };

      const progress = new Progress('decode', process.stderr.isTTY === true);
      const r = await analyzeCaptures(captures, {
        internalNets: o.internal.split(',').map((s) => s.trim()).filter(Boolean),
        onFile: (s) => progress.setLabel(`decode ${s === '-' ? 'stdin' : basename(s)}`),
        onProgress: (d, t) => progress.update(d, t),
      });
      progress.done();
      const t0 = performance.now();
      const allowed = applyAllowList(r.findings, allowList);
      const incidents = correlate(allowed.findings, r.dataset);
      const timings = { ...r.timings, correlate: (performance.now() - t0) / 1000 };
      const text = renderReport({ ...r, findings: allowed.findings, timings }, incidents, format, {
        title: o.title, suppressed: allowed.suppressed, expired: allowed.expired, minVerdict: o.minVerdict,
      });
      if (o.out !== undefined) {
        writeFileSync(o.out, text);
        const n = (v: Verdict) => incidents.filter((i) => i.verdict === v).length;
        process.stdout.write(`wrote ${o.out} (${format}): ${incidents.length} incident(s): ${n('confirmed')} confirmed, ${n('likely')} likely, ${n('suspicious')} suspicious, ${n('informational')} informational; ${allowed.suppressed.length} finding(s) suppressed by the allow-list\n`);
      } else process.stdout.write(text);

      if (sinks.length > 0) {
        const d = new AlertDispatcher(sinks, { minVerdict: o.alertMinVerdict });
        const res = await d.publishIncidents(incidents);
        await d.close();
        for (const f of res.failures) process.stderr.write(`c2hunt: alert ${f.id} to ${f.sink}: ${f.error}\n`);
        if (o.out !== undefined || res.failures.length > 0) process.stderr.write(`alerts: ${res.sent} sent to ${sinks.length} sink(s), ${res.below} below ${o.alertMinVerdict}, ${res.failures.length} failed deliveries\n`);
        if (res.failures.length > 0) process.exitCode = 3;
      }
      for (const c of r.captures.filter((s) => s.error)) {
        process.stderr.write(`c2hunt: ${c.source}: ${c.error!.message}; records before it were analysed\n`);
        process.exitCode = 2;
      }
    });
}
