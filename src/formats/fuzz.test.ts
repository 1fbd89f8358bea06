/**
 * Random and mutated lines never throw out of readLogFile: they become bad lines with reasons
 * (or, for a file no reader accepts, a LogFormatError), and every line is accounted for.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { RecordKind, RecordMap, RecordSink } from '../records/schema.js';
import { LogFormatError, readLogFile } from './index.js';

const RUNS = Math.max(10, Math.round(Number(process.env.C2HUNT_FUZZ_RUNS ?? 300) / 5));
const dir = mkdtempSync(join(tmpdir(), 'c2hunt-fuzz-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const TSV_HEAD = '#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tdns\n'
  + '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\tquery\tanswers\tTTLs\tAA\n'
  + '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tcount\tstring\tvector[string]\tvector[interval]\tbool\n';
const TSV_LINES = [
  '1.5\tC1\t10.0.0.1\t5\t2001:db8::1\t53\tudp\t7\ta.example\t1.2.3.4,b\\x2cc\t60.000000,1.0\tT',
  '2\tC2\t10.0.0.1\t5\t10.0.0.2\t53\ttcp\t8\t(empty)\t(empty)\t(empty)\t-',
  '#close\t2024-01-01-00-00-00',
];
const JSON_LINES = [
  '{"ts":1.5,"uid":"C1","id.orig_h":"10.0.0.1","id.orig_p":5,"id.resp_h":"10.0.0.2","id.resp_p":80,"proto":"tcp","conn_state":"SF","_path":"conn"}',
  '{"ts":"2024-01-01T00:00:00Z","uid":"C2","id":{"orig_h":"::1","orig_p":1,"resp_h":"::2","resp_p":2},"_path":"dns","answers":["x"],"TTLs":[1]}',
  '{"ts":1,"uid":"C3","id.orig_h":"10.0.0.1","id.orig_p":5,"id.resp_h":"10.0.0.2","id.resp_p":443,"_path":"ssl","cert_chain_fps":["ab"],"established":true}',
];
const EVE_LINES = [
  '{"timestamp":"2024-01-01T00:00:00.5+0100","flow_id":1,"event_type":"flow","src_ip":"10.0.0.1","src_port":1,"dest_ip":"10.0.0.2","dest_port":2,"proto":"TCP","flow":{"pkts_toserver":1,"pkts_toclient":1,"bytes_toserver":60,"bytes_toclient":60,"start":"2024-01-01T00:00:00Z","end":"2024-01-01T00:00:01Z"},"tcp":{"tcp_flags_ts":"02","tcp_flags_tc":"14"}}',
  '{"timestamp":"2024-01-01T00:00:00Z","flow_id":2,"event_type":"dns","src_ip":"10.0.0.1","src_port":3,"dest_ip":"10.0.0.2","dest_port":53,"proto":"UDP","dns":{"type":"query","id":5,"rrname":"a.example","rrtype":"A"}}',
  '{"timestamp":"2024-01-01T00:00:00Z","flow_id":2,"event_type":"dns","src_ip":"10.0.0.2","src_port":53,"dest_ip":"10.0.0.1","dest_port":3,"proto":"UDP","dns":{"version":2,"type":"answer","id":5,"rcode":"NOERROR","answers":[{"rdata":"1.2.3.4","ttl":5},{"soa":{"mname":"ns"}}],"grouped":{"A":["1.2.3.4"]}}}',
  '{"timestamp":"2024-01-01T00:00:00Z","flow_id":3,"event_type":"dns","src_ip":"10.0.0.2","src_port":53,"dest_ip":"10.0.0.1","dest_port":3,"proto":"UDP","dns":{"type":"answer","id":5,"rdata":"1.2.3.4","ttl":5}}',
  '{"timestamp":"2024-01-01T00:00:00Z","flow_id":4,"event_type":"tls","src_ip":"10.0.0.1","src_port":1,"dest_ip":"10.0.0.2","dest_port":443,"proto":"TCP","tls":{"sni":"x","version":"TLS 1.3","ja3":{"hash":"a"},"notbefore":"2024-01-01T00:00:00","fingerprint":"aa:bb","server_handshake":{"cipher":4865}}}',
  '{"timestamp":"2024-01-01T00:00:00Z","flow_id":5,"event_type":"http","tx_id":0,"src_ip":"10.0.0.1","src_port":1,"dest_ip":"10.0.0.2","dest_port":80,"proto":"TCP","http":{"hostname":"h","url":"/","status":200,"length":5}}',
  '{"timestamp":"2024-01-01T00:00:00Z","event_type":"alert","src_ip":"10.0.0.1","dest_ip":"10.0.0.2","proto":"TCP","alert":{}}',
];

/** A valid line, a mutation of one, or junk. */
function lineArb(valid: string[]): fc.Arbitrary<string> {
  const pick = fc.constantFrom(...valid);
  const mutated = fc.tuple(pick, fc.nat(), fc.nat({ max: 3 }), fc.string({ unit: 'binary', maxLength: 6 })).map(([l, pos, op, ins]) => {
    const i = pos % (l.length + 1);
    if (op === 0) return l.slice(0, i); // truncated
    if (op === 1) return l.slice(0, i) + ins + l.slice(i); // inserted
    if (op === 2) return l.slice(0, i) + l.slice(i + 1 + ins.length); // deleted
    return l.slice(0, i) + ins + l.slice(i + ins.length); // replaced
  });
  const junk = fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.constantFrom('', '#', '#fields', '{', '[]', 'null', '"x"', '\t\t\t', '{"ts":{}}'));
  // Line breaks inside a generated line start a new line, which is fine: every line is accounted for.
  return fc.oneof({ weight: 2, arbitrary: pick }, { weight: 5, arbitrary: mutated }, { weight: 2, arbitrary: junk });
}

