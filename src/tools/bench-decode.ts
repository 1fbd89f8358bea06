/**
 * `npm run bench:decode [-- CAPTURE] [--size-mb N] [--workers N] [--runs N] [--no-peers] [--tshark] [--threads] [--memory [--flows N]]`
 *
 * Times `c2hunt decode` (JSON logs, with the application layer; without it; with --workers N
 * decoding threads, default 2) and, on the same file, the peers that do the same job when they are
 * installed: ndpiReader (libndpi-bin), argus (argus-server), tshark (only with --tshark: it is 10
 * to 100 times slower). Prints seconds, MB/s, packets/s, peak RSS and the speed ratio c2hunt/peer
 * for the one-thread and the N-thread runs, and the exact commands (`--no-peers`: c2hunt only). Without a capture it
 * generates one with the simulator (`mixed`, about --size-mb, default 1000, calibrated on a small
 * run) and keeps it in $TMPDIR for the next run. The page cache is warmed first; each tool runs
 * --runs times (default 3), the tools taking turns (so a change of load on a shared machine hits
 * them alike), and the best time counts. Every run writes into a fresh, empty output directory
 * (as a user's decode would; the previous run's output is deleted before the clock starts:
 * truncating 200 MB of logs written a moment ago costs the file system up to a second). CPU
 * seconds (user + system) are printed beside wall seconds: on a busy machine they move less.
 *
 * --threads (Linux): one more run of each c2hunt decode, sampling /proc, prints the CPU seconds of
 * each thread group: the main thread, the decoding workers (they name themselves c2hunt-decode-N,
 * see sensor/parallel/worker.ts) and the process's other threads (V8's compiler and GC helpers,
 * libuv's file reads). `--help` prints this text.
 *
 * --memory measures bytes per active flow instead: it writes captures that open --flows (default
 * 500,000) TCP connections that all stay open (SYN only, and handshake plus a request line being
 * sent), decodes them and a tiny capture, and divides the peak-RSS difference by the flows; the
 * same for ndpiReader when installed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { simulate } from '../sim/index.js';

interface Run {
  tool: string;
  cmd: string[];
  /** Wall seconds of the whole command (process start to exit). */
  seconds: number;
  /** CPU seconds of the whole command (user + system, all threads). */
  cpu: number;
  rssMB: number;
  ok: boolean;
  note: string;
  /** c2hunt only: the decode's own seconds from its JSON summary (without process start-up). */
  decodeSeconds?: number;
}

