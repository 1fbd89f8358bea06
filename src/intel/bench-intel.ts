/**
 * `npm run bench:intel [-- --indicators N] [--hosts N] [--hours H] [--runs N] [--capture FILE]`
 *
 * 1. Load: generates N (default 1,000,000) indicators as a plain list (IPv4/IPv6 addresses,
 *    networks, domains, URLs) and as a ThreatFox CSV, then times detection + parsing, building the
 *    index, and the whole `IntelDirectory.load()` (read, sha256 check, parse, build) of the stored
 *    feeds, with the memory the index holds (JavaScript heap and typed arrays). Bar: under 10 s for one million.
 * 2. Matching: per-record cost of `matchRecord` on synthetic conn/dns/tls/http records against
 *    the full index (hits and misses).
 * 3. Ingest: decodes a capture (the simulator's `mixed` scenario by default, kept in $TMPDIR) into
 *    memory, once plain and once with every record matched as it is written (what ingest will
 *    do), and reports the added time. Bar: under 10% of ingest time.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { RecordKind, RecordMap, RecordSink } from '../records/schema.js';
import { MemorySink } from '../records/writers.js';
import { decodeCaptures } from '../sensor/decode-file.js';
import { simulate } from '../sim/index.js';
import { IntelDirectory } from './feed-dir.js';
import { parseFeedText } from './formats/registry.js';
import type { Indicator } from './indicator.js';
import { IntelIndex } from './intel-index.js';
import { matchRecord } from './match.js';
import { conn, dns, http, tls } from './testing.js';

/** Deterministic xorshift32: the same indicators on every run. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x;
  };
}

const WORDS = ['alpha', 'bravo', 'cdn', 'update', 'secure', 'mail', 'api', 'static', 'panel', 'gate', 'login', 'files', 'node', 'srv', 'data'];
const TLDS = ['com', 'net', 'org', 'ru', 'xyz', 'top', 'info', 'io', 'cn', 'biz'];

interface Mix { ipv4: number; ipv6: number; cidr: number; domain: number; url: number }
const MIX: Mix = { ipv4: 0.6, ipv6: 0.05, cidr: 0.05, domain: 0.22, url: 0.08 };

function v4(r: () => number): string {
  const x = r();
  return `${(x >>> 24) % 223 + 1}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}`;
}

function name(r: () => number, i: number): string {
  return `${WORDS[r() % WORDS.length]}${i.toString(36)}.${WORDS[r() % WORDS.length]}.${TLDS[r() % TLDS.length]}`;
}

/** One generated indicator as text (plain list syntax) and its ThreatFox ioc_type. */
function gen(r: () => number, i: number): [string, string] {
  const p = (r() % 10_000) / 10_000;
  let acc = MIX.ipv4;
  if (p < acc) return [v4(r), 'ip:port'];
  if (p < (acc += MIX.ipv6)) return [`2001:db8:${(r() & 0xffff).toString(16)}::${(r() & 0xffff).toString(16)}`, 'ip:port'];
  if (p < (acc += MIX.cidr)) return [`${v4(r)}/${22 + (r() % 9)}`, 'ip:port']; // /22../30, DROP-like sizes
  if (p < (acc += MIX.domain)) return [name(r, i), 'domain'];
  return [`http://${name(r, i)}/${WORDS[r() % WORDS.length]}/${i.toString(36)}.php`, 'url'];
}

function plainList(n: number, extra: string[]): string {
  const r = rng(7);
  const out: string[] = ['# c2hunt bench: generated indicators'];
  for (let i = 0; i < n - extra.length; i++) out.push(gen(r, i)[0]);
  out.push(...extra);
  return out.join('\n') + '\n';
}

