import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { COLUMNS, DirectoryWriter, toZeekJson } from '../../records/writers.js';
import { RECORD_KINDS, type RecordKind } from '../../records/schema.js';
import { decodeCaptures } from '../decode-file.js';
import { tcpConversation, pcapFile, udpFrame } from '../testing/frames.js';
import { createSharedJsonLinesSink, createSharedLogSink, finishSharedLogs, jsonLine, sharedJsonLinesPaths, sharedJsonLinesState } from './jsonl-sink.js';
import { DATA_DIR } from '../../testing/data.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);
const DATA = DATA_DIR;

function withDir<T>(fn: (dir: string) => Promise<T> | T): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'c2hunt-jsonl-'));
  return Promise.resolve().then(() => fn(dir)).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('property: a line is JSON.stringify(toZeekJson(kind, rec)) + newline, whatever the values', () => {
  const value = fc.oneof(
    fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme-ascii' }), fc.constant('a"b\\c\u0001\u007f\u00e9\ud800'),
    fc.double(), fc.integer(), fc.nat(), fc.constantFrom(-0, 0, 2 ** 31, 2 ** 31 - 1, 1e21, -5, NaN, Infinity),
    fc.boolean(), fc.constant(null), fc.constant(undefined), fc.array(fc.string(), { maxLength: 3 }), fc.array(fc.double(), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }),
  );
  const kind = fc.constantFrom<RecordKind>(...RECORD_KINDS);
  fc.assert(fc.property(kind, fc.array(value, { minLength: 30, maxLength: 30 }), fc.oneof(fc.constant(undefined), fc.boolean()), (k, values, interim) => {
    const rec: Record<string, unknown> = {};
    COLUMNS[k].forEach((c, i) => { rec[c.key] = values[i % values.length]; });
    if (interim !== undefined) rec['interim'] = interim;
    assert.equal(jsonLine(k, rec), JSON.stringify(toZeekJson(k, rec)) + '\n');
  }), { numRuns: RUNS * 3 });
});

/** Decode `files` once through DirectoryWriter and once through the shared sink; compare the logs. */
async function sameAsDirectoryWriter(files: string[], dir: string): Promise<void> {
  const a = join(dir, 'a'), b = join(dir, 'b');
  const writer = new DirectoryWriter(a, 'json');
  await decodeCaptures(files, writer, {});
  writer.close();
  const arg = { dir: b, state: sharedJsonLinesState() };
  mkdirSync(b, { recursive: true });
  const sink = createSharedJsonLinesSink(arg);
  await decodeCaptures(files, sink, {});
  sink.close();
  assert.deepEqual(sharedJsonLinesPaths(arg).map((p) => p.slice(b.length)), writer.paths.map((p) => p.slice(a.length)));
  assert.deepEqual(readdirSync(b).sort(), readdirSync(a).sort());
  for (const f of readdirSync(a)) assert.equal(readFileSync(join(b, f), 'utf8'), readFileSync(join(a, f), 'utf8'), f);
}

test('decoding through the shared sink writes the same files, byte for byte, as DirectoryWriter', () => withDir(async (dir) => {
  const frames = [
    ...tcpConversation('10.0.0.1', '93.184.216.34', 40000, 80, 0, 'GET /x HTTP/1.1\r\nHost: a.example\r\nUser-Agent: t\u00e9st\r\n\r\n', 'HTTP/1.1 200 OK\r\n\r\n'),
    { ts: 1, data: udpFrame('10.0.0.1', '8.8.8.8', 5555, 53, 'not dns at all') },
    ...Array.from({ length: 40 }, (_, i) => ({ ts: 2 + i * 60, data: udpFrame('10.0.0.2', '10.0.0.3', 7000, 7001, `tick ${i}`) })),
  ];
  const file = join(dir, 'x.pcap');
  writeFileSync(file, pcapFile(frames));
  await sameAsDirectoryWriter([file], dir);
}));

test('the shared sink matches DirectoryWriter on real captures', { skip: !existsSync(DATA) && 'shared data absent' }, () => withDir(async (dir) => {
  const pcaps = join(DATA, 'parsers', 'ndpi-tests', 'pcap');
  const picks = readdirSync(pcaps).filter((f) => /^(dns|http|tls|ssh|mining|teamviewer|tor)/i.test(f)).sort().slice(0, 8);
  assert.ok(picks.length > 0);
  await sameAsDirectoryWriter(picks.map((f) => join(pcaps, f)), dir);
}));

