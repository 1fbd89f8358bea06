/** `c2hunt ingest`: captures and Zeek/Suricata logs into the store. */
import { basename } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { DEFAULT_DB_PATH, ingestPaths, openStore, parseDuration, formatTime, type IngestSummary } from '../../store/index.js';
import { loadCommandIntel } from '../../intel/cli-load.js';
import { IngestIntelMatcher, type IngestIntelSummary } from '../../intel/ingest-match.js';
import { AlertDispatcher, parseSinkSpec, type AlertSink } from '../../alerts/index.js';
import type { Severity } from '../../detect/finding.js';
import { RECORD_KINDS } from '../../records/schema.js';
import { Progress, human } from '../progress.js';
import { table } from '../table.js';
import { STORE_ENV, storeLabel, storeLocation } from '../store-option.js';

/** Commander parser of a duration option (`30d`). */
export function durationArg(v: string): number {
  try {
    return parseDuration(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

const collect = (v: string, prev: string[]) => [...prev, v];
const SEVERITIES: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];
/** Intel hits listed in the text summary (all are stored). */
const INTEL_HITS_LISTED = 10;

export function registerIngest(program: Command): void {
  program.command('ingest')
    .summary('store captures and Zeek/Suricata logs in the local database')
    .description(`Store the metadata of captures (pcap/pcapng, gzip or not: decoded by the sensor) and of other sensors' logs (Zeek TSV or JSON, Suricata EVE JSON; gzip; folders of daily logs) in the store, for detection and lookback. Formats are recognised from content, not names.

A file is identified by the SHA-256 of its content: a file already stored is skipped (and listed as such), whatever its name. Each file is stored in one transaction: if the command is killed, nothing of the unfinished file remains, and running it again completes the work with no duplicates. Lines a log reader cannot parse are counted and listed with their numbers.

Threat intelligence (the feed directory, see \`c2hunt intel\`, plus --intel files) is matched as records are stored: connections, DNS queries and answers, TLS server names and fingerprints, HTTP hosts and URLs, and connections to the addresses of listed domains through passive DNS. Each hit is saved as a finding (detector intel) after its file's commit and, with --alert, sent at once (once per finding).`)
    .argument('<paths...>', 'capture files, log files, or folders of them')
    .option('--store <location>', `store: a DuckDB file or clickhouse://user:pass@host:8123/db[?cluster=NAME] (default $${STORE_ENV}, else the config file's "store", else ./${DEFAULT_DB_PATH})`)
    .option('--db <location>', 'same as --store')
    .option('--json', 'print the summary as JSON on stdout')
    .option('--retain <duration>', 'afterwards, delete raw records older than the newest record minus this (e.g. 30d); passive DNS and findings are kept', durationArg)
    .option('--intel <file>', 'also match this threat-intelligence feed file (any supported format; repeatable)', collect, [] as string[])
    .option('--intel-dir <dir>', 'feed directory (default $C2HUNT_INTEL_DIR or ~/.c2hunt/intel; see c2hunt intel)')
    .option('--no-intel', 'match no threat intelligence')
    .option('--alert <sink>', 'send each new intelligence hit as an alert: jsonl:PATH, syslog+udp://HOST[:PORT], syslog+tcp://HOST[:PORT], http(s)://URL (repeatable)', collect, [])
    .addOption(new Option('--alert-min-severity <severity>', 'lowest severity of hits alerted').choices([...SEVERITIES]).default('medium'))
    .option('--webhook-header <header>', "header for webhook alerts, 'Name: value' (repeatable)", collect, [])
    .addHelpText('after', `
Exit status: 0 when every file was stored or skipped as already stored; 2 when a file failed
or a capture was damaged (the other files are stored); 1 when the store cannot be used;
3 when an alert sink failed.

Examples:
  c2hunt ingest capture.pcap                       store a capture in ./${DEFAULT_DB_PATH}
  c2hunt ingest /opt/zeek/logs --db zeek.duckdb    every Zeek log below the folder, in time order
  c2hunt ingest conn.log.gz --store 'clickhouse://c2hunt:secret@ch1:8123/c2hunt?cluster=c2hunt'
                                                   into a ClickHouse cluster (see README, scale-out)
  c2hunt ingest eve.json --retain 30d              Suricata EVE, then keep 30 days of raw records
  c2hunt ingest capture.pcap --intel feodo.csv --alert jsonl:alerts.jsonl
                                                   intelligence hits as findings and alerts`)
    .action(async (paths: string[], o: {
      db?: string; store?: string; json?: boolean; retain?: number; intel: string[] | false; intelDir?: string;
      alert: string[]; alertMinSeverity: Severity; webhookHeader: string[];
    }) => {
      // Fail fast on unreadable intelligence and bad sink specs, before the store is touched.
      const intel = loadCommandIntel({ dir: o.intelDir, files: o.intel === false ? [] : o.intel, useDir: o.intel !== false });
      for (const p of intel.problems) process.stderr.write(`c2hunt: intelligence: ${p}\n`);
      const headers: Record<string, string> = {};
      for (const h of o.webhookHeader) {
        const i = h.indexOf(':');
        if (i <= 0) throw new Error(`Cannot use --webhook-header '${h}': expected 'Name: value'`);
        headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
      }
      const sinks: AlertSink[] = o.alert.map((s) => parseSinkSpec(s, { headers }));
      const dispatcher = sinks.length > 0 ? new AlertDispatcher(sinks, { minSeverity: o.alertMinSeverity }) : undefined;
      const alerts = { sent: 0, below: 0, suppressed: 0, failures: [] as { sink: string; id: string; error: string }[] };
      const location = storeLocation(o);
      const store = await openStore(location);
      const matcher = intel.indicators > 0
        ? new IngestIntelMatcher(intel.index, {
          store,
          onFindings: async (fs) => {
            if (dispatcher === undefined) return;
            const r = await dispatcher.publishFindings(fs);
            alerts.sent += r.sent; alerts.below += r.below; alerts.suppressed += r.suppressed;
            for (const f of r.failures) { alerts.failures.push(f); process.stderr.write(`c2hunt: alert ${f.id} to ${f.sink}: ${f.error}\n`); }
          },
        })
        : undefined;
      const progress = new Progress('ingest', !o.json && process.stderr.isTTY === true);
      const t0 = Date.now();
      let summary: IngestSummary;
      try {
        summary = await ingestPaths(store, paths, {
          ...(o.retain !== undefined ? { retainSeconds: o.retain } : {}),
          ...(matcher !== undefined ? { tap: matcher } : {}),
          onProgress: (p) => {
            const secs = Math.max((Date.now() - t0) / 1000, 1e-3);
            progress.setLabel(`${p.phase === 'hash' ? 'hash' : 'ingest'} ${basename(p.file)} (${p.index + 1}/${p.files}) ${human(p.records, '').trim()} records, ${human(p.records / secs, '').trim()} rec/s`);
            progress.update(p.bytesDone, p.bytesTotal);
          },
        });
      } finally {
        progress.done();
        await store.close();
        await dispatcher?.close();
      }
      const hits = matcher?.summary();
      if (o.json) {
        const intelJson = { sources: intel.sources, indicators: intel.indicators, ...(hits !== undefined ? hits : {}), ...(dispatcher !== undefined ? { alerts } : {}) };
        process.stdout.write(JSON.stringify({ db: storeLabel(location), ...summary, intel: intelJson }, null, 2) + '\n');
      } else {
        printSummary(storeLabel(location), summary);
        printIntel(intel.sources, hits, dispatcher !== undefined ? { ...alerts, sinks: sinks.length, min: o.alertMinSeverity } : undefined);
      }
      if (summary.failed > 0 || summary.files.some((f) => f.warning)) process.exitCode = 2;
      if (alerts.failures.length > 0) process.exitCode = 3;
    });
}

function printSummary(db: string, s: IngestSummary): void {
  const rows = s.files.map((f) => [
    f.path, f.status.replace('_', ' '), f.format ?? '-',
    RECORD_KINDS.reduce((n, k) => n + f.records[k], 0), f.bad_lines, f.seconds.toFixed(2),
  ]);
  process.stdout.write(table(['file', 'status', 'format', 'records', 'bad lines', 'seconds'], rows) + '\n');
  const notes = s.files.filter((f) => f.reason || f.warning);
  if (notes.length > 0) {
    process.stdout.write('\n');
    for (const f of notes) process.stdout.write(`${f.path}: ${f.warning ?? f.reason}\n`);
  }
  const bad = s.files.filter((f) => f.bad_line_samples.length > 0);
  for (const f of bad) {
    process.stdout.write(`\n${f.path}: ${f.bad_lines} bad line${f.bad_lines === 1 ? '' : 's'}${f.bad_lines > f.bad_line_samples.length ? ` (first ${f.bad_line_samples.length})` : ''}\n`);
    for (const b of f.bad_line_samples) process.stdout.write(`  line ${b.line}: ${b.reason}\n`);
  }
  const total = RECORD_KINDS.reduce((n, k) => n + s.records[k], 0);
  const summary: (string | number)[][] = [
    ['files ingested', s.ingested], ['files already ingested (skipped)', s.already_ingested],
    ['files ignored', s.ignored], ['files failed', s.failed],
    ...RECORD_KINDS.filter((k) => s.records[k] > 0).map((k) => [`${k} records`, s.records[k]] as (string | number)[]),
    ['records', total], ['bad lines', s.bad_lines], ['seconds', s.seconds.toFixed(2)],
    ['records/s', Math.round(s.records_per_sec)],
  ];
  if (s.retention) {
    summary.push(['retention cutoff', s.retention.cutoff !== undefined ? formatTime(s.retention.cutoff) : '-']);
    summary.push(['records deleted by retention', Object.values(s.retention.deleted).reduce((a, b) => a + (b ?? 0), 0)]);
  }
  process.stdout.write('\n' + table(['', 'value'], summary) + `\n\nstore: ${db}\n`);
}

function printIntel(
  sources: string[], hits: IngestIntelSummary | undefined,
  alerts: { sent: number; below: number; suppressed: number; failures: unknown[]; sinks: number; min: Severity } | undefined,
): void {
  if (hits === undefined) {
    process.stdout.write('threat intelligence: none (add feeds with `c2hunt intel add`, or pass --intel FILE)\n');
    return;
  }
  process.stdout.write(`threat intelligence: ${sources.join(', ')}\n`);
  const n = (k: number, one: string, many = `${one}s`) => `${k} ${k === 1 ? one : many}`;
  process.stdout.write(`intelligence: ${n(hits.hits, 'hit')} on ${n(hits.hosts, 'host')} (saved as findings)\n`);
  for (const f of hits.findings.slice(0, INTEL_HITS_LISTED)) process.stdout.write(`  [${f.severity}] ${f.title}\n`);
  if (hits.findings.length > INTEL_HITS_LISTED) process.stdout.write(`  ... ${hits.findings.length - INTEL_HITS_LISTED} more (c2hunt lookback, or the store's findings)\n`);
  if (alerts !== undefined) {
    process.stdout.write(`alerts: ${alerts.sent} sent to ${n(alerts.sinks, 'sink')}, ${alerts.below} below ${alerts.min}, ${alerts.suppressed} repeats held back, ${alerts.failures.length} failed deliveries\n`);
  }
}
