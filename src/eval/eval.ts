/**
 * `npm run eval [-- --quick] [--json] [--seeds N]`: the scoreboard the detectors are judged by.
 *
 * Simulates scenarios, analyses each capture with c2hunt, and scores the findings against the
 * simulator's labels (src/sim/LABELS.md, matching rules in src/eval/match.ts):
 *  - recall per behaviour kind (and for beacons per jitter band: <=30% and >30%);
 *  - precision over findings of medium severity and above (a finding is true when it explains
 *    a malicious label);
 *  - false-positive findings of high or critical severity per 1,000 hosts per day, and how many
 *    of them sit on the benign periodic services (the hard false positives).
 * Part of the run uses seeds drawn at random for this run (printed, so a result can be
 * reproduced with --seed-list): no test is tuned to them.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomInt } from 'node:crypto';
import { analyzeCaptures } from '../analyze.js';
import { simulate, type LabelsFile } from '../sim/index.js';
import { findingMatches } from './match.js';
import type { Finding } from '../detect/finding.js';

interface Run { scenario: string; hosts: number; hours: number; seed: number; tuned: boolean }

interface KindScore { labels: number; found: number }

export interface EvalReport {
  runs: { scenario: string; hosts: number; hours: number; seed: number; tuned: boolean; packets: number; seconds: number; findings: number; fpHigh: number; missed: string[] }[];
  recall: Record<string, KindScore & { recall: number }>;
  precision: { medium_plus: number; true: number; precision: number };
  fp_high_per_1000_hosts_day: Record<string, number>;
  benign_periodic_fp_high: number;
}

/** Fewest events (beats, probes, queries; for mining and shells: sessions, at least one) a labelled behaviour needs in the capture to be judged. */
export const MIN_EVENTS = 4;

const SEV_RANK: Record<string, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

function plan(quick: boolean, randomSeeds: number[]): Run[] {
  const hours = quick ? 6 : 24;
  const runs: Run[] = [
    { scenario: 'ramnit', hosts: 50, hours: 6, seed: 1, tuned: true },
    { scenario: 'smominru', hosts: 50, hours: 6, seed: 1, tuned: true },
    { scenario: 'benign', hosts: quick ? 100 : 200, hours, seed: 1, tuned: true },
    { scenario: 'mixed', hosts: quick ? 100 : 200, hours, seed: 1, tuned: true },
  ];
  for (const seed of randomSeeds) {
    runs.push({ scenario: 'mixed', hosts: quick ? 100 : 200, hours, seed, tuned: false });
    runs.push({ scenario: 'benign', hosts: quick ? 100 : 200, hours, seed, tuned: false });
  }
  return runs;
}

