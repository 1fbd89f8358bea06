/** `c2hunt decode`: packets to conn, dns, tls, http, mining, ssh and weird logs. */
import { mkdirSync } from 'node:fs';
import { basename } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { decodeCaptures, MAX_DECODE_WORKERS, type DecodeSummary } from '../../sensor/decode-file.js';
import type { OutputFormat } from '../../records/writers.js';
import { createSharedLogSink, finishSharedLogs, sharedJsonLinesPaths, sharedJsonLinesState, type SharedLogArg } from '../../sensor/parallel/jsonl-sink.js';
import { Progress, human } from '../progress.js';
import { table } from '../table.js';
import { RECORD_KINDS, type RecordSink } from '../../records/schema.js';

export function parsePositive(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a non-negative number');
  return n;
}

/** Parses `--workers`: an integer from 1 to MAX_DECODE_WORKERS. */
export function parseWorkers(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > MAX_DECODE_WORKERS) throw new InvalidArgumentError(`must be an integer from 1 to ${MAX_DECODE_WORKERS}`);
  return n;
}

export function registerDecode(program: Command): void {
  program.command('decode')
    .summary('turn captures into connection, DNS, TLS, HTTP, mining and weird records')
    .description(`Decode pcap/pcapng captures (gzip-compressed or not; '-' reads standard input) into
metadata records, one log per record type, with Zeek's field names.

Several captures are decoded in order through one flow table, so a connection that spans
rotated capture files stays one connection. A damaged capture keeps everything decoded before
the damage; the command then exits with status 2 and says where and why.`)
    .argument('<captures...>', "capture files, or '-' for standard input")
    .option('-o, --out <dir>', 'directory for the logs', 'c2hunt-logs')
    .option('-f, --format <format>', "'json' (JSON lines: conn.jsonl ...) or 'zeek' (TSV: conn.log ...)", 'json')
    .option('--json', 'print the summary as JSON on stdout')
    .option('--interim <seconds>', 'seconds between interim records of open connections (open_conn log); 0 = off', parsePositive, 600)
    .option('--max-flows <n>', 'most concurrent flows; the least recently active is ended early beyond it (counted)', parsePositive, 1_000_000)
    .option('--tcp-timeout <seconds>', 'TCP inactivity timeout (attempts, midstream connections)', parsePositive, 300)
    .option('--tcp-established-timeout <seconds>', 'inactivity timeout of TCP connections whose handshake was seen and that are not closed', parsePositive, 3600)
    .option('--udp-timeout <seconds>', 'UDP inactivity timeout', parsePositive, 60)
    .option('--no-app', 'skip application-layer parsing (connections only)')
    .option('-w, --workers <n>', 'decoding threads: flows are sharded across N threads (this one and N - 1 workers); pays with a spare core per worker (on 2 cores one thread is as fast: README, Measured)', parseWorkers, 1)
    .addHelpText('after', `
Examples:
  c2hunt decode capture.pcap --out logs/            JSON lines in logs/conn.jsonl, logs/dns.jsonl ...
  c2hunt decode day.pcapng.gz --format zeek -o z/   Zeek TSV logs that Zeek tools read
  tcpdump -i eth0 -w - | c2hunt decode - -o live/   decode a live stream from standard input
  c2hunt decode big.pcap --workers 4 -o logs/       shard the flows across four threads (8-core sensor)`)
    .action(async (captures: string[], o: {
      out: string; format: string; json?: boolean; interim: number; maxFlows: number; tcpTimeout: number; tcpEstablishedTimeout: number; udpTimeout: number; app: boolean;
      workers: number;
    }) => {
      if (o.format !== 'json' && o.format !== 'zeek') throw new Error(`Cannot decode: unknown format '${o.format}' (use json or zeek)`);
      // Logs go through the shared sink of sensor/parallel/jsonl-sink.ts (the same files and lines
      // as DirectoryWriter); with worker threads each worker appends to the logs itself, so
      // records never cross threads.
      const format = o.format as OutputFormat;
      const logs: SharedLogArg = { dir: o.out, state: sharedJsonLinesState(), format, openTime: Date.now() / 1000 };
      mkdirSync(o.out, { recursive: true });
      const writer: RecordSink & { close(): void } = createSharedLogSink(logs);
      const workerSink = o.workers > 1
        ? { module: new URL('../../sensor/parallel/jsonl-sink.js', import.meta.url).href, factory: 'createSharedLogSink', arg: logs }
        : undefined;
      const progress = new Progress('decode', !o.json && process.stderr.isTTY === true);
      let summaries: DecodeSummary[];
      try {
        summaries = await decodeCaptures(captures, writer, {
          interimInterval: o.interim, maxFlows: o.maxFlows, appLayer: o.app, workers: o.workers, workerSink,
          timeouts: { tcp: o.tcpTimeout, udp: o.udpTimeout, established: o.tcpEstablishedTimeout },
          onFile: (s) => progress.setLabel(`decode ${s === '-' ? 'stdin' : basename(s)}`),
          onProgress: (done, total) => progress.update(done, total),
        });
      } finally {
        progress.done();
        writer.close();
        finishSharedLogs(logs);
      }
      const last = summaries[summaries.length - 1]!;
      const damaged = summaries.filter((s) => s.error);
      const paths = sharedJsonLinesPaths(logs);
      if (o.json) {
        process.stdout.write(JSON.stringify({ out: o.out, files: paths, captures: summaries }, null, 2) + '\n');
      } else {
        printSummary(summaries, last, paths);
      }
      for (const d of damaged) process.stderr.write(`c2hunt: ${d.source}: ${d.error!.message} (code ${d.error!.code}, byte ${d.error!.offset}); records before it were kept\n`);
      if (damaged.length > 0) process.exitCode = 2;
    });
}

function printSummary(summaries: DecodeSummary[], total: DecodeSummary, paths: string[]): void {
  const secs = summaries.reduce((n, s) => n + s.seconds, 0);
  const rows: (string | number)[][] = [
    ['captures', summaries.map((s) => `${s.source} (${s.format}${s.gzip ? ', gzip' : ''})`).join(', ')],
    ['packets', total.packets], ['bytes', human(total.bytes)], ['ip packets', total.ipPackets], ['non-ip packets', total.nonIpPackets],
    ['flows', total.flows], ['peak concurrent flows', total.peakFlows], ['flows evicted (table full)', total.evictions],
    ['interim records', total.interims],
    ...RECORD_KINDS.map((k) => [`${k} records`, total.records[k]] as (string | number)[]),
    ['seconds', secs.toFixed(2)], ['throughput', `${(total.bytes / 1e6 / Math.max(secs, 1e-9)).toFixed(1)} MB/s, ${Math.round(total.packets / Math.max(secs, 1e-9)).toLocaleString('en-US')} packets/s`],
  ];
  process.stdout.write(table(['', 'value'], rows.map((r) => r.map(String))) + '\n');
  const weirds = Object.entries(total.weirds).sort((a, b) => b[1] - a[1]);
  if (weirds.length > 0) process.stdout.write('\n' + table(['weird', 'count'], weirds) + '\n');
  process.stdout.write(`\nwrote ${paths.length ? paths.join(', ') : 'nothing (no records)'}\n`);
}
