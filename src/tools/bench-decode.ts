/**
 * `npm run bench:decode [-- CAPTURE] [--size-mb N] [--tshark] [--runs N]`
 *
 * Times `c2hunt decode` and, on the same file, the peers that do the same job when they are
 * installed: ndpiReader (libndpi-bin), argus (argus-server), tshark (only with --tshark: it is
 * 10 to 100 times slower). Prints seconds, MB/s, packets/s, peak RSS and the ratio c2hunt/peer.
 * Without a capture it generates one with the simulator (`mixed`, sized to about --size-mb,
 * default 1000) and keeps it in $TMPDIR for the next run. Page cache is warmed first; each tool
 * runs --runs times (default 3) and the best time is reported.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { simulate } from '../sim/index.js';

interface Run { tool: string; seconds: number; rssMB: number; ok: boolean; note: string }

function has(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

/** Run a command under GNU time; returns wall seconds and peak RSS. */
function timed(cmd: string[], tool: string): Run {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', ...cmd], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const lines = (r.stderr ?? '').trim().split('\n');
  const m = /^([\d.]+) (\d+)$/.exec(lines[lines.length - 1] ?? '');
  if (m === null) return { tool, seconds: NaN, rssMB: NaN, ok: false, note: (r.stderr ?? '').slice(0, 200) };
  return { tool, seconds: Number(m[1]), rssMB: Number(m[2]) / 1024, ok: r.status === 0 || r.status === 2, note: '' };
}

function best(runs: Run[]): Run {
  return runs.filter((r) => r.ok).sort((a, b) => a.seconds - b.seconds)[0] ?? runs[0]!;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (n: string) => args.includes(n);
  const opt = (n: string, d: number) => (args.indexOf(n) >= 0 ? Number(args[args.indexOf(n) + 1]) : d);
  const runs = opt('--runs', 3);
  const sizeMb = opt('--size-mb', 1000);
  let capture = args.find((a, i) => !a.startsWith('--') && !['--runs', '--size-mb'].includes(args[i - 1] ?? ''));
  if (capture === undefined) {
    capture = join(tmpdir(), `c2hunt-bench-mixed-${sizeMb}mb.pcap`);
    if (!existsSync(capture)) {
      // The simulator's mixed scenario produces about 1.1 MB per host-hour on average.
      const hosts = Math.max(50, Math.round(sizeMb / 24 / 1.1));
      process.stderr.write(`generating ${capture} (mixed, ${hosts} hosts, 24 h) ...\n`);
      await simulate({ scenario: 'mixed', hosts, durationSec: 86400, seed: 7 }, capture);
    }
  }
  capture = resolve(capture);
  const size = statSync(capture).size;
  spawnSync('cat', [capture], { stdio: ['ignore', 'ignore', 'ignore'] }); // warm the page cache
  const cli = resolve(process.cwd(), 'dist/cli/main.js');
  const out = mkdtempSync(join(tmpdir(), 'c2hunt-bench-'));
  const results: Run[] = [];
  const packetsLine = spawnSync('capinfos', ['-c', '-M', capture], { encoding: 'utf8' }).stdout ?? '';
  const packets = Number(/Number of packets:\s+(\d+)/.exec(packetsLine)?.[1] ?? NaN);

  const repeat = (tool: string, cmd: string[]) => {
    const rs: Run[] = [];
    for (let i = 0; i < runs; i++) rs.push(timed(cmd, tool));
    results.push(best(rs));
  };
  repeat('c2hunt decode (json logs)', ['node', cli, 'decode', capture, '--out', out, '--json']);
  repeat('c2hunt decode --no-app', ['node', cli, 'decode', capture, '--out', out, '--json', '--no-app']);
  if (has('ndpiReader')) repeat('ndpiReader', ['ndpiReader', '-i', capture, '-q']);
  else results.push({ tool: 'ndpiReader', seconds: NaN, rssMB: NaN, ok: false, note: 'not installed (apt-get install libndpi-bin)' });
  if (has('argus')) repeat('argus', ['argus', '-r', capture, '-w', join(out, 'argus.out')]);
  else results.push({ tool: 'argus', seconds: NaN, rssMB: NaN, ok: false, note: 'not installed (apt-get install argus-server)' });
  if (flag('--tshark') && has('tshark')) results.push(timed(['tshark', '-n', '-r', capture, '-T', 'fields', '-e', 'frame.number', '-e', 'dns.qry.name', '-e', 'tls.handshake.extensions_server_name', '-e', 'http.host'], 'tshark (fields)'));
  rmSync(out, { recursive: true, force: true });

  const ours = results[0]!;
  const mb = size / 1e6;
  process.stdout.write(`capture ${capture}: ${mb.toFixed(0)} MB, ${Number.isFinite(packets) ? packets.toLocaleString('en-US') : '?'} packets\n\n`);
  process.stdout.write(`${'tool'.padEnd(28)} ${'seconds'.padStart(8)} ${'MB/s'.padStart(8)} ${'Mpkt/s'.padStart(7)} ${'peak RSS MB'.padStart(11)}  c2hunt/peer speed\n`);
  for (const r of results) {
    const ratio = r === ours || !r.ok ? '' : `${(r.seconds / ours.seconds).toFixed(2)}x`;
    process.stdout.write(`${r.tool.padEnd(28)} ${r.ok ? r.seconds.toFixed(2).padStart(8) : '-'.padStart(8)} ${r.ok ? (mb / r.seconds).toFixed(0).padStart(8) : '-'.padStart(8)} ${r.ok ? (packets / r.seconds / 1e6).toFixed(2).padStart(7) : '-'.padStart(7)} ${r.ok ? r.rssMB.toFixed(0).padStart(11) : '-'.padStart(11)}  ${ratio}${r.note ? ' ' + r.note : ''}\n`);
  }
  process.stdout.write('\nratio > 1 means c2hunt (with its application layer and JSON logs) is faster than that peer.\n');
}

await main();
