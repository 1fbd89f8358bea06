/**
 * `c2hunt demo` (and `npm run demo`): the README's main job on a built-in example. Simulates the
 * article's two cases (Ramnit, Smominru) inside benign background traffic, analyses each capture
 * with the whole pipeline that exists, prints what was found, and checks it against the
 * simulator's labels (what was really injected).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { analyzeCaptures, type AnalyzeResult } from '../../analyze.js';
import { simulate } from '../../sim/index.js';
import { correlate, verdictRank } from '../../correlate/index.js';
import { renderIncidentsText } from '../../report/index.js';
import { Progress, human } from '../progress.js';
import { parsePositive } from './decode.js';
import { loadCommandIntel } from '../../intel/cli-load.js';
import { matchLabel, type BehaviourLabel } from '../../eval/match.js';

/** Start of the simulated traffic: Monday 2026-11-02 08:00 UTC. */
const DEMO_START = Date.UTC(2026, 10, 2, 8) / 1000;

/** The article's two cases and what a reader should see. */
const CASES = [
  { scenario: 'ramnit', intel: 'ramnit.misp.json', title: 'Case 1, Ramnit: an infected host reports to fget-career.com:443 every 10 minutes' },
  { scenario: 'smominru', intel: 'smominru.misp.json', title: 'Case 2, Smominru: a miner on 107.191.99.55:5555 and a C&C channel to 118.184.176.15 / 78.142.29.152' },
] as const;

/** The article's intelligence, shipped as MISP events (examples/intel/README.md). */
const INTEL_DIR = fileURLToPath(new URL('../../../examples/intel/', import.meta.url));

export function registerDemo(program: Command): void {
  program.command('demo')
    .summary("simulate the article's two botnet cases and show what c2hunt finds")
    .description(`Generates two labelled captures with the simulator — the article's Ramnit and Smominru
cases inside benign traffic of an office network — analyses each, prints the findings with their
evidence, and checks them against what the simulator injected.`)
    .option('--hosts <n>', 'internal hosts in the simulated network', parsePositive, 40)
    .option('--hours <n>', 'hours of traffic per case', parsePositive, 4)
    .option('--seed <n>', 'simulator seed (same seed, same bytes)', parsePositive, 1)
    .option('--keep <dir>', 'keep the generated captures and labels in this directory')
    .option('--limit <n>', 'incidents told per case', parsePositive, 3)
    .option('--no-intel', "run without the article's threat intelligence (behaviour alone)")
    .action(async (o: { hosts: number; hours: number; seed: number; keep?: string; limit: number; intel: boolean }) => {
      const dir = o.keep ?? mkdtempSync(join(tmpdir(), 'c2hunt-demo-'));
      mkdirSync(dir, { recursive: true });
      const color = process.stdout.isTTY === true;
      let allFound = true;
      try {
        for (const cs of CASES) {
          const pcap = join(dir, `${cs.scenario}.pcap`);
          const progress = new Progress(`simulate ${cs.scenario}`);
          // Office hours (from 08:00 UTC on a Monday): busy benign traffic around the bots.
          const sim = await simulate({ scenario: cs.scenario, hosts: o.hosts, durationSec: o.hours * 3600, seed: o.seed, start: DEMO_START }, pcap,
            (frac) => progress.update(frac * 100, 100, '%'));
          progress.done();
          const labels = JSON.parse(readFileSync(pcap.replace(/\.pcap$/, '.labels.json'), 'utf8')) as { behaviours: BehaviourLabel[]; internal_nets?: string[] };
          // As in the article, threat intelligence raises the first alert; the behaviour confirms it.
          const intel = o.intel ? loadCommandIntel({ files: [join(INTEL_DIR, cs.intel)], useDir: false }) : undefined;
          const r = await analyzeCaptures([pcap], { internalNets: labels.internal_nets, detect: intel ? { intel: intel.index } : {} });
          // The analyst's chain: findings -> incidents with verdicts; the demo tells those that are
          // at least suspicious (`c2hunt analyze` on the kept capture shows everything).
          const incidents = correlate(r.findings, r.dataset);
          const shown = incidents.filter((i) => verdictRank(i.verdict) >= verdictRank('suspicious'));
          process.stdout.write(`\n== ${cs.title}\n`);
          if (intel) process.stdout.write(`   threat intelligence: ${intel.sources.join(', ')} (examples/intel)\n`);
          process.stdout.write(`   simulated ${o.hosts} hosts for ${o.hours} h: ${sim.packets.toLocaleString('en-US')} packets, ${human(sim.bytes)}, ${r.dataset.connCount.toLocaleString('en-US')} connections; `
            + `${r.findings.length} findings -> ${incidents.length} incidents (${incidents.length - shown.length} informational not shown); analysed in ${Object.values(r.timings).reduce((a, b) => a + b, 0).toFixed(1)} s\n\n`);
          // One line per incident, then the full story of those judged likely or confirmed.
          process.stdout.write(renderIncidentsText(shown, r.findings, { color, limit: 8, brief: true }) + '\n\n');
          const told = shown.filter((i) => verdictRank(i.verdict) >= verdictRank('likely')).slice(0, o.limit);
          if (told.length > 0) process.stdout.write(renderIncidentsText(told, r.findings, { color }).split('\n').filter((l, k, a) => k >= a.findIndex((x) => /^1\. /.test(x))).join('\n') + '\n');
          process.stdout.write('\n   check against the simulator\'s labels:\n');
          for (const b of labels.behaviours) {
            const m = matchLabel(b, r.findings);
            if (m.length === 0) allFound = false;
            const what = `${b.kind} ${b.host} -> ${b.domain ?? ''}${b.domain ? ' ' : ''}${[...(b.dst_ips ?? []), ...(b.dst_ip ? [b.dst_ip] : [])].join(', ')}${b.port ? ':' + b.port : ''}`;
            process.stdout.write(`   ${m.length > 0 ? 'found ' : 'MISSED'}  ${what}${m.length > 0 ? `  (finding ${m.map((f) => f.id).slice(0, 3).join(', ')})` : ''}\n`);
          }
        }
        process.stdout.write(`\n${allFound ? 'Every injected behaviour was found.' : 'Some injected behaviours were missed (see MISSED above).'}${o.keep ? ` Captures and labels kept in ${dir}.` : ''}\n`);
      } finally {
        if (!o.keep) rmSync(dir, { recursive: true, force: true });
      }
    });
}