function has(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

/** Run a command under GNU time; returns wall and CPU seconds and peak RSS. Exit status 2 (a damaged capture) still counts. */
function timed(cmd: string[], tool: string): Run {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', ...cmd], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const lines = (r.stderr ?? '').trim().split('\n');
  const m = /^([\d.]+) (\d+) ([\d.]+) ([\d.]+)$/.exec(lines[lines.length - 1] ?? '');
  if (m === null) return { tool, cmd, seconds: NaN, cpu: NaN, rssMB: NaN, ok: false, note: (r.stderr ?? '').slice(0, 200) };
  const ok = r.status === 0 || r.status === 2;
  const run: Run = {
    tool, cmd, seconds: Number(m[1]), cpu: Number(m[3]) + Number(m[4]), rssMB: Number(m[2]) / 1024, ok, note: ok ? '' : `exit ${r.status}`,
  };
  try {
    const s = JSON.parse(r.stdout ?? '') as { captures?: { seconds: number }[] };
    if (s.captures !== undefined) run.decodeSeconds = s.captures.reduce((n, c) => n + c.seconds, 0);
  } catch {
    // not c2hunt's JSON summary
  }
  return run;
}

/** A command to time; `fresh` empties its output location before each run (outside the timing). */
interface Job { tool: string; cmd: string[]; fresh?: () => void }

/**
 * Run every job `runs` times, the jobs taking turns; the best run of each (fastest wall time;
 * the lowest CPU seconds of any run are kept beside it).
 */
function bestOf(jobs: readonly Job[], runs: number): Run[] {
  const all: Run[][] = jobs.map(() => []);
  for (let i = 0; i < runs; i++) {
    jobs.forEach((j, k) => {
      j.fresh?.();
      all[k]!.push(timed(j.cmd, j.tool));
    });
  }
  return all.map((rs) => {
    const ok = rs.filter((r) => r.ok);
    const b = ok.sort((a, c) => a.seconds - c.seconds)[0] ?? rs[0]!;
    return { ...b, cpu: Math.min(...ok.map((r) => r.cpu)) };
  });
}

const missing = (tool: string, pkg: string): Run => ({ tool, cmd: [], seconds: NaN, cpu: NaN, rssMB: NaN, ok: false, note: `not installed (apt-get install ${pkg})` });

/**
 * Generate the mixed scenario at about sizeMb. The size is not proportional to the hosts (shared
 * servers, a fixed share of background), so two small runs calibrate bytes = a + b * hosts.
 */
async function generate(path: string, sizeMb: number): Promise<void> {
  const probe = join(tmpdir(), `c2hunt-bench-calibrate-${process.pid}.pcap`);
  const sizeOf = async (hosts: number): Promise<number> => {
    const r = await simulate({ scenario: 'mixed', hosts, durationSec: 86400, seed: 7 }, probe);
    rmSync(probe, { force: true });
    rmSync(probe.replace(/\.pcap$/, '.labels.json'), { force: true });
    return r.bytes;
  };
  const H1 = 10, H2 = 40;
  const s1 = await sizeOf(H1), s2 = await sizeOf(H2);
  const perHost = Math.max(1, (s2 - s1) / (H2 - H1));
  const hosts = Math.max(H1, Math.round(H1 + (sizeMb * 1e6 - s1) / perHost));
  process.stderr.write(`generating ${path} (mixed, ${hosts} hosts, 24 h, about ${sizeMb} MB) ...\n`);
  await simulate({ scenario: 'mixed', hosts, durationSec: 86400, seed: 7 }, path);
}

function fmt(n: number, digits: number, width: number): string {
  return (Number.isFinite(n) ? n.toFixed(digits) : '-').padStart(width);
}

/** CPU seconds of one run's threads, by group (see --threads). */
interface ThreadCpu { wall: number; main: number; workers: number[]; others: number; otherCount: number }

/** How often --threads samples /proc, ms (a thread's last sample counts: it may end up to this much short). */
const THREAD_SAMPLE_MS = 25;
/** Clock ticks per second of /proc/<pid>/task/<tid>/stat (USER_HZ, 100 on Linux). */
const CLOCK_TICKS = 100;

/** Run `cmd` once, sampling each thread's CPU seconds from /proc until it exits (Linux only). */
async function threadCpu(cmd: string[]): Promise<ThreadCpu> {
  const t0 = process.hrtime.bigint();
  const child = spawn(cmd[0]!, cmd.slice(1), { stdio: 'ignore' });
  const pid = child.pid!;
  const last = new Map<number, { name: string; cpu: number }>();
  const sample = (): void => {
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      return; // exited (or not yet started)
    }
    for (const tid of tids) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'latin1').trim();
        last.set(Number(tid), { name, cpu: (Number(f[11]) + Number(f[12])) / CLOCK_TICKS }); // utime, stime
      } catch {
        // the thread ended between the listing and the read
      }
    }
  };
  const timer = setInterval(sample, THREAD_SAMPLE_MS);
  await new Promise<void>((r) => child.once('exit', () => r()));
  clearInterval(timer);
  const out: ThreadCpu = { wall: Number(process.hrtime.bigint() - t0) / 1e9, main: 0, workers: [], others: 0, otherCount: 0 };
  for (const [tid, t] of [...last].sort((a, b) => a[0] - b[0])) {
    if (tid === pid) out.main = t.cpu;
    else if (t.name.startsWith('c2hunt-decode')) out.workers.push(t.cpu);
    else {
      out.others += t.cpu;
      out.otherCount++;
    }
  }
  return out;
}

const USAGE = `usage: node dist/tools/bench-decode.js [CAPTURE] [--size-mb N] [--workers N] [--runs N] [--no-peers] [--tshark] [--threads]
       node dist/tools/bench-decode.js --memory [--flows N]
Times c2hunt decode (one thread, --workers N, --no-app) against ndpiReader and argus on CAPTURE (default: a
simulated mixed capture of --size-mb MB, 1000, kept in $TMPDIR); best of --runs (3) runs taking turns.
--threads adds each c2hunt run's CPU seconds per thread group (main, decoding workers, V8/libuv helpers).
--memory measures bytes per active flow instead (--flows concurrent TCP connections, 500000).
`;
const SWITCHES = new Set(['--no-peers', '--tshark', '--threads', '--memory', '--help', '-h']);
const VALUED = new Set(['--runs', '--size-mb', '--workers', '--flows']);

