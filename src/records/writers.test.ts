/**
 * The byte-level line writers (JSON_LINE, ZEEK_LINE, line-encoder.ts) against the plain
 * renderings they replace: `JSON.stringify(toZeekJson(kind, rec))` for JSON lines, and the
 * string-building TSV writer as it was before (kept here, frozen, as the reference). Compared
 * byte for byte on hostile values (quotes, backslashes, control characters, non-ASCII, lone
 * surrogates, long strings, odd types), on number formats, and on every record of the real
 * captures under ../shared/data/parsers and beacon, whole log files included.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { COLUMNS, DirectoryWriter, JSON_LINE, ZEEK_LINE, jsonLine, toZeekJson, type LineWriter, type ZeekType } from './writers.js';
import { ByteLine } from './line-encoder.js';
import { RECORD_KINDS, type RecordKind } from './schema.js';
import { decodeCaptures } from '../sensor/decode-file.js';
import { dataPath, listCaptures, skipUnless } from '../testing/data.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);

// ---- The reference renderings (the TSV writer as it was before the byte-level writers). ----

function refZeekEscape(s: string, inSet: boolean): string {
  if (s === '-' || s === '(empty)') return '\\x' + s.charCodeAt(0).toString(16) + s.slice(1);
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x5c || (inSet && c === 0x2c) || c > 0xff) {
      if (c > 0xff) out += s[i];
      else out += '\\x' + c.toString(16).padStart(2, '0');
    } else out += s[i];
  }
  return out;
}

function refZeekValue(v: unknown, type: ZeekType): string {
  if (v === undefined || v === null) return '-';
  switch (type) {
    case 'time':
    case 'interval':
      return (v as number).toFixed(6);
    case 'bool':
      return v ? 'T' : 'F';
    case 'vector[string]':
    case 'set[string]': {
      const a = v as string[];
      return a.length === 0 ? '(empty)' : a.map((x) => refZeekEscape(String(x), true)).join(',');
    }
    case 'vector[interval]': {
      const a = v as number[];
      return a.length === 0 ? '(empty)' : a.map((x) => x.toFixed(6)).join(',');
    }
    case 'string':
    case 'enum': {
      const s = String(v);
      if (s === '') return '(empty)';
      return refZeekEscape(s, false);
    }
    default:
      return String(v);
  }
}

/** The reference TSV line (a string; written as UTF-8 by writeSync). */
function refZeekLine(kind: RecordKind, rec: Record<string, unknown>): string {
  return COLUMNS[kind].map((c) => refZeekValue(rec[c.key], c.type)).join('\t') + '\n';
}

/** The reference JSON line. */
function refJsonLine(kind: RecordKind, rec: object): string {
  return JSON.stringify(toZeekJson(kind, rec)) + '\n';
}

/** The bytes a line writer writes, or the error it throws. */
function bytesOf(writer: LineWriter, rec: object): Buffer | Error {
  const out = new ByteLine(64);
  try {
    writer(rec, out);
  } catch (e) {
    return e as Error;
  }
  return Buffer.from(out.buf.subarray(0, out.pos));
}

/** The reference bytes (UTF-8, as fs.writeSync writes a string), or the error it throws. */
function refBytes(render: () => string): Buffer | Error {
  try {
    return Buffer.from(render(), 'utf8');
  } catch (e) {
    return e as Error;
  }
}

function assertSame(got: Buffer | Error, want: Buffer | Error, what: string): void {
  if (want instanceof Error) {
    assert.ok(got instanceof Error, `${what}: the reference throws ${want.message}, the writer wrote ${String(got)}`);
    assert.equal(got.constructor, want.constructor, what);
    return;
  }
  assert.ok(!(got instanceof Error), `${what}: the writer threw ${(got as Error).message}`);
  if (!got.equals(want)) assert.equal(got.toString('latin1'), want.toString('latin1'), what);
}

function assertRecord(kind: RecordKind, rec: Record<string, unknown>): void {
  const uid = typeof rec['uid'] === 'string' ? rec['uid'] : '';
  assertSame(bytesOf(JSON_LINE[kind], rec), refBytes(() => refJsonLine(kind, rec)), `json ${kind} ${uid}`);
  assertSame(bytesOf(ZEEK_LINE[kind], rec), refBytes(() => refZeekLine(kind, rec)), `zeek ${kind} ${uid}`);
}

// ---- Values. ----

/** Strings that need every escape path: quotes, backslashes, controls, DEL, Latin-1, BMP, astral, lone surrogates, separators, markers. */
const hostileString = fc.oneof(
  fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme-ascii', maxLength: 60 }),
  fc.constantFrom('', '-', '(empty)', '\t', ',', '\n', '\\', '"', 'a"b\\c\u0001\u007f\u00e9\ud800', '\udc00x', '\ud83d\ude00',
    'caf\u00e9 \u65e5\u672c', '\\x09', '(empty) ', ' - ', 'x'.repeat(23), 'y'.repeat(24), 'z'.repeat(200)),
  // Long strings (the native copy path) with one special character somewhere.
  fc.tuple(fc.string({ unit: 'grapheme-ascii', minLength: 24, maxLength: 80 }), fc.nat(), fc.constantFrom('"', '\\', '\u0000', '\u001f', '\u007f', '\u0080', '\u00ff', '\u0100', '\ud800', ',', '\t'))
    .map(([s, at, c]) => { const i = at % (s.length + 1); return s.slice(0, i) + c + s.slice(i); }),
);