/** Counts records and checks each is an object of its kind. */
class CheckingSink implements RecordSink {
  n = 0;
  write<K extends RecordKind>(kind: K, rec: RecordMap[K]): void {
    assert.equal(typeof rec, 'object');
    if (kind !== 'weird') assert.equal(typeof (rec as { orig_h: unknown }).orig_h, 'string');
    assert.equal(typeof rec.ts, 'number');
    assert.ok(Number.isFinite(rec.ts), `ts ${rec.ts}`);
    this.n++;
  }
}

let seq = 0;
async function check(head: string, lines: string[]): Promise<void> {
  const p = join(dir, `f${seq++}.log`);
  const text = head + lines.join('\n') + '\n';
  writeFileSync(p, text);
  const sink = new CheckingSink();
  const r = await readLogFile(p, sink);
  assert.equal(r.lines, (text.match(/\n/g) ?? []).length);
  const recs = Object.values(r.records).reduce((a, b) => a + b, 0);
  assert.equal(recs, sink.n);
  assert.ok(r.badLineCount + recs + r.alerts <= r.lines + 2 * r.lines, 'a line yields at most a few records');
  let prev = 0;
  for (const b of r.badLines) {
    assert.ok(b.line > prev && b.line <= r.lines, `bad line ${b.line} of ${r.lines}`);
    assert.ok(b.reason.length > 0 && b.reason.length < 300, b.reason);
    assert.ok(!b.reason.startsWith('reader failed'), `a reader threw something other than a LineError: ${b.reason}`);
    prev = b.line;
  }
}

test('fuzz: Zeek TSV lines', async () => {
  await fc.assert(fc.asyncProperty(fc.array(lineArb(TSV_LINES), { maxLength: 30 }), (lines) => check(TSV_HEAD, lines)), { numRuns: RUNS });
});

test('fuzz: Zeek JSON lines', async () => {
  await fc.assert(fc.asyncProperty(fc.array(lineArb(JSON_LINES), { maxLength: 30 }), (lines) => check(JSON_LINES[0] + '\n', lines)), { numRuns: RUNS });
});

test('fuzz: Suricata EVE lines', async () => {
  await fc.assert(fc.asyncProperty(fc.array(lineArb(EVE_LINES), { maxLength: 30 }), (lines) => check(EVE_LINES[0] + '\n', lines)), { numRuns: RUNS });
});

test('fuzz: whole files of anything either read or are declined with reasons', async () => {
  const any = fc.array(lineArb([...TSV_LINES, TSV_HEAD, ...JSON_LINES, ...EVE_LINES]), { maxLength: 12 });
  await fc.assert(fc.asyncProperty(any, async (lines) => {
    try {
      await check('', lines);
    } catch (e) {
      if (!(e instanceof LogFormatError)) throw e;
      assert.equal(e.declined.length, 3);
    }
  }), { numRuns: RUNS });
});
