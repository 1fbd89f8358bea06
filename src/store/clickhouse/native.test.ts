/**
 * The Native format reader: blocks cut right wherever the chunks of an answer end, truncated
 * answers and unknown types reported, and connections read as Native blocks equal to the same
 * connections read as RowBinary rows and as records (with a server, single node and cluster).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NativeBlocks, eachString, int64Column, type NativeBlock } from './native.js';
import { freshStore, testServer, CLUSTER_ENV, SINGLE_ENV } from './testing.js';
import { ingestRecords } from '../contract.js';
import type { ConnRecord } from '../../records/schema.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);

function varint(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}
const str = (s: string): number[] => { const b = [...Buffer.from(s)]; return [...varint(b.length), ...b]; };

/** A Native block of an Int64 column, a String column, a Nullable(Int32) column and an Array(String) column. */
function block(rows: { n: number; s: string; v: number | null; a: string[] }[]): number[] {
  const out = [...varint(4), ...varint(rows.length)];
  out.push(...str('n'), ...str('Int64'));
  for (const r of rows) { const b = Buffer.alloc(8); b.writeBigInt64LE(BigInt(r.n)); out.push(...b); }
  out.push(...str('s'), ...str('String'));
  for (const r of rows) out.push(...str(r.s));
  out.push(...str('v'), ...str('Nullable(Int32)'));
  for (const r of rows) out.push(r.v === null ? 1 : 0);
  for (const r of rows) { const b = Buffer.alloc(4); b.writeInt32LE(r.v ?? 0); out.push(...b); }
  out.push(...str('a'), ...str('Array(String)'));
  let end = 0;
  for (const r of rows) { end += r.a.length; const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(end)); out.push(...b); }
  for (const r of rows) for (const x of r.a) out.push(...str(x));
  return out;
}

const rowArb = fc.record({
  n: fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
  s: fc.string({ maxLength: 200, unit: 'grapheme' }),
  v: fc.option(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })),
  a: fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
});

/** The values of a decoded block, for comparison. */
function values(b: NativeBlock): unknown[] {
  const n = b.rows;
  const nums = new Float64Array(n);
  int64Column(b.columns[0]!.data, n, nums, 0);
  const strs: string[] = [];
  eachString(b.columns[1]!.data, n, (_i, s, len) => strs.push(b.columns[1]!.data.toString('utf8', s, s + len)));
  const v = b.columns[2]!.data;
  return [b.columns.map((c) => `${c.name} ${c.type}`), Array.from(nums), strs, Array.from({ length: n }, (_, i) => (v[i] === 1 ? null : v.readInt32LE(n + 4 * i))), b.columns[3]!.data.length];
}

test('Native blocks come out whole and the same wherever the answer is cut into chunks', () => {
  fc.assert(fc.property(fc.array(fc.array(rowArb, { maxLength: 8 }), { minLength: 1, maxLength: 4 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }), (blocks, cuts) => {
    const bytes = Buffer.from(blocks.flatMap(block));
    const whole: unknown[] = [];
    const w = new NativeBlocks((b) => whole.push(values(b)));
    w.push(bytes);
    assert.equal(w.end(), true);
    assert.equal(whole.length, blocks.length);
    assert.deepEqual(whole.map((x) => (x as unknown[])[2]), blocks.map((rs) => rs.map((r) => r.s)));
    assert.deepEqual(whole.map((x) => (x as unknown[])[3]), blocks.map((rs) => rs.map((r) => r.v)));
    const pieces: unknown[] = [];
    const p = new NativeBlocks((b) => pieces.push(values(b)));
    let at = 0, k = 0;
    while (at < bytes.length) {
      const len = cuts[k++ % cuts.length]!;
      p.push(bytes.subarray(at, at + len));
      at += len;
    }
    assert.equal(p.end(), true);
    assert.deepEqual(pieces, whole);
  }), { numRuns: RUNS });
});

