/** `c2hunt analyze`: decode captures, run every detector, print ranked findings with their evidence. */
import { basename } from 'node:path';
import type { Command } from 'commander';
import { analyzeCaptures } from '../../analyze.js';
import { DEFAULT_INTERNAL_NETS } from '../../detect/networks.js';
import { Progress } from '../progress.js';
import { renderFindings } from '../render.js';
import { parsePositive } from './decode.js';
import type { Severity } from '../../detect/finding.js';

const SEVERITIES: Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

export function registerAnalyze(program: Command): void {
  program.command('analyze')
    .summary('decode captures, detect bot behaviours, print ranked findings with evidence')
    .description(`Decode captures and run every detector: periodic heartbeats (beacons), long connections,
propagation scanning and cryptomining. Each finding says why, with the numbers behind its score,
and what the history shows about its endpoint (the domains behind an IP, who else talked to it).`)
    .argument('<captures...>', "pcap/pcapng files (gzip or not), or '-' for standard input")
    .option('--json', 'print the findings as JSON')
    .option('--internal <cidrs>', 'internal networks, comma-separated', DEFAULT_INTERNAL_NETS.join(','))
    .option('--min-severity <level>', `lowest severity shown: ${SEVERITIES.join(', ')}`, 'low')
    .option('--limit <n>', 'most findings printed (table only)', parsePositive, 50)
    .addHelpText('after', `
Examples:
  c2hunt analyze capture.pcap
  c2hunt analyze monday.pcapng tuesday.pcapng --internal 10.0.0.0/8,192.168.0.0/16
  c2hunt analyze capture.pcap --json | jq '.findings[] | select(.detector == "beacon")'`)
    .action(async (captures: string[], o: { json?: boolean; internal: string; minSeverity: string; limit: number }) => {
      const min = SEVERITIES.indexOf(o.minSeverity as Severity);
      if (min < 0) throw new Error(`Cannot analyze: unknown severity '${o.minSeverity}' (use ${SEVERITIES.join(', ')})`);
      const progress = new Progress('decode', !o.json && process.stderr.isTTY === true);
      const r = await analyzeCaptures(captures, {
        internalNets: o.internal.split(',').map((s) => s.trim()).filter(Boolean),
        onFile: (s) => progress.setLabel(`decode ${s === '-' ? 'stdin' : basename(s)}`),
        onProgress: (d, t) => progress.update(d, t),
      });
      progress.done();
      const shown = r.findings.filter((f) => SEVERITIES.indexOf(f.severity) >= min);
      if (o.json) {
        process.stdout.write(JSON.stringify({ captures: r.captures.map(({ source, format, packets, bytes, flows, records, weirds, seconds, error }) => ({ source, format, packets, bytes, flows, records, weirds, seconds, error })), timings: r.timings, findings: shown }, null, 2) + '\n');
      } else {
        const pk = r.captures.reduce((n, s) => Math.max(n, s.packets), 0);
        process.stdout.write(`${captures.join(', ')}: ${pk.toLocaleString('en-US')} packets, ${r.dataset.conns.length.toLocaleString('en-US')} connections, ${r.dataset.internalHosts().size} internal hosts\n`);
        process.stdout.write(`${shown.length} finding(s) at or above ${o.minSeverity} (${r.findings.length} in all)\n\n`);
        if (shown.length > 0) process.stdout.write(renderFindings(shown, { color: process.stdout.isTTY === true, limit: o.limit }) + '\n');
        process.stdout.write(`\ntime: ${Object.entries(r.timings).map(([k, v]) => `${k} ${v.toFixed(2)} s`).join(', ')}\n`);
      }
      for (const d of r.captures.filter((s) => s.error)) {
        process.stderr.write(`c2hunt: ${d.source}: ${d.error!.message}; records before it were analysed\n`);
        process.exitCode = 2;
      }
    });
}