function threatfoxCsv(n: number): string {
  const r = rng(11);
  const out = [
    '################################################################',
    '# ThreatFox IOCs: CSV export (generated for the c2hunt bench)  #',
    '################################################################',
    '#',
    '# "first_seen_utc","ioc_id","ioc_value","ioc_type","threat_type","fk_malware","malware_alias","malware_printable","last_seen_utc","confidence_level","reference","tags","anonymous","reporter"',
  ];
  for (let i = 0; i < n; i++) {
    let [v, t] = gen(r, i);
    if (t === 'ip:port') v = v.includes('/') ? v.slice(0, v.indexOf('/')) : v.includes(':') ? `[${v}]` : v;
    if (t === 'ip:port') v = `${v}:${443 + (r() % 4000)}`;
    out.push(`"2024-02-28 12:00:00", "${i}", "${v}", "${t}", "botnet_cc", "win.cobalt_strike", "", "Cobalt Strike", "", "${50 + (r() % 51)}", "", "c2,cs", "0", "bench"`);
  }
  return out.join('\n') + '\n';
}

function secs(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function cpuSecs(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1e6;
}

function mb(n: number): string {
  return `${(n / 1048576).toFixed(0)} MB`;
}

/** Wraps a sink: every record is matched as it is written (what ingest will do). */
class MatchingSink implements RecordSink {
  hits = 0;
  constructor(private readonly inner: RecordSink, private readonly index: IntelIndex) {}
  write<K extends RecordKind>(kind: K, rec: RecordMap[K]): void {
    this.hits += matchRecord(this.index, kind, rec).length;
    this.inner.write(kind, rec);
  }
}

/**
 * Parse + index time of the plain list and of a ThreatFox CSV of the same size. In its own
 * function so that nothing of it (the CSV text, the parsed lists, the indexes) stays reachable
 * from main's frame when memory and garbage collection are measured afterwards.
 */
function timeFormats(n: number, plain: string, say: (s: string) => void): void {
  let t0 = process.hrtime.bigint();
  const tf = threatfoxCsv(n);
  say(`generated: threatfox csv ${mb(tf.length)} in ${secs(t0).toFixed(2)} s`);
  for (const [label, text] of [['plain list', plain], ['threatfox csv', tf]] as const) {
    const c0 = process.cpuUsage();
    t0 = process.hrtime.bigint();
    const { format, result } = parseFeedText(text, { feed: label });
    const tParse = secs(t0);
    t0 = process.hrtime.bigint();
    const idx = IntelIndex.build([result.indicators]);
    const tBuild = secs(t0);
    const cpu = cpuSecs(c0);
    say(`${label.padEnd(14)} (${format}): parse ${tParse.toFixed(2)} s + index ${tBuild.toFixed(2)} s = ${(tParse + tBuild).toFixed(2)} s wall (${cpu.toFixed(2)} s CPU) for ${result.indicators.length.toLocaleString('en-US')} indicators, ${((tParse + tBuild) / result.indicators.length * 1e9).toFixed(0)} ns each; ${Object.entries(idx.counts).filter(([, c]) => c > 0).map(([k, c]) => `${k} ${c}`).join(', ')}`);
  }
}

/** Median CPU milliseconds of a forced full garbage collection (undefined without --expose-gc). */
function fullGcCpuMs(gc: (() => void) | undefined): number | undefined {
  if (gc === undefined) return undefined;
  const ms: number[] = [];
  for (let k = 0; k < 5; k++) {
    const c = process.cpuUsage();
    gc();
    ms.push(cpuSecs(c) * 1000);
  }
  return ms.sort((a, b) => a - b)[2];
}

/** The stored feeds' index; in its own function so no register of main's frame keeps the parsed lists alive. */
function loadIndex(feedDir: IntelDirectory): IntelIndex {
  return IntelIndex.build(feedDir.loadIndicators().lists);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (n: string, d: number) => (args.indexOf(n) >= 0 ? Number(args[args.indexOf(n) + 1]) : d);
  const str = (n: string) => (args.indexOf(n) >= 0 ? args[args.indexOf(n) + 1] : undefined);
  const n = opt('--indicators', 1_000_000);
  const runs = opt('--runs', 3);
  const hosts = opt('--hosts', 500);
  const hours = opt('--hours', 12);
  const say = (s: string) => process.stdout.write(`${s}\n`);

  // ---- 1. Load ----
  say(`# load: ${n.toLocaleString('en-US')} generated indicators (${Object.entries(MIX).map(([k, v]) => `${k} ${Math.round(v * 100)}%`).join(', ')})\n`);
  // A few addresses the simulated traffic uses, so the ingest run has hits.
  const traffic = ['8.8.8.8', '1.1.1.1'];
  let t0 = process.hrtime.bigint();
  const plain = plainList(n, traffic);
  say(`generated: plain ${mb(plain.length)} in ${secs(t0).toFixed(2)} s`);
  timeFormats(n, plain, say);
  const dir = mkdtempSync(join(tmpdir(), 'c2hunt-intel-bench-'));
  const feedDir = new IntelDirectory(join(dir, 'intel'));
  writeFileSync(join(dir, 'plain.txt'), plain);
  t0 = process.hrtime.bigint();
  await feedDir.add(join(dir, 'plain.txt'), { name: 'bench' });
  say(`intel add (read, parse, write atomically): ${secs(t0).toFixed(2)} s`);
  // The add's parse stays reachable until its promise has settled a turn later.
  await new Promise((r) => setTimeout(r, 10));
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const gcBefore = fullGcCpuMs(gc);
  const m0 = process.memoryUsage();
  const c1 = process.cpuUsage();
  t0 = process.hrtime.bigint();
  const index = loadIndex(feedDir);
  const tLoad = secs(t0);
  const cLoad = cpuSecs(c1);
  gc?.();
  // The parsed indicator lists are garbage now: what remains is what the index holds.
  const m1 = process.memoryUsage();
  const heap = m1.heapUsed - m0.heapUsed, outside = m1.arrayBuffers - m0.arrayBuffers;
  say(`IntelDirectory load (loadIndicators + IntelIndex.build) of ${index.size.toLocaleString('en-US')} indicators (read, sha256, parse, build): ${tLoad.toFixed(2)} s wall, ${cLoad.toFixed(2)} s CPU ${tLoad < 10 ? '(bar: < 10 s, met)' : '(bar: < 10 s, NOT MET)'}`);
  const gcWith = fullGcCpuMs(gc);
  if (gcWith !== undefined && gcBefore !== undefined) say(`a full garbage collection (each one during a long ingest marks everything the index holds on the heap): ${gcWith.toFixed(0)} ms CPU with the index, ${gcBefore.toFixed(0)} ms without`);
  say(`memory held by the index: heap ${gc ? mb(heap) : `~${mb(heap)} (run with node --expose-gc for an exact figure)`} + typed arrays ${mb(outside)} = ${mb(heap + outside)}; rss ${mb(m1.rss)}`);

  // ---- 2. Per-record matching ----
  say(`\n# matching cost per record against ${index.size.toLocaleString('en-US')} indicators\n`);
  const r = rng(3);
  const M = 200_000;
  const T = 1_709_280_000;
  const conns = Array.from({ length: M }, (_, i) => conn(`10.0.${(i >> 8) & 255}.${i & 255}`, i % 1000 === 0 ? '8.8.8.8' : v4(r), T + i));
  const dnss = Array.from({ length: M }, (_, i) => dns('10.0.0.5', i % 1000 === 0 ? 'x.' + name(rng(7), 0) : `www${i}.${WORDS[i % WORDS.length]}.${TLDS[i % TLDS.length]}`, [v4(r), v4(r)], T + i));
  const tlss = Array.from({ length: M }, (_, i) => tls('10.0.0.5', v4(r), T + i, { server_name: `www${i}.${WORDS[i % WORDS.length]}.com`, ja3: 'e7d705a3286e19ea42f587b344ee6865', ja4: 't13d1516h2_8daaf6152771_b186095e22b6' }));
  const https = Array.from({ length: M }, (_, i) => http('10.0.0.5', v4(r), T + i, { host: `www${i}.${WORDS[i % WORDS.length]}.com`, uri: `/index.php?id=${i}` }));
  const time = <K extends RecordKind>(kind: K, recs: RecordMap[K][]) => {
    let best = Infinity, hits = 0;
    for (let k = 0; k < runs; k++) {
      hits = 0;
      const t = process.hrtime.bigint();
      for (const rec of recs) hits += matchRecord(index, kind, rec).length;
      best = Math.min(best, secs(t));
    }
    say(`${kind.padEnd(5)} ${(best / recs.length * 1e9).toFixed(0).padStart(5)} ns/record  (${recs.length.toLocaleString('en-US')} records, ${hits} matches)`);
  };
  time('conn', conns);
  time('dns', dnss);
  time('tls', tlss);
  time('http', https);

  // ---- 3. Ingest with and without matching ----
  let capture = str('--capture');
  if (capture === undefined) {
    mkdirSync(join(tmpdir(), 'c2hunt-intel-bench'), { recursive: true });
    capture = join(tmpdir(), 'c2hunt-intel-bench', `mixed-${hosts}hosts-${hours}h.pcap`);
    if (!existsSync(capture)) {
      process.stderr.write(`generating ${capture} (mixed, ${hosts} hosts, ${hours} h) ...\n`);
      await simulate({ scenario: 'mixed', hosts, durationSec: hours * 3600, seed: 7 }, capture);
    }
  }
  capture = resolve(capture);
  say(`\n# ingest: decode ${capture} into memory, with and without matching every record (best of ${runs})\n`);
  // Some of the capture's own addresses and names join the indicators, so matches happen as in real use.
  const sample = new MemorySink();
  await decodeCaptures([capture], sample);
  const seen: Indicator[] = [];
  const mk = (type: 'ip' | 'domain', value: string): Indicator => ({ value, type, feed: 'seen', confidence: 80, tags: [] });
  // Rarely contacted ones (a C2 is one destination among thousands): 20 addresses and 10 names seen at most 20 times.
  const rare = <T>(xs: T[]): T[] => {
    const n = new Map<T, number>();
    for (const x of xs) n.set(x, (n.get(x) ?? 0) + 1);
    return [...n.entries()].filter(([, c]) => c <= 20).map(([x]) => x);
  };
  for (const ip of rare(sample.records.conn.map((c) => c.resp_h)).slice(0, 20)) seen.push(mk('ip', ip));
  for (const q of rare(sample.records.dns.map((d) => d.query)).slice(0, 10)) seen.push(mk('domain', q));
  const liveIndex = IntelIndex.build([...feedDir.loadIndicators().lists, seen]);
  rmSync(dir, { recursive: true, force: true });
  let plainBest = Infinity, plainCpu = Infinity, matchBest = Infinity, records = 0, hits = 0;
  for (let k = 0; k < runs; k++) {
    const sink = new MemorySink();
    let c = process.cpuUsage();
    let t = process.hrtime.bigint();
    await decodeCaptures([capture], sink);
    plainBest = Math.min(plainBest, secs(t));
    plainCpu = Math.min(plainCpu, cpuSecs(c));
    records = Object.values(sink.records).reduce((a, x) => a + x.length, 0);
    const ms = new MatchingSink(new MemorySink(), liveIndex);
    c = process.cpuUsage();
    t = process.hrtime.bigint();
    await decodeCaptures([capture], ms);
    matchBest = Math.min(matchBest, secs(t));
    hits = ms.hits;
  }
  // The matching alone, on the decoded records (steadier than the difference of two decodes).
  let onlyBest = Infinity, onlyCpu = Infinity;
  for (let k = 0; k < runs; k++) {
    const c = process.cpuUsage();
    const t = process.hrtime.bigint();
    for (const kind of Object.keys(sample.records) as RecordKind[]) for (const rec of sample.records[kind]) matchRecord(liveIndex, kind, rec as never);
    onlyBest = Math.min(onlyBest, secs(t));
    onlyCpu = Math.min(onlyCpu, cpuSecs(c));
  }
  const pct = (onlyCpu / plainCpu) * 100;
  say(`decode only:            ${plainBest.toFixed(2)} s wall, ${plainCpu.toFixed(2)} s CPU (${records.toLocaleString('en-US')} records)`);
  say(`decode + matchRecord:   ${matchBest.toFixed(2)} s wall (${hits} matches; wall difference ${(((matchBest - plainBest) / plainBest) * 100).toFixed(1)}%, noisy)`);
  say(`matchRecord alone:      ${onlyBest.toFixed(3)} s wall, ${onlyCpu.toFixed(3)} s CPU = ${pct.toFixed(1)}% of decode CPU ${pct < 10 ? '(bar: < 10%, met)' : '(bar: < 10%, NOT MET)'}; ${(onlyCpu / records * 1e9).toFixed(0)} ns per record`);
}

await main();