/** Numbers that need every number path. */
const anyNumber = fc.oneof(
  fc.double(), fc.integer(), fc.nat(), fc.double({ min: 0, max: 2 ** 34, noNaN: true }),
  fc.integer({ min: 0, max: 4_000_000_000_000_000 }).map((n) => n / 1e6), // microsecond timestamps, past 2^31 and 2^33
  fc.tuple(fc.integer({ min: 1_000_000_000_000_000, max: 2_000_000_000_000_000 }), fc.integer({ min: 0, max: 1e9 }))
    .map(([a, d]) => (a + d) / 1e6 - a / 1e6), // durations: differences of timestamps
  fc.constantFrom(-0, 0, 0.5, 1e-7, 1e-6, 1e-5, 2 ** -20, 1.5, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 0.5, 2 ** 33 - 1e-6, 2 ** 33, 2 ** 53,
    1e21, 123456789.1234567, 0.1, 0.30000000000000004, 5e-324, -5, -0.5, NaN, Infinity, -Infinity),
);

const anyValue = fc.oneof(
  hostileString, anyNumber, fc.boolean(), fc.constant(null), fc.constant(undefined),
  fc.array(hostileString, { maxLength: 4 }), fc.array(anyNumber, { maxLength: 4 }),
  fc.array(fc.oneof(hostileString, anyNumber, fc.constant(null), fc.constant(undefined), fc.boolean()), { maxLength: 4 }),
  fc.constant([, 'a']), fc.constant(['-']), fc.constant(['(empty)']), fc.constant([]),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }), fc.constant(() => 1), fc.constant(Symbol('s')),
);

test('property: JSON and TSV lines are byte-identical to the reference renderings, whatever the values', () => {
  const kind = fc.constantFrom<RecordKind>(...RECORD_KINDS);
  fc.assert(fc.property(kind, fc.array(anyValue, { minLength: 30, maxLength: 30 }), fc.oneof(fc.constant(undefined), fc.boolean(), fc.constant(1)),
    (k, values, interim) => {
      const rec: Record<string, unknown> = {};
      COLUMNS[k].forEach((c, i) => { rec[c.key] = values[i]; });
      if (interim !== undefined) rec['interim'] = interim;
      assertRecord(k, rec);
    }), { numRuns: RUNS * 3 });
});

test('property: records with values of their column types are byte-identical in both formats', () => {
  const byType = (t: ZeekType): fc.Arbitrary<unknown> => {
    switch (t) {
      case 'time': case 'interval': case 'double': return anyNumber;
      case 'count': case 'port': case 'int': return fc.oneof(fc.nat({ max: 2 ** 40 }), fc.nat({ max: 65535 }));
      case 'bool': return fc.boolean();
      case 'vector[string]': case 'set[string]': return fc.array(hostileString, { maxLength: 4 });
      case 'vector[interval]': return fc.array(anyNumber, { maxLength: 4 });
      default: return hostileString;
    }
  };
  for (const k of RECORD_KINDS) {
    const rec = fc.record(Object.fromEntries(COLUMNS[k].map((c) => [c.key, fc.option(byType(c.type), { nil: undefined, freq: 5 })])));
    fc.assert(fc.property(rec, (r) => assertRecord(k, r as Record<string, unknown>)), { numRuns: RUNS });
  }
});

test('property: numbers are written as JSON.stringify and toFixed(6) write them', () => {
  const out = new ByteLine(64);
  const check = (v: number): void => {
    out.pos = 0;
    out.num(v);
    assert.equal(out.buf.toString('latin1', 0, out.pos), JSON.stringify(v), `num ${v}`);
    out.pos = 0;
    out.fixed6(v);
    assert.equal(out.buf.toString('latin1', 0, out.pos), v.toFixed(6), `fixed6 ${v}`);
  };
  fc.assert(fc.property(anyNumber, check), { numRuns: RUNS * 20 });
  // Doubles from random bits across the exponents the fast paths take (2^-17 .. 2^33).
  fc.assert(fc.property(fc.integer({ min: 1006, max: 1056 }), fc.nat({ max: 0xfffff }), fc.nat({ max: 0xffffffff }), (e, hi, lo) => {
    const f = new Float64Array(1);
    const u = new Uint32Array(f.buffer);
    u[1] = (e << 20) | hi;
    u[0] = lo;
    check(f[0]!);
  }), { numRuns: RUNS * 20 });
  for (let i = 0; i < 10_000; i++) check(1_700_000_000 + i * 0.000_123 + i / 7e6); // timestamps, durations below
  for (let i = 1; i < 10_000; i++) check((i * 0.000_977) % 13 + i * 2 ** -22);
});

