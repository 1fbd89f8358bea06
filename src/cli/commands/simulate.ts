/** `c2hunt simulate`: write a realistic, valid, labelled capture of a scenario. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { listScenarios, simulate, SIM_DEFAULTS } from '../../sim/index.js';
import { Progress } from '../progress.js';

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Parses a duration: `90s`, `30m`, `24h`, `2d`, `1.5h`, or plain seconds (`3600`). */
export function parseDuration(v: string): number {
  const m = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(v.trim());
  if (!m) throw new InvalidArgumentError('expected a duration like 90s, 30m, 24h or 2d');
  const sec = Number(m[1]) * UNITS[m[2] || 's'];
  if (!(sec > 0)) throw new InvalidArgumentError('duration must be positive');
  return sec;
}

function parseCount(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function parseSeed(v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('must be a non-negative integer');
  return n;
}

/** Parses the start time: epoch seconds or an ISO 8601 date/time. */
function parseStart(v: string): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const ms = Date.parse(v);
  if (!Number.isFinite(ms)) throw new InvalidArgumentError('expected epoch seconds or an ISO date like 2026-11-02T08:00:00Z');
  return ms / 1000;
}

/** Adds `c2hunt simulate` to the program. */
export function registerSimulate(program: Command): void {
  const scenarios = listScenarios();
  const width = Math.max(...scenarios.map((s) => s.name.length));
  program.command('simulate')
    .summary('write a realistic, labelled capture of an office network with botnet behaviours')
    .description(['Simulate an enterprise network (workstations, DNS resolver, domain controller, file server) with benign',
      'traffic on an office rhythm plus the scenario\'s malicious behaviours, and write a pcap (Ethernet, microsecond',
      'timestamps, valid checksums, consistent TCP) and a labels file (<out>.labels.json) listing every injected',
      'behaviour and every benign periodic service. The same seed gives the same bytes.'].join(' '))
    .requiredOption('--scenario <name>', `scenario to simulate: ${scenarios.map((s) => s.name).join(', ')}`)
    .requiredOption('-o, --out <file>', 'capture to write (labels go next to it)')
    .option('--hosts <n>', 'internal hosts', parseCount, SIM_DEFAULTS.hosts)
    .addOption(new Option('--duration <d>', 'capture length: 90s, 30m, 24h, 2d').argParser(parseDuration).default(SIM_DEFAULTS.durationSec, '24h'))
    .option('--seed <s>', 'random seed', parseSeed, SIM_DEFAULTS.seed)
    .option('--start <t>', 'capture start: epoch seconds or ISO time (default 2026-11-02T00:00:00Z, a Monday)', parseStart)
    .option('--json', 'print the summary as JSON on stdout')
    .addHelpText('after', `
Scenarios:
${scenarios.map((s) => `  ${s.name.padEnd(width)}  ${s.description}`).join('\n')}

Examples:
  c2hunt simulate --scenario ramnit --out ramnit.pcap --hosts 50 --duration 6h
  c2hunt simulate --scenario mixed --out day.pcap              200 hosts, 24 h
  c2hunt simulate --scenario benign --out quiet.pcap --seed 7 --start 2026-11-02T08:00:00Z --duration 2h`)
    .action(async (o: { scenario: string; out: string; hosts: number; duration: number; seed: number; start?: number; json?: boolean }) => {
      const progress = new Progress(`simulate ${o.scenario}`, !o.json && process.stderr.isTTY === true);
      const t0 = performance.now();
      let s;
      try {
        // Progress in bytes written, the total estimated from the share of simulated time done.
        s = await simulate({ scenario: o.scenario, hosts: o.hosts, durationSec: o.duration, seed: o.seed, start: o.start }, o.out,
          (f, bytes) => progress.update(bytes, f > 0.02 ? Math.max(bytes, bytes / f) : undefined));
      } finally {
        progress.done();
      }
      const secs = (performance.now() - t0) / 1000;
      const mb = s.bytes / 1e6;
      if (o.json) {
        process.stdout.write(JSON.stringify({ ...s, seconds: Number(secs.toFixed(3)), mb_per_s: Number((mb / secs).toFixed(1)) }, null, 2) + '\n');
        return;
      }
      process.stdout.write(`${s.pcapPath}: ${s.packets.toLocaleString('en-US')} packets, ${mb.toFixed(1)} MB, ${s.flows.toLocaleString('en-US')} flows, ` +
        `${s.behaviours} malicious behaviours and ${s.labels - s.behaviours} benign entries labelled in ${s.labelsPath}; ` +
        `${secs.toFixed(1)} s, ${(mb / secs).toFixed(1)} MB/s\n`);
    });
}
