/** `c2hunt ingest`: captures and Zeek/Suricata logs into the store. */
import { basename } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_DB_PATH, ingestPaths, openStore, parseDuration, formatTime, type IngestSummary } from '../../store/index.js';
import { RECORD_KINDS } from '../../records/schema.js';
import { Progress, human } from '../progress.js';
import { table } from '../table.js';

/** Commander parser of a duration option (`30d`). */
export function durationArg(v: string): number {
  try {
    return parseDuration(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

export function registerIngest(program: Command): void {
  program.command('ingest')
    .summary('store captures and Zeek/Suricata logs in the local database')
    .description(`Store the metadata of captures (pcap/pcapng, gzip or not: decoded by the sensor) and of other sensors' logs (Zeek TSV or JSON, Suricata EVE JSON; gzip; folders of daily logs) in the store, for detection and lookback. Formats are recognised from content, not names.

A file is identified by the SHA-256 of its content: a file already stored is skipped (and listed as such), whatever its name. Each file is stored in one transaction: if the command is killed, nothing of the unfinished file remains, and running it again completes the work with no duplicates. Lines a log reader cannot parse are counted and listed with their numbers.`)
    .argument('<paths...>', 'capture files, log files, or folders of them')
    .option('--db <file>', 'store file (DuckDB)', DEFAULT_DB_PATH)
    .option('--json', 'print the summary as JSON on stdout')
    .option('--retain <duration>', 'afterwards, delete raw records older than the newest record minus this (e.g. 30d); passive DNS and findings are kept', durationArg)
    .addHelpText('after', `
Exit status: 0 when every file was stored or skipped as already stored; 2 when a file failed
or a capture was damaged (the other files are stored); 1 when the store cannot be used.

Examples:
  c2hunt ingest capture.pcap                       store a capture in ./${DEFAULT_DB_PATH}
  c2hunt ingest /opt/zeek/logs --db zeek.duckdb    every Zeek log below the folder, in time order
  c2hunt ingest eve.json --retain 30d              Suricata EVE, then keep 30 days of raw records`)
    .action(async (paths: string[], o: { db: string; json?: boolean; retain?: number }) => {
      const store = await openStore(o.db);
      const progress = new Progress('ingest', !o.json && process.stderr.isTTY === true);
      const t0 = Date.now();
      let summary: IngestSummary;
      try {
        summary = await ingestPaths(store, paths, {
          ...(o.retain !== undefined ? { retainSeconds: o.retain } : {}),
          onProgress: (p) => {
            const secs = Math.max((Date.now() - t0) / 1000, 1e-3);
            progress.setLabel(`${p.phase === 'hash' ? 'hash' : 'ingest'} ${basename(p.file)} (${p.index + 1}/${p.files}) ${human(p.records, '').trim()} records, ${human(p.records / secs, '').trim()} rec/s`);
            progress.update(p.bytesDone, p.bytesTotal);
          },
        });
      } finally {
        progress.done();
        await store.close();
      }
      if (o.json) process.stdout.write(JSON.stringify({ db: o.db, ...summary }, null, 2) + '\n');
      else printSummary(o.db, summary);
      if (summary.failed > 0 || summary.files.some((f) => f.warning)) process.exitCode = 2;
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