/** Reject unknown flags and flags without their value (a typo must not start a long benchmark). */
function checkArgs(args: readonly string[]): void {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (VALUED.has(a)) {
      const v = args[++i];
      if (v === undefined || !(Number(v) > 0)) throw new Error(`${a} needs a positive number, got '${v ?? ''}'\n${USAGE}`);
    } else if (a.startsWith('-') && a !== '-' && !SWITCHES.has(a)) {
      throw new Error(`unknown flag ${a}\n${USAGE}`);
    }
  }
}

async function speed(args: string[]): Promise<void> {
  const opt = (n: string, d: number) => (args.indexOf(n) >= 0 ? Number(args[args.indexOf(n) + 1]) : d);
  const runs = opt('--runs', 3);
  const sizeMb = opt('--size-mb', 1000);
  const workers = opt('--workers', 2);
  let capture = args.find((a, i) => !a.startsWith('--') && !VALUED.has(args[i - 1] ?? ''));
  if (capture === undefined) {
    capture = join(tmpdir(), `c2hunt-bench-mixed-${sizeMb}mb.pcap`);
    if (!existsSync(capture)) await generate(capture, sizeMb);
  }
  capture = resolve(capture);
  const size = statSync(capture).size;
  spawnSync('cat', [capture], { stdio: ['ignore', 'ignore', 'ignore'] }); // warm the page cache
  const cli = resolve(process.cwd(), 'dist/cli/main.js');
  const out = mkdtempSync(join(tmpdir(), 'c2hunt-bench-'));
  // Packets and flows, from c2hunt's own summary.
  const summary = spawnSync('node', [cli, 'decode', capture, '--out', out, '--json', '--no-app'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const cap = (JSON.parse(summary.stdout || '{}') as { captures?: { packets: number; flows: number }[] }).captures?.[0];
  const packets = cap?.packets ?? NaN;

  // Each job writes into its own fresh directory (emptied before every run, outside the timing).
  const dirOf = (name: string): string => join(out, name);
  const fresh = (name: string) => (): void => { rmSync(dirOf(name), { recursive: true, force: true }); mkdirSync(dirOf(name)); };
  const decode = (name: string, extra: string[]): Job => ({
    tool: name, cmd: ['node', cli, 'decode', capture!, '--out', dirOf(name.replace(/\W+/g, '-')), '--json', ...extra], fresh: fresh(name.replace(/\W+/g, '-')),
  });
  const jobs: Job[] = [
    decode('c2hunt decode (1 thread)', []),
    decode(`c2hunt decode --workers ${workers}`, ['--workers', String(workers)]),
    decode('c2hunt decode --no-app', ['--no-app']),
  ];
  const peerJobs: (Job | Run)[] = args.includes('--no-peers') ? [] : [
    has('ndpiReader') ? { tool: 'ndpiReader', cmd: ['ndpiReader', '-i', capture, '-q'] } : missing('ndpiReader', 'libndpi-bin'),
    has('argus') ? { tool: 'argus', cmd: ['argus', '-r', capture, '-w', join(dirOf('argus'), 'argus.out')], fresh: fresh('argus') } : missing('argus', 'argus-server'),
  ];
  const isJob = (x: Job | Run): x is Job => !('seconds' in x);
  const timedRuns = bestOf([...jobs, ...peerJobs.filter(isJob)], runs);
  const [ours1, oursN, noApp] = timedRuns as [Run, Run, Run];
  let next = jobs.length;
  const peers: Run[] = peerJobs.map((p) => (isJob(p) ? timedRuns[next++]! : p));
  if (args.includes('--tshark')) {
    peers.push(has('tshark') ? bestOf([{ tool: 'tshark (fields)', cmd: ['tshark', '-n', '-r', capture, '-T', 'fields', '-e', 'frame.number', '-e', 'dns.qry.name',
      '-e', 'tls.handshake.extensions_server_name', '-e', 'http.host'] }], 1)[0]! : missing('tshark', 'tshark'));
  }
  // --threads: one more run of each c2hunt decode, its threads' CPU sampled from /proc.
  const threads: [string, ThreadCpu][] = [];
  if (args.includes('--threads') && existsSync('/proc/self/task')) {
    for (const j of jobs) {
      j.fresh?.();
      threads.push([j.tool, await threadCpu(j.cmd)]);
    }
  }
  rmSync(out, { recursive: true, force: true });

  const mb = size / 1e6;
  const w = process.stdout.write.bind(process.stdout);
  w(`capture ${capture}: ${mb.toFixed(0)} MB, ${Number.isFinite(packets) ? packets.toLocaleString('en-US') : '?'} packets, `
    + `${cap?.flows?.toLocaleString('en-US') ?? '?'} flows, mean packet ${Number.isFinite(packets) ? Math.round(size / packets) : '?'} bytes\n`);
  w(`machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, node ${process.version}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}; `
    + `best of ${runs} runs taking turns, page cache warm, fresh output directories\n\n`);
  w(`${'tool'.padEnd(30)} ${'seconds'.padStart(8)} ${'CPU s'.padStart(6)} ${'MB/s'.padStart(7)} ${'Mpkt/s'.padStart(7)} ${'peak RSS MB'.padStart(11)}  ${'1 thread vs peer'.padStart(16)}  ${`${workers} threads vs peer`.padStart(17)}\n`);
  for (const r of [ours1, oursN, noApp, ...peers]) {
    const peer = peers.includes(r) && r.ok;
    const ratio = (o: Run) => (peer && o.ok ? `${(r.seconds / o.seconds).toFixed(2)}x` : '');
    const inner = r.decodeSeconds !== undefined ? `  (decode itself ${r.decodeSeconds.toFixed(2)} s, ${(mb / r.decodeSeconds).toFixed(0)} MB/s)` : '';
    w(`${r.tool.padEnd(30)} ${fmt(r.ok ? r.seconds : NaN, 2, 8)} ${fmt(r.ok ? r.cpu : NaN, 2, 6)} ${fmt(r.ok ? mb / r.seconds : NaN, 0, 7)} ${fmt(r.ok ? packets / r.seconds / 1e6 : NaN, 2, 7)} `
      + `${fmt(r.ok ? r.rssMB : NaN, 0, 11)}  ${ratio(ours1).padStart(16)}  ${ratio(oursN).padStart(17)}${r.note ? '  ' + r.note : ''}${inner}\n`);
  }
  if (threads.length > 0) {
    w(`\nCPU seconds per thread (one more run of each, sampled from /proc every ${THREAD_SAMPLE_MS} ms; helpers: V8's compiler and GC threads, libuv's file reads):\n`);
    for (const [tool, t] of threads) {
      const total = t.main + t.workers.reduce((a, b) => a + b, 0) + t.others;
      w(`  ${tool.padEnd(30)} wall ${t.wall.toFixed(2)}  main ${t.main.toFixed(2)}`
        + `${t.workers.length > 0 ? `  decoding workers ${t.workers.map((x) => x.toFixed(2)).join(' + ')}` : ''}`
        + `  helpers ${t.others.toFixed(2)} (${t.otherCount} threads)  total ${total.toFixed(2)}\n`);
    }
  }
  w('\nSeconds are wall time of the whole command, process start-up included; CPU s is user + system time of\n'
    + 'all its threads (the lowest of the runs). A ratio above 1 means c2hunt (application layer on, JSON logs\n'
    + 'written) is that many times faster than the peer.\n\ncommands:\n');
  for (const r of [ours1, oursN, noApp, ...peers]) if (r.cmd.length > 0) w(`  /usr/bin/time -f '%e %M' ${r.cmd.join(' ')}\n`);
}

/** A pcap (Ethernet, microseconds) written as it is generated. */
class PcapOut {
  private readonly fd: number;
  private buf = Buffer.alloc(1 << 22);
  private n = 0;
  constructor(path: string) {
    this.fd = openSync(path, 'w');
    const h = Buffer.alloc(24);
    h.writeUInt32LE(0xa1b2c3d4, 0); h.writeUInt16LE(2, 4); h.writeUInt16LE(4, 6); h.writeUInt32LE(65535, 16); h.writeUInt32LE(1, 20);
    writeSync(this.fd, h);
  }
  /** An IPv4 TCP packet in an Ethernet frame. */
  tcp(ts: number, src: number, dst: number, sport: number, dport: number, flags: number, seq: number, ack: number, payload = ''): void {
    const len = 14 + 20 + 20 + payload.length;
    if (this.n + 16 + len > this.buf.length) this.flush();
    const b = this.buf;
    let o = this.n;
    b.writeUInt32LE(Math.floor(ts), o); b.writeUInt32LE(Math.round((ts % 1) * 1e6), o + 4); b.writeUInt32LE(len, o + 8); b.writeUInt32LE(len, o + 12);
    o += 16;
    b.fill(0, o, o + len);
    b.writeUInt16BE(0x0800, o + 12);
    const ip = o + 14;
    b[ip] = 0x45; b.writeUInt16BE(len - 14, ip + 2); b[ip + 8] = 64; b[ip + 9] = 6; b.writeUInt32BE(src, ip + 12); b.writeUInt32BE(dst, ip + 16);
    const t = ip + 20;
    b.writeUInt16BE(sport, t); b.writeUInt16BE(dport, t + 2); b.writeUInt32BE(seq >>> 0, t + 4); b.writeUInt32BE(ack >>> 0, t + 8);
    b[t + 12] = 0x50; b[t + 13] = flags; b.writeUInt16BE(65535, t + 14);
    b.write(payload, t + 20, 'latin1');
    this.n = o + len;
  }
  flush(): void {
    writeSync(this.fd, this.buf, 0, this.n);
    this.n = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/**
 * `flows` connections from 10.x clients to one server, all opened within a few seconds and never
 * closed, so every one is active at the end of the capture. `request`: complete the handshake
 * and start an HTTP request (the analyzer then holds a partial header).
 */
function writeFlows(path: string, flows: number, request: boolean): void {
  const p = new PcapOut(path);
  const server = 0x5db8d822; // 93.184.216.34
  const t0 = 1_700_000_000;
  for (let i = 0; i < flows; i++) {
    const client = 0x0a000000 + Math.floor(i / 50000) + 1;
    const port = 10000 + (i % 50000);
    const ts = t0 + i * (5 / flows);
    p.tcp(ts, client, server, port, 80, 0x02, 1000, 0);
    if (request) {
      p.tcp(ts + 1e-4, server, client, 80, port, 0x12, 5000, 1001);
      p.tcp(ts + 2e-4, client, server, port, 80, 0x10, 1001, 5001);
      p.tcp(ts + 3e-4, client, server, port, 80, 0x18, 1001, 5001, 'GET /a/rather/long/path HTTP/1.1\r\nHost: example.com\r\n');
    }
  }
  p.close();
}

function memory(args: string[]): void {
  const flows = args.indexOf('--flows') >= 0 ? Number(args[args.indexOf('--flows') + 1]) : 500_000;
  const dir = mkdtempSync(join(tmpdir(), 'c2hunt-bench-mem-'));
  const cli = resolve(process.cwd(), 'dist/cli/main.js');
  const w = process.stdout.write.bind(process.stdout);
  try {
    const small = join(dir, 'small.pcap');
    writeFlows(small, 10, true);
    const cases: [string, boolean][] = [['SYN only', false], ['handshake + partial HTTP request', true]];
    w(`bytes per active flow (${flows.toLocaleString('en-US')} concurrent TCP connections; peak RSS difference to a 10-flow capture / flows)\n\n`);
    w(`${'capture'.padEnd(34)} ${'tool'.padEnd(12)} ${'peak RSS MB'.padStart(11)} ${'bytes/flow'.padStart(10)}\n`);
    const tools: [string, (f: string) => string[]][] = [
      ['c2hunt', (f) => ['node', cli, 'decode', f, '--out', join(dir, 'out'), '--json']],
      ...(has('ndpiReader') ? [['ndpiReader', (f: string) => ['ndpiReader', '-i', f, '-q']] as [string, (f: string) => string[]]] : []),
    ];
    for (const [label, request] of cases) {
      const big = join(dir, 'flows.pcap');
      writeFlows(big, flows, request);
      for (const [tool, cmd] of tools) {
        const base = timed(cmd(small), tool);
        const r = timed(cmd(big), tool);
        const per = ((r.rssMB - base.rssMB) * 1024 * 1024) / flows;
        w(`${label.padEnd(34)} ${tool.padEnd(12)} ${fmt(r.rssMB, 0, 11)} ${fmt(per, 0, 10)}\n`);
      }
      rmSync(big, { force: true });
    }
    w(`\ncommands: /usr/bin/time -f '%e %M' node ${cli} decode <capture> --out DIR --json ; ndpiReader -i <capture> -q\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) process.stdout.write(USAGE);
else {
  try {
    checkArgs(args);
  } catch (e) {
    process.stderr.write(`bench-decode: ${(e as Error).message}`);
    process.exit(2);
  }
  if (args.includes('--memory')) memory(args);
  else await speed(args);
}