export async function evaluate(opts: { quick?: boolean; seeds?: number[]; log?: (s: string) => void } = {}): Promise<EvalReport> {
  const seeds = opts.seeds ?? [randomInt(2, 2 ** 31 - 1)];
  const runs = plan(opts.quick ?? false, seeds);
  const dir = mkdtempSync(join(tmpdir(), 'c2hunt-eval-'));
  const recall: Record<string, KindScore> = {};
  const fpHigh: Record<string, { fp: number; hostDays: number }> = {};
  let mediumPlus = 0, truePos = 0, benignPeriodicFp = 0;
  const report: EvalReport = { runs: [], recall: {}, precision: { medium_plus: 0, true: 0, precision: 1 }, fp_high_per_1000_hosts_day: {}, benign_periodic_fp_high: 0 };
  try {
    for (const run of runs) {
      const t0 = performance.now();
      const pcap = join(dir, `${run.scenario}-${run.seed}.pcap`);
      const sim = await simulate({ scenario: run.scenario, hosts: run.hosts, durationSec: run.hours * 3600, seed: run.seed }, pcap);
      const labels = JSON.parse(readFileSync(sim.labelsPath, 'utf8')) as LabelsFile;
      const r = await analyzeCaptures([pcap], { internalNets: labels.internal_nets });
      rmSync(pcap, { force: true });
      const missed: string[] = [];
      for (const b of labels.behaviours) {
        // A behaviour with fewer than MIN_EVENTS events in the capture (a work-hours beacon in a
        // night-time window) cannot be judged; it is listed, not counted.
        if (b.events < (b.kind === 'mining' || b.kind === 'reverse_shell' ? 1 : MIN_EVENTS)) { (recall['(too few events to judge)'] ??= { labels: 0, found: 0 }).labels++; continue; }
        const jitter = Number((b.params as Record<string, unknown>)['jitter'] ?? 0);
        const kinds = [b.kind, ...(b.kind === 'beacon' ? [jitter > 0.3 ? 'beacon (jitter > 30%)' : 'beacon (jitter <= 30%)'] : [])];
        const found = r.findings.some((f) => findingMatches(b, f));
        for (const k of kinds) {
          const s = (recall[k] ??= { labels: 0, found: 0 });
          s.labels++;
          if (found) s.found++;
        }
        if (!found) missed.push(`${b.id} (${b.kind} ${b.host})`);
      }
      let fp = 0;
      for (const f of r.findings) {
        const isTrue = labels.behaviours.some((b) => findingMatches(b, f));
        if (SEV_RANK[f.severity]! >= 2) {
          mediumPlus++;
          if (isTrue) truePos++;
        }
        if (!isTrue && SEV_RANK[f.severity]! >= 3) {
          fp++;
          if (labels.benign_periodic.some((b) => findingMatches(b as unknown as Parameters<typeof findingMatches>[0], f as Finding))) benignPeriodicFp++;
        }
      }
      const key = run.scenario;
      const e = (fpHigh[key] ??= { fp: 0, hostDays: 0 });
      e.fp += fp;
      e.hostDays += (run.hosts * run.hours) / 24;
      const seconds = (performance.now() - t0) / 1000;
      report.runs.push({ ...run, packets: sim.packets, seconds, findings: r.findings.length, fpHigh: fp, missed });
      opts.log?.(`${run.scenario.padEnd(9)} seed ${String(run.seed).padEnd(11)} ${run.tuned ? 'fixed ' : 'random'} ${run.hosts} hosts ${run.hours} h: ${sim.packets.toLocaleString('en-US')} packets, ${r.findings.length} findings, ${fp} false high/critical, missed ${missed.length ? missed.join(', ') : 'none'} (${seconds.toFixed(1)} s)`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  for (const [k, v] of Object.entries(recall)) report.recall[k] = { ...v, recall: v.labels ? v.found / v.labels : 1 };
  report.precision = { medium_plus: mediumPlus, true: truePos, precision: mediumPlus ? truePos / mediumPlus : 1 };
  for (const [k, v] of Object.entries(fpHigh)) report.fp_high_per_1000_hosts_day[k] = v.hostDays ? (v.fp / v.hostDays) * 1000 : 0;
  report.benign_periodic_fp_high = benignPeriodicFp;
  return report;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const quick = args.includes('--quick');
  const listIdx = args.indexOf('--seed-list');
  const seeds = listIdx >= 0 ? (args[listIdx + 1] ?? '').split(',').map(Number).filter((n) => n > 0) : undefined;
  const log = json ? undefined : (s: string) => process.stdout.write(s + '\n');
  const r = await evaluate({ quick, seeds, log });
  if (json) {
    process.stdout.write(JSON.stringify(r, null, 2) + '\n');
    return;
  }
  process.stdout.write(`\nrandom seeds this run: ${r.runs.filter((x) => !x.tuned).map((x) => x.seed).filter((v, i, a) => a.indexOf(v) === i).join(', ')} (reproduce with --seed-list)\n\n`);
  process.stdout.write(`${'behaviour'.padEnd(24)} ${'labels'.padStart(6)} ${'found'.padStart(6)} ${'recall'.padStart(7)}\n`);
  for (const [k, v] of Object.entries(r.recall).sort()) process.stdout.write(`${k.padEnd(24)} ${String(v.labels).padStart(6)} ${String(v.found).padStart(6)} ${v.recall.toFixed(2).padStart(7)}\n`);
  process.stdout.write(`\nprecision (medium and above): ${r.precision.true}/${r.precision.medium_plus} = ${r.precision.precision.toFixed(2)}\n`);
  process.stdout.write(`false high/critical findings per 1,000 hosts per day: ${Object.entries(r.fp_high_per_1000_hosts_day).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}\n`);
  process.stdout.write(`of them on benign periodic services: ${r.benign_periodic_fp_high}\n`);
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) await main();
