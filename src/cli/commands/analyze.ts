/** `c2hunt analyze`: decode captures, run every detector, print ranked findings with their evidence. */
import { basename } from 'node:path';
import type { Command } from 'commander';
import { analyzeCaptures, analyzePaths, type AnalyzeResult } from '../../analyze.js';
import { DEFAULT_DB_PATH, openStore } from '../../store/index.js';
import { STORE_ENV, storeLabel, storeLocation } from '../store-option.js';
import { DEFAULT_INTERNAL_NETS } from '../../detect/networks.js';
import { Progress } from '../progress.js';
import { renderFindings } from '../render.js';
import { allowFilePath, applyAllowList, correlate, loadAllowList, VERDICTS, verdictRank, type Verdict } from '../../correlate/index.js';
import { renderIncidentsText, renderReport } from '../../report/index.js';
import { loadCommandIntel } from '../../intel/cli-load.js';
import { parsePositive } from './decode.js';
import type { Severity } from '../../detect/finding.js';
import { detectSettingsOf, loadConfig } from '../../config/index.js';
import { CONFIG_OPTION_HELP } from './config.js';

const SEVERITIES: Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

export function registerAnalyze(program: Command): void {
  program.command('analyze')
    .summary('decode captures, detect bot behaviours, print ranked findings with evidence')
    .description(`Decode captures and run every detector: periodic heartbeats (beacons), long connections,
propagation scanning and cryptomining. Each finding says why, with the numbers behind its score,
and what the history shows about its endpoint (the domains behind an IP, who else talked to it).`)
    .argument('<paths...>', "captures (pcap/pcapng, gzip or not), Zeek or Suricata logs, folders of them; '-' (stdin, with --no-db)")
    .option('--store <location>', `store that records are ingested into; the analysis covers all it holds: a DuckDB file or clickhouse://user:pass@host:8123/db[?cluster=NAME] (default $${STORE_ENV}, else the config file's "store", else ./${DEFAULT_DB_PATH})`)
    .option('--db <location>', 'same as --store')
    .option('--no-db', 'analyse captures in memory only, keep nothing')
    .option('--json', 'print the findings as JSON')
    .option('--internal <cidrs>', `internal networks, comma-separated (default: the config's internalNets, else ${DEFAULT_INTERNAL_NETS.join(',')})`)
    .option('--min-severity <level>', `lowest severity shown: ${SEVERITIES.join(', ')}`, 'low')
    .option('--limit <n>', 'most incidents printed (table only)', parsePositive, 20)
    .option('--min-verdict <verdict>', `lowest incident verdict shown: ${VERDICTS.join(', ')}`, 'suspicious')
    .option('--findings', 'also list every finding with its reasons below the incidents')
    .option('--allow-file <path>', 'allow-list (default $C2HUNT_ALLOWLIST or ./c2hunt-allow.json, when it exists)')
    .option('--no-allow', 'ignore the allow-list')
    .option('--intel <file>', 'also match this threat-intelligence feed file (any supported format; repeatable)', (v: string, p: string[]) => [...p, v], [] as string[])
    .option('--intel-dir <dir>', 'feed directory (default $C2HUNT_INTEL_DIR or ~/.c2hunt/intel; see c2hunt intel)')
    .option('--no-intel', 'do not use the feed directory')
    .option('--config <file>', CONFIG_OPTION_HELP)
    .addHelpText('after', `
Examples:
  c2hunt analyze capture.pcap                     ingest into ./c2hunt.duckdb, analyse, print findings
  c2hunt analyze /opt/zeek/logs --db site.duckdb  Zeek logs instead of packets
  c2hunt analyze capture.pcap --store clickhouse://c2hunt:secret@ch1:8123/c2hunt
  c2hunt analyze monday.pcapng tuesday.pcapng --internal 10.0.0.0/8,192.168.0.0/16
  c2hunt analyze capture.pcap --no-db             nothing written to disk
  c2hunt analyze capture.pcap --intel feodo.csv --intel misp-event.json
  c2hunt analyze capture.pcap --json | jq '.findings[] | select(.detector == "beacon")'`)
    .action(async (captures: string[], o: {
      json?: boolean; internal?: string; minSeverity: string; minVerdict: string; limit: number; db?: string | false; store?: string; findings?: boolean;
      allowFile?: string; allow: boolean; intel: string[] | false; intelDir?: string; config?: string;
    }) => {
      const min = SEVERITIES.indexOf(o.minSeverity as Severity);
      if (min < 0) throw new Error(`Cannot analyze: unknown severity '${o.minSeverity}' (use ${SEVERITIES.join(', ')})`);
      if (!(VERDICTS as readonly string[]).includes(o.minVerdict)) throw new Error(`Cannot analyze: unknown verdict '${o.minVerdict}' (use ${VERDICTS.join(', ')})`);
      const allowList = o.allow ? loadAllowList(allowFilePath(o.allowFile)) : { version: 1 as const, entries: [] };
      // --no-intel makes commander set `intel` to false: then neither the directory nor files.
      const intel = loadCommandIntel({ dir: o.intelDir, files: o.intel === false ? [] : o.intel, useDir: o.intel !== false });
      for (const p of intel.problems) process.stderr.write(`c2hunt: intelligence: ${p}\n`);
      const config = loadConfig(o.config);
      const internalNets = o.internal !== undefined ? o.internal.split(',').map((s) => s.trim()).filter(Boolean) : config.settings.internalNets;
      const detect = { ...detectSettingsOf(config.settings), ...(intel.indicators > 0 ? { intel: intel.index } : {}) };
      const progress = new Progress('analyze', !o.json && process.stderr.isTTY === true);
      let r: AnalyzeResult;
      const location = o.db === false ? undefined : storeLocation(o);
      if (location === undefined) {
        r = await analyzeCaptures(captures, {
          internalNets, detect,
          onFile: (s) => progress.setLabel(`decode ${s === '-' ? 'stdin' : basename(s)}`),
          onProgress: (d, t) => progress.update(d, t),
        });
      } else {
        if (captures.includes('-')) throw new Error("Cannot analyze standard input into a store: use --no-db, or save the stream to a file first");
        const store = await openStore(location);
        try {
          r = await analyzePaths(store, captures, {
            internalNets, detect,
            onProgress: (p) => { progress.setLabel(`${p.phase === 'hash' ? 'hash' : 'ingest'} ${basename(p.file)}`); progress.update(p.bytesDone, p.bytesTotal); },
          });
        } finally {
          progress.done();
          await store.close();
        }
      }
      progress.done();
      // The analyst's chain: allow-list, then findings chained into incidents with verdicts.
      const t0 = performance.now();
      const allowed = applyAllowList(r.findings, allowList);
      const incidents = correlate(allowed.findings, r.dataset);
      const timings = { ...r.timings, correlate: (performance.now() - t0) / 1000 };
      const shown = allowed.findings.filter((f) => SEVERITIES.indexOf(f.severity) >= min);
      if (o.json) {
        const doc = JSON.parse(renderReport({ ...r, findings: shown, timings }, incidents, 'json', {
          suppressed: allowed.suppressed, expired: allowed.expired, minVerdict: o.minVerdict as Verdict,
        })) as Record<string, unknown>;
        process.stdout.write(JSON.stringify({ ...doc, ingest: r.ingest }, null, 2) + '\n');
      } else {
        if (r.ingest !== undefined) {
          const i = r.ingest;
          process.stdout.write(`store ${storeLabel(location ?? '')}: ${i.ingested} file(s) ingested, ${i.already_ingested} already there, ${i.failed} failed; analysing all it holds\n`);
          for (const f of i.files.filter((x) => x.status === 'failed' || x.status === 'ignored')) process.stdout.write(`  ${f.status} ${f.path}: ${f.reason ?? ''}\n`);
        } else {
          const pk = r.captures.reduce((n, s) => Math.max(n, s.packets), 0);
          process.stdout.write(`${captures.join(', ')}: ${pk.toLocaleString('en-US')} packets\n`);
        }
        process.stdout.write(intel.indicators > 0 ? `threat intelligence: ${intel.sources.join(', ')}\n` : 'threat intelligence: none (add feeds with `c2hunt intel add`, or pass --intel FILE)\n');
        const minV = verdictRank(o.minVerdict as Verdict);
        const inc = incidents.filter((i) => verdictRank(i.verdict) >= minV);
        const count = (v: Verdict) => incidents.filter((i) => i.verdict === v).length;
        process.stdout.write(`${r.dataset.connCount.toLocaleString('en-US')} connections, ${r.dataset.internalHosts().size} internal hosts; `
          + `${allowed.findings.length} finding(s) -> ${incidents.length} incident(s): ${count('confirmed')} confirmed, ${count('likely')} likely, `
          + `${count('suspicious')} suspicious, ${count('informational')} informational`
          + `${allowed.suppressed.length ? `; ${allowed.suppressed.length} finding(s) suppressed by the allow-list` : ''}\n\n`);
        if (inc.length > 0) process.stdout.write(renderIncidentsText(inc, allowed.findings, { color: process.stdout.isTTY === true, limit: o.limit }) + '\n');
        else process.stdout.write(`no incident at or above ${o.minVerdict}\n`);
        if (o.findings && shown.length > 0) process.stdout.write('\nFindings\n' + renderFindings(shown, { color: process.stdout.isTTY === true }) + '\n');
        process.stdout.write(`\ntime: ${Object.entries(timings).map(([k, v]) => `${k} ${v.toFixed(2)} s`).join(', ')}\n`);
      }
      for (const d of r.captures.filter((s) => s.error)) {
        process.stderr.write(`c2hunt: ${d.source}: ${d.error!.message}; records before it were analysed\n`);
        process.exitCode = 2;
      }
      if (r.ingest !== undefined && r.ingest.failed > 0) process.exitCode = 2;
    });
}