test('Native: a truncated answer is reported, an unknown column type is a clear error', () => {
  const bytes = Buffer.from(block([{ n: 1, s: 'x', v: 2, a: ['y'] }]));
  for (let cut = 1; cut < bytes.length; cut++) {
    const r = new NativeBlocks(() => assert.fail('no block from a truncated answer'));
    r.push(bytes.subarray(0, cut));
    assert.equal(r.end(), false, `cut at ${cut}`);
  }
  // A streamed answer whose query failed half way: the server's text where the next block begins.
  const failed = Buffer.concat([bytes, Buffer.from('Code: 395, e.displayText() = DB::Exception: Value passed to \'throwIf\' function is non zero\n')]);
  const got: number[] = [];
  assert.throws(() => new NativeBlocks((b) => got.push(b.rows)).push(failed), /Code: 395.*throwIf/);
  assert.deepEqual(got, [1], 'the blocks before the failure were read');
  const odd = Buffer.from([...varint(1), ...varint(1), ...str('x'), ...str('Decimal(9, 2)'), 0, 0, 0, 0]);
  assert.throws(() => new NativeBlocks(() => undefined).push(odd), /Decimal\(9, 2\) is not read here/);
});

test('Native: random and mutated bytes give blocks, a clear error or an unfinished answer; never a hang or a crash', () => {
  const good = Buffer.from(block([{ n: 5, s: 'abc', v: null, a: ['x', 'y'] }, { n: -1, s: '', v: 7, a: [] }]));
  const inputs = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })).map(([i, v]) => { const b = Buffer.from(good); b[i] = v; return new Uint8Array(b); }),
  );
  fc.assert(fc.property(inputs, fc.integer({ min: 1, max: 50 }), (bytes, cut) => {
    const r = new NativeBlocks((b) => { assert.ok(b.rows >= 0 && b.columns.length >= 0); });
    try {
      for (let at = 0; at < bytes.length; at += cut) r.push(Buffer.from(bytes.subarray(at, at + cut)));
      assert.equal(typeof r.end(), 'boolean');
    } catch (e) {
      assert.ok(e instanceof Error && e.message.length > 0, String(e));
    }
  }), { numRuns: RUNS });
});

for (const [name, env] of [['single node', SINGLE_ENV], ['cluster', CLUSTER_ENV]] as const) {
  const server = await testServer(env);
  test(`ClickHouse (${name}): connections read as Native blocks equal RowBinary rows and records`, { skip: server.skip }, async () => {
    const s = await freshStore(server);
    try {
      const conns: ConnRecord[] = Array.from({ length: 3000 }, (_, i) => {
        const c: ConnRecord = {
          ts: 1_700_000_000 + i / 3, uid: i % 97 === 0 ? `Cé${i}` : `C${i}`, orig_h: `10.0.${i % 7}.${i % 13}`, orig_p: 1024 + i, resp_h: i % 5 ? `198.51.100.${i % 50}` : `2001:db8::${i % 9}`,
          resp_p: [53, 443, 80][i % 3]!, community_id: `1:${i}x=`, proto: i % 3 === 0 ? 'udp' : 'tcp', service: i % 3 === 1 ? 'ssl' : '',
          duration: i / 7, orig_bytes: i * 3, resp_bytes: 2 ** 40 + i, conn_state: i % 4 ? 'SF' : 'S0', missed_bytes: i % 2, history: i % 4 ? 'ShADadFf' : 'S',
          orig_pkts: i, orig_ip_bytes: 40 * i, resp_pkts: i + 1, resp_ip_bytes: 41 * i,
        };
        if (i % 11 === 0) c.vlan = i % 4096;
        if (i % 17 === 0) c.interim = false;
        return c;
      });
      await ingestRecords(s, 'native', { conn: conns });
      const all = (rows: Awaited<ReturnType<typeof s.connRows>>) => Array.from({ length: rows!.n }, (_, i) => rows!.record(i));
      const native = all(await s.connRows());
      s.rowFormat = 'RowBinary';
      const rowBinary = all(await s.connRows());
      assert.equal(native.length, conns.length);
      assert.deepEqual(native, rowBinary);
      const records = await s.records('conn');
      assert.deepEqual(native, records);
      s.rowFormat = 'Native';
      const part = all(await s.connRows(undefined, { partition: { index: 1, count: 2 } }));
      assert.deepEqual(part, await s.records('conn', undefined, { partition: { index: 1, count: 2 } }));
      // A query that fails after its first blocks were streamed is an error, not a short answer.
      let blocks = 0;
      await assert.rejects(s.client.selectNative(s.endpoint, 'failing query', 'SELECT number, throwIf(number = 300000) AS x FROM system.numbers LIMIT 400000', () => () => { blocks++; }),
        /Code: 395.*throwIf/);
      assert.ok(blocks > 0, 'blocks came before the failure');
    } finally {
      await s.close();
    }
  });
}
