/**
 * Benchmark of the log readers (a script, not a test): generates a Zeek conn log of N lines
 * (TSV as Zeek writes it, without community_id so the reader computes it, as for most Zeek
 * installs), its gzip, the same as Zeek JSON, and a Suricata EVE file of flow events, then reads
 * each with a counting sink and prints lines per second, by wall clock and by CPU time (the
 * process's user + system time, steadier on a busy machine; it includes the gunzip thread).
 *
 *   node dist/formats/bench-read.js [lines=1000000] [dir=$TMPDIR/c2hunt-bench-read]
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { RecordKind, RecordMap, RecordSink } from '../records/schema.js';
import { readLogFile } from './read.js';

const N = Number(process.argv[2] ?? 1_000_000);
const DIR = process.argv[3] ?? join(tmpdir(), 'c2hunt-bench-read');

const HEADER = '#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#open\t2024-04-29-15-00-00\n'
  + '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\n'
  + '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\n';

/** Deterministic pseudo-random numbers (xorshift32). */
let seed = 0x2545f491;
function rnd(n: number): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
}

/** Buffered writer of a generated file. */
class Out {
  private buf: string[] = [];
  private size = 0;
  private fd: number;
  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }
  push(s: string): void {
    this.buf.push(s);
    this.size += s.length;
    if (this.size > 1 << 20) this.flush();
  }
  flush(): void {
    writeSync(this.fd, this.buf.join(''));
    this.buf = [];
    this.size = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

function generate(files: { tsv: string; gz: string; json: string; eve: string }): void {
  const tsv = new Out(files.tsv), json = new Out(files.json), eve = new Out(files.eve);
  tsv.push(HEADER);
  let ts = 1714417200;
  for (let i = 0; i < N; i++) {
    ts += rnd(1000) / 1e5;
    const t = ts.toFixed(6);
    const uid = 'C' + (i * 2654435761 >>> 0).toString(36).padStart(7, '0') + 'xYz' + (i % 9973).toString(36);
    const oh = `10.${rnd(4)}.${rnd(256)}.${rnd(256)}`, op = 1024 + rnd(60000);
    const rh = `${1 + rnd(223)}.${rnd(256)}.${rnd(256)}.${rnd(256)}`, rp = [53, 80, 443, 8080][rnd(4)]!;
    const udp = rp === 53;
    const dur = (rnd(100000) / 1000).toFixed(6);
    const ob = rnd(5000), rb = rnd(50000), opk = 1 + rnd(40), rpk = rnd(40);
    tsv.push(`${t}\t${uid}\t${oh}\t${op}\t${rh}\t${rp}\t${udp ? 'udp' : 'tcp'}\t${udp ? 'dns' : 'ssl'}\t${dur}\t${ob}\t${rb}\tSF\tT\tF\t0\tShADadfF\t${opk}\t${ob + opk * 52}\t${rpk}\t${rb + rpk * 52}\t(empty)\n`);
    json.push(`{"ts":${t},"uid":"${uid}","id.orig_h":"${oh}","id.orig_p":${op},"id.resp_h":"${rh}","id.resp_p":${rp},"proto":"${udp ? 'udp' : 'tcp'}","service":"ssl","duration":${dur},"orig_bytes":${ob},"resp_bytes":${rb},"conn_state":"SF","local_orig":true,"local_resp":false,"missed_bytes":0,"history":"ShADadfF","orig_pkts":${opk},"orig_ip_bytes":${ob + opk * 52},"resp_pkts":${rpk},"resp_ip_bytes":${rb + rpk * 52}}\n`);
    const start = new Date(ts * 1000).toISOString().replace('Z', '000+0000');
    eve.push(`{"timestamp":"${start}","flow_id":${1000000000000 + i},"event_type":"flow","src_ip":"${oh}","src_port":${op},"dest_ip":"${rh}","dest_port":${rp},"proto":"${udp ? 'UDP' : 'TCP'}","app_proto":"tls","flow":{"pkts_toserver":${opk},"pkts_toclient":${rpk},"bytes_toserver":${ob + opk * 66},"bytes_toclient":${rb + rpk * 66},"start":"${start}","end":"${start}","age":0,"state":"closed","reason":"timeout","alerted":false},"tcp":{"tcp_flags":"1b","tcp_flags_ts":"1b","tcp_flags_tc":"1b","syn":true,"fin":true,"psh":true,"ack":true,"state":"closed"}}\n`);
  }
  tsv.close();
  json.close();
  eve.close();
  writeFileSync(files.gz, gzipSync(readFileSync(files.tsv)));
}

class CountingSink implements RecordSink {
  n = 0;
  write<K extends RecordKind>(_kind: K, _rec: RecordMap[K]): void {
    this.n++;
  }
}

async function main(): Promise<void> {
  mkdirSync(DIR, { recursive: true });
  const files = { tsv: join(DIR, `conn-${N}.log`), gz: join(DIR, `conn-${N}.log.gz`), json: join(DIR, `conn-${N}.json.log`), eve: join(DIR, `eve-${N}.json`) };
  if (!existsSync(files.eve)) {
    process.stderr.write(`generating ${N} lines in ${DIR} ...\n`);
    generate({ ...files });
  }
  for (const [name, f] of Object.entries(files)) {
    const sink = new CountingSink();
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    const r = await readLogFile(f, sink);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    const cu = process.cpuUsage(c0);
    const cpu = (cu.user + cu.system) / 1e6;
    const rate = (t: number): string => Math.round(r.lines / t).toLocaleString('en-US').padStart(9);
    process.stdout.write(`${name.padEnd(5)} ${r.format.padEnd(13)} ${String(sink.n).padStart(8)} records  wall ${s.toFixed(2)} s ${rate(s)} lines/s  cpu ${cpu.toFixed(2)} s ${rate(cpu)} lines/s  ${(r.textBytes / s / 1e6).toFixed(0)} MB/s  bad ${r.badLineCount}\n`);
  }
}

await main();