test('shortest() never writes other digits than Number::toString for durations and round-trip times', () => {
  // Differences of microsecond timestamps (what conn durations and DNS rtts are), the values the
  // shortest-digits generation was written for; it may decline (false), never differ.
  const out = new ByteLine(64);
  let declined = 0;
  for (let i = 0; i < 200_000; i++) {
    const a = 1_790_000_000 + ((i * 7919) % 86_400) + ((i * 104_729) % 1_000_000) / 1e6;
    const b = a + ((i * 15_485_863) % 100_000_000) / 1e6 * (i % 3 === 0 ? 1 : 0.01);
    const v = b - a;
    if (!(v >= 1e-5)) continue;
    out.pos = 0;
    if (!out.shortest(v)) { declined++; continue; }
    const got = out.buf.toString('latin1', 0, out.pos);
    if (got !== String(v)) assert.equal(got, String(v));
  }
  assert.ok(declined < 2000, `declined ${declined} times`);
});

// ---- Real captures. ----

const PARSERS = dataPath('parsers');

test('every record of the shared parser and beacon captures is byte-identical in both formats, and so are whole log files', { skip: skipUnless(PARSERS) }, async () => {
  const beacon = dataPath('beacon');
  const files = [...listCaptures(PARSERS!), ...(beacon !== undefined ? listCaptures(beacon) : [])];
  assert.ok(files.length > 20, `${files.length} captures`);
  const dir = mkdtempSync(join(tmpdir(), 'c2hunt-writers-'));
  try {
    const json = new DirectoryWriter(join(dir, 'json'), 'json');
    const zeek = new DirectoryWriter(join(dir, 'zeek'), 'zeek', 1_700_000_000);
    const order: { kind: RecordKind; rec: Record<string, unknown> }[] = [];
    const all = { write: (k: RecordKind, r: never) => { order.push({ kind: k, rec: r }); json.write(k, r); zeek.write(k, r); } };
    // Captures one at a time (several through one sensor would join connections across files).
    for (const f of files) await decodeCaptures([f], all, {});
    json.close();
    zeek.close();
    assert.ok(order.length > 5_000, `${order.length} records`);
    for (const { kind, rec } of order) assertRecord(kind, rec);
    // Whole files: the reference lines in the order they were written.
    const jsonText = new Map<string, string>();
    const zeekText = new Map<string, string>();
    for (const { kind, rec } of order) {
      const log = kind === 'conn' && rec['interim'] ? 'open_conn' : kind;
      jsonText.set(log, (jsonText.get(log) ?? '') + refJsonLine(kind, rec));
      zeekText.set(log, (zeekText.get(log) ?? '') + refZeekLine(kind, rec));
    }
    assert.deepEqual(readdirSync(join(dir, 'json')).sort(), [...jsonText.keys()].map((l) => `${l}.jsonl`).sort());
    for (const [log, text] of jsonText) {
      assert.ok(readFileSync(join(dir, 'json', `${log}.jsonl`)).equals(Buffer.from(text, 'utf8')), `${log}.jsonl`);
    }
    for (const [log, text] of zeekText) {
      const file = readFileSync(join(dir, 'zeek', `${log}.log`), 'utf8').split('\n');
      const body = file.filter((l) => !l.startsWith('#')).join('\n');
      assert.equal(body, text, `${log}.log`);
      const kind = (log === 'open_conn' ? 'conn' : log) as RecordKind;
      assert.equal(file.find((l) => l.startsWith('#fields')), `#fields\t${COLUMNS[kind].map((c) => c.name).join('\t')}`);
      assert.equal(file.find((l) => l.startsWith('#open')), '#open\t2023-11-14-22-13-20');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('jsonLine is the reference JSON line', () => {
  const rec = { ts: 1_793_577_600.871413, uid: 'C1', orig_h: '10.0.0.1', orig_p: 1, resp_h: '10.0.0.2', resp_p: 53, proto: 'udp', trans_id: 7,
    rtt: 0.0005218982696533203, query: 'a"b\\.example', AA: false, TC: false, RD: true, RA: true, Z: 0, answers: ['1.2.3.4', 'x\u00e9'], TTLs: [60, 0.5], rejected: false };
  assert.equal(jsonLine('dns', rec), refJsonLine('dns', rec));
  assert.equal(jsonLine('dns', rec), '{"ts":1793577600.871413,"uid":"C1","id.orig_h":"10.0.0.1","id.orig_p":1,"id.resp_h":"10.0.0.2","id.resp_p":53,'
    + '"proto":"udp","trans_id":7,"rtt":0.0005218982696533203,"query":"a\\"b\\\\.example","AA":false,"TC":false,"RD":true,"RA":true,"Z":0,'
    + '"answers":["1.2.3.4","x\u00e9"],"TTLs":[60,0.5],"rejected":false}\n');
});