test('two sinks sharing the state create each log once and keep every line whole', () => withDir((dir) => {
  const arg = { dir, state: sharedJsonLinesState() };
  writeFileSync(join(dir, 'dns.jsonl'), 'stale content from an earlier run\n');
  const s1 = createSharedJsonLinesSink(arg), s2 = createSharedJsonLinesSink(arg);
  const expected: string[] = [];
  for (let i = 0; i < 5000; i++) {
    const rec = { ts: i, uid: `C${i}`, query: 'x'.repeat(i % 300), trans_id: i };
    (i % 2 ? s1 : s2).write('dns', rec as never);
    expected.push(jsonLine('dns', rec));
  }
  s1.close();
  s2.close();
  const got = readFileSync(join(dir, 'dns.jsonl'), 'utf8').split(/(?<=\n)/);
  assert.deepEqual(got.sort(), expected.sort());
  assert.deepEqual(sharedJsonLinesPaths(arg), [join(dir, 'dns.jsonl')]);
  assert.equal(existsSync(join(dir, 'conn.jsonl')), false);
}));

test('with 2 and 3 workers writing the logs themselves, the files hold the same lines as one DirectoryWriter', () => withDir(async (dir) => {
  const frames = Array.from({ length: 300 }, (_, i) => tcpConversation(`10.1.${i % 9}.${i % 250}`, '93.184.216.34', 30000 + i, 80, i * 3,
    `GET /${i} HTTP/1.1\r\nHost: h${i % 7}.example\r\n\r\n`, 'HTTP/1.1 204 No Content\r\n\r\n')).flat().sort((a, b) => a.ts - b.ts);
  const file = join(dir, 'x.pcap');
  writeFileSync(file, pcapFile(frames));
  const ref = join(dir, 'ref');
  const writer = new DirectoryWriter(ref, 'json');
  await decodeCaptures([file], writer, {});
  writer.close();
  for (const workers of [2, 3]) {
    const out = join(dir, `w${workers}`);
    mkdirSync(out);
    const arg = { dir: out, state: sharedJsonLinesState() };
    const sink = createSharedJsonLinesSink(arg);
    const spec = { module: new URL('./jsonl-sink.js', import.meta.url).href, factory: 'createSharedJsonLinesSink', arg };
    await decodeCaptures([file], sink, { workers, workerSink: spec });
    sink.close();
    assert.deepEqual(sharedJsonLinesPaths(arg).map((p) => p.slice(out.length)).sort(), writer.paths.map((p) => p.slice(ref.length)).sort());
    for (const f of readdirSync(ref)) {
      const lines = (d: string) => readFileSync(join(d, f), 'utf8').split(/(?<=\n)/).sort();
      assert.deepEqual(lines(out), lines(ref), `${workers} workers: ${f}`);
    }
  }
}));

test('Zeek TSV: one thread writes exactly what DirectoryWriter writes; 2 workers the same lines, one header on top, #close last', () => withDir(async (dir) => {
  const frames = Array.from({ length: 200 }, (_, i) => tcpConversation(`10.2.${i % 5}.${i % 200}`, '93.184.216.34', 31000 + i, 80, i * 2,
    `GET /z${i} HTTP/1.1\r\nHost: z${i % 3}.example\r\nUser-Agent: a\tb\\c\r\n\r\n`, 'HTTP/1.1 200 OK\r\n\r\n')).flat().sort((a, b) => a.ts - b.ts);
  const file = join(dir, 'x.pcap');
  writeFileSync(file, pcapFile(frames));
  const ref = join(dir, 'ref');
  const writer = new DirectoryWriter(ref, 'zeek', 1_700_000_000);
  await decodeCaptures([file], writer, {});
  writer.close();
  const body = (text: string) => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  const noClose = (text: string) => text.split('\n').filter((l) => !l.startsWith('#close')).join('\n');
  for (const workers of [1, 2]) {
    const out = join(dir, `z${workers}`);
    mkdirSync(out);
    const arg = { dir: out, state: sharedJsonLinesState(), format: 'zeek' as const, openTime: 1_700_000_000 };
    const sink = createSharedLogSink(arg);
    const spec = { module: new URL('./jsonl-sink.js', import.meta.url).href, factory: 'createSharedLogSink', arg };
    await decodeCaptures([file], sink, workers > 1 ? { workers, workerSink: spec } : {});
    sink.close();
    finishSharedLogs(arg);
    assert.deepEqual(sharedJsonLinesPaths(arg).map((p) => p.slice(out.length)).sort(), writer.paths.map((p) => p.slice(ref.length)).sort());
    for (const f of readdirSync(ref)) {
      const want = readFileSync(join(ref, f), 'utf8');
      const got = readFileSync(join(out, f), 'utf8');
      if (workers === 1) assert.equal(noClose(got), noClose(want), f);
      assert.deepEqual(body(got).sort(), body(want).sort(), `${workers} workers: ${f}`);
      const lines = got.split('\n');
      assert.equal(lines.filter((l) => l.startsWith('#')).length, 9, f);
      assert.deepEqual(lines.slice(0, 8), want.split('\n').slice(0, 8), f);
      assert.match(lines[lines.length - 2]!, /^#close\t/, f);
    }
  }
}));
