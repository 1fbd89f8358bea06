/**
 * The DuckDB bulk load of Zeek conn logs against the line reader: the same stored rows, bad lines
 * (numbers and reasons) and ingest entries on logs full of edge cases; every case it leaves to the
 * line reader still ends with the line reader's result; a kill -9 during a bulk load leaves
 * nothing; the SQL Community ID equals the sensor's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ConnRecord } from '../../records/schema.js';
import { textCommunityId, zeekProtoNumber } from '../../formats/values.js';
import { ingestPaths, type IngestFileResult } from '../ingest.js';
import type { Store } from '../store.js';
import { readerOnly } from '../testing/reader-only.js';
import { bulkOutcome } from '../testing/bulk-outcome.js';
import { openDuckDBStore } from './duckdb-store.js';
import { communityIdSql } from './zeek-bulk.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);
const dir = mkdtempSync(join(tmpdir(), 'c2hunt-bulk-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const FIELDS = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'service', 'duration', 'orig_bytes',
  'resp_bytes', 'conn_state', 'local_orig', 'local_resp', 'missed_bytes', 'history', 'orig_pkts', 'orig_ip_bytes', 'resp_pkts',
  'resp_ip_bytes', 'tunnel_parents', 'vlan', 'community_id'];

function header(fields: readonly string[]): string {
  return `#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#open\t2024-05-01-00-00-00\n`
    + `#fields\t${fields.join('\t')}\n#types\t${fields.map(() => 'x').join('\t')}\n`;
}

type Row = Record<string, string>;
function base(i: number, extra: Row = {}): Row {
  return {
    ts: (1714521600 + i).toFixed(6), uid: `C${i}`, 'id.orig_h': `10.0.0.${i % 250}`, 'id.orig_p': String(40000 + i),
    'id.resp_h': `203.0.113.${i % 200}`, 'id.resp_p': '443', proto: 'tcp', service: 'ssl', duration: '1.5', orig_bytes: '100',
    resp_bytes: '200', conn_state: 'SF', local_orig: 'T', local_resp: 'F', missed_bytes: '0', history: 'ShADadFf', orig_pkts: '3',
    orig_ip_bytes: '300', resp_pkts: '4', resp_ip_bytes: '400', tunnel_parents: '(empty)', community_id: `1:abc${i}`, ...extra,
  };
}

/** Data lines full of edge cases the bulk load converts itself (and two bad lines, a comment, a blank line). */
function edgeLines(fields: readonly string[]): string[] {
  const row = (o: Row): string => fields.map((f) => o[f] ?? '-').join('\t');
  return [
    row(base(1)),
    row(base(2, { 'id.orig_h': '2001:db8::1', 'id.resp_h': '2001:db8:0:0:0:0:0:2', community_id: '-' })),
    row(base(3, { 'id.orig_h': '010.000.000.001', 'id.resp_h': '::ffff:192.0.2.7' })),
    row(base(4, { service: '-', duration: '-', orig_bytes: '-', resp_bytes: '-', conn_state: '-', history: '-', missed_bytes: '-', orig_pkts: '-', orig_ip_bytes: '-', resp_pkts: '-', resp_ip_bytes: '-' })),
    row(base(5, { service: '(empty)', history: '(empty)', community_id: '(empty)' })),
    row(base(6, { service: 'a\\x09b', history: 'S\\x5cd', uid: 'C\\x41B', community_id: '1:\\x2b' })),
    row(base(7, { proto: 'sctp', community_id: '-' })),
    row(base(8, { proto: '-', community_id: '-' })),
    row(base(9, { proto: '(empty)' })),
    row(base(10, { orig_bytes: '12.7', 'id.orig_p': '80.0', resp_bytes: '1e3', duration: '.5' })),
    row(base(11, { ts: '1.714521611e9' })),
    'short\tline',
    row(base(12)) + '\textra',
    '#close\t2024-05-01-01-00-00',
    '',
    row(base(13, { vlan: '42' })),
    row(base(14, { proto: 'icmp', 'id.orig_p': '8', 'id.resp_p': '0', community_id: '-' })),
    row(base(15, { resp_bytes: '9007199254740993', orig_bytes: '+7', duration: '1E2' })),
    row(base(16, { service: '' })),
    row(base(17, { 'id.orig_h': 'fe80::1%eth0', community_id: '-' })),
    row(base(18, { service: 'caf\u00e9', history: '\\x', uid: 'C\\\\x' })),
    row(base(19, { proto: 'udp', service: 'dns', 'id.resp_p': '53', 'id.resp_h': '10.0.0.0', community_id: '-' })),
    row(base(20, { 'id.orig_h': '10.0.0.1', 'id.resp_h': '10.0.0.1', 'id.orig_p': '5', 'id.resp_p': '5', community_id: '-' })),
    row(base(21, { proto: 'icmp', 'id.orig_p': '3', 'id.resp_p': '1', 'id.orig_h': '198.51.100.9', 'id.resp_h': '10.0.0.2', community_id: '-' })),
    row(base(22, { proto: 'icmp', 'id.orig_p': '0', 'id.resp_p': '0', 'id.orig_h': '198.51.100.9', 'id.resp_h': '10.0.0.2', community_id: '-' })),
    row(base(23, { 'id.orig_p': '0x1F' })),
    row(base(24, { duration: 'Infinity', orig_bytes: '\u00a05' })),
  ];
}

function logFile(name: string, fields: readonly string[], lines: readonly string[], gzip = false): string {
  const p = join(dir, name);
  const text = header(fields) + lines.join('\n') + '\n#close\t2024-05-01-01-00-00\n';
  writeFileSync(p, gzip ? gzipSync(text) : text);
  return p;
}

const byTsUid = (a: ConnRecord, b: ConnRecord): number => (a.ts - b.ts) || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0);

/** What a store holds after ingesting `path`, and the file's result. */
async function ingested(path: string, wrap: (s: Store) => Store): Promise<{ conn: ConnRecord[]; file: IngestFileResult; entry: unknown }> {
  const store = await openDuckDBStore(':memory:');
  try {
    const s = await ingestPaths(wrap(store), [path]);
    const file = s.files[0]!;
    const e = (await store.ingests())[0];
    const entry = e === undefined ? undefined : { records: e.records, bad_lines: e.bad_lines, first_ts: e.first_ts, last_ts: e.last_ts, format: e.format };
    return { conn: (await store.records('conn')).sort(byTsUid), file, entry };
  } finally {
    await store.close();
  }
}

/** The bulk path (through ingestPaths) gives exactly what the line reader gives. */
async function assertSameAsReader(path: string): Promise<void> {
  const bulk = await ingested(path, (s) => s);
  const reader = await ingested(path, readerOnly);
  assert.deepEqual(bulk.conn, reader.conn, 'stored rows');
  assert.deepEqual(bulk.entry, reader.entry, 'ingest entry');
  const pick = (f: IngestFileResult): unknown => ({ status: f.status, format: f.format, records: f.records, bad_lines: f.bad_lines, samples: f.bad_line_samples, reason: f.reason });
  assert.deepEqual(pick(bulk.file), pick(reader.file), 'file result');
}

test('bulk load equals the line reader: unset, empty, escapes, IPv6 and odd addresses, numbers, transports, bad lines', async () => {
  const p = logFile('conn.edge.log', FIELDS, edgeLines(FIELDS));
  assert.deepEqual(await bulkOutcome(p), { loaded: true }, 'the bulk path read it');
  await assertSameAsReader(p);
  const r = await ingested(p, (s) => s);
  assert.equal(r.file.bad_lines, 2);
  assert.deepEqual(r.file.bad_line_samples, [{ line: 20, reason: 'bad number in ts: "short"' }, { line: 21, reason: '24 fields where #fields declares 23' }]);
  const c = new Map(r.conn.map((x) => [x.uid, x]));
  assert.equal(c.get('CAB')?.service, 'a\tb', '\\x09 unescaped');
  assert.equal(c.get('C3')?.orig_h, '10.0.0.1');
  assert.equal(c.get('C3')?.resp_h, '192.0.2.7');
  assert.equal(c.get('C2')?.resp_h, '2001:db8::2');
  assert.equal(c.get('C4')?.conn_state, 'OTH');
  assert.equal(c.get('C5')?.community_id, '');
  assert.equal(c.get('C7')?.proto, 'unknown_transport');
  assert.equal(c.get('C10')?.orig_bytes, 12);
  assert.equal(c.get('C23')?.orig_p, 31, 'a number JavaScript reads and DuckDB does not: the line reader reads the line');
  assert.deepEqual([c.get('C24')?.duration, c.get('C24')?.orig_bytes], [Infinity, 5]);
  assert.match(c.get('C14')!.community_id, /^1:[A-Za-z0-9+/]{27}=$/);
});

test('bulk load equals the line reader on logs without community_id (computed in SQL for IPv4, by the reader otherwise) and on gzip', async () => {
  const fields = FIELDS.filter((f) => f !== 'community_id');
  const p = logFile('conn.nocid.log', fields, edgeLines(fields));
  assert.deepEqual(await bulkOutcome(p), { loaded: true });
  await assertSameAsReader(p);
  const g = logFile('conn.edge.log.gz', FIELDS, edgeLines(FIELDS), true);
  assert.deepEqual(await bulkOutcome(g), { loaded: true });
  await assertSameAsReader(g);
});

test('whatever the bulk load leaves to the line reader ends with the line reader\'s result', async () => {
  const ok = edgeLines(FIELDS).slice(0, 3);
  const row = (o: Row): string => FIELDS.map((f) => o[f] ?? '-').join('\t');
  const cases: [string, string[], RegExp, boolean?][] = [
    ['underscore', [...ok, row(base(30, { orig_bytes: '1_000' }))], /underscore in a number/],
    ['inf', [...ok, row(base(31, { duration: 'inf' }))], /needs the line reader/],
    ['missing uid', [...ok, row(base(32, { uid: '-' }))], /needs the line reader/],
    ['bad address', [...ok, row(base(33, { 'id.resp_h': '999.1.1.1' }))], /bad address in resp_h/],
    ['header mid-file', [...ok, '#fields\tts\tuid', ...ok], /header changes mid-file/],
    ['port out of range', [...ok, row(base(35, { 'id.orig_p': '4294967297' }))], /DuckDB: .*(Conversion|out of range)/i],
    ['CR', [...ok.map((l) => l + '\r')], /CR in the/],
    ['CR later', [...ok, ...ok.map((l) => l + '\r')], /CR in the text/],
    ['truncated gzip', [...ok, ...Array.from({ length: 300 }, (_, i) => row(base(100 + i)))], /gzip stream damaged/, true],
  ];
  for (const [name, lines, why, truncate] of cases) {
    let p = logFile(`conn.fb-${name.replaceAll(' ', '-')}.log${truncate ? '.gz' : ''}`, FIELDS, lines, truncate);
    if (truncate) {
      const full = gzipSync(header(FIELDS) + lines.join('\n') + '\n');
      p = join(dir, 'conn.fb-truncated.log.gz');
      writeFileSync(p, full.subarray(0, full.length - 40));
    }
    const o = await bulkOutcome(p);
    assert.equal(o.loaded, false, `${name} was loaded in bulk`);
    assert.match(o.reason!, why, name);
    await assertSameAsReader(p);
  }
  // A comment line with every field: a comment for the line reader, so the load stops when the
  // first field is text (with a number first, DuckDB rejects it and the reader calls it a comment).
  const uidFirst = ['uid', ...FIELDS.filter((f) => f !== 'uid')];
  const rowU = (o: Row): string => uidFirst.map((f) => o[f] ?? '-').join('\t');
  const hash = logFile('conn.fb-comment.log', uidFirst, [rowU(base(40)), '#' + rowU(base(41)), rowU(base(42))]);
  assert.match((await bulkOutcome(hash)).reason ?? '', /needs the line reader/);
  await assertSameAsReader(hash);
  const hashTs = logFile('conn.comment-ts.log', FIELDS, [row(base(43)), '#' + row(base(44)), row(base(45))]);
  assert.deepEqual(await bulkOutcome(hashTs), { loaded: true });
  await assertSameAsReader(hashTs);
  // Bytes that are not UTF-8 (DuckDB rejects the lines): the reader reads them from the file's
  // bytes, with its replacement characters, in a string field (a record) or a number (a bad line).
  const bin = join(dir, 'conn.latin1.log');
  writeFileSync(bin, Buffer.concat([Buffer.from(header(FIELDS) + ok.join('\n') + '\n'),
    Buffer.from(row(base(36, { service: 'caf\xe9' })) + '\n' + row(base(37, { orig_bytes: '1\xe9' })) + '\n', 'latin1')]));
  assert.deepEqual(await bulkOutcome(bin), { loaded: true });
  await assertSameAsReader(bin);
  const r = await ingested(bin, (st) => st);
  assert.equal(r.conn.find((x) => x.uid === 'C36')?.service, 'caf\ufffd');
  assert.deepEqual(r.file.bad_line_samples, [{ line: 13, reason: 'bad number in orig_bytes: "1\ufffd"' }]);
});

test('bulk ingest is idempotent by content: the same log again (renamed) is skipped', async () => {
  const p = logFile('conn.idem.log', FIELDS, edgeLines(FIELDS));
  const store = await openDuckDBStore(':memory:');
  try {
    const a = await ingestPaths(store, [p]);
    assert.equal(a.ingested, 1);
    const counts = await store.counts();
    const copy = join(dir, 'conn.idem-copy.log');
    writeFileSync(copy, header(FIELDS) + edgeLines(FIELDS).join('\n') + '\n#close\t2024-05-01-01-00-00\n');
    const b = await ingestPaths(store, [p, copy]);
    assert.deepEqual(b.files.map((f) => f.status), ['already_ingested', 'already_ingested']);
    assert.deepEqual(await store.counts(), counts);
  } finally {
    await store.close();
  }
});

test('the SQL Community ID of IPv4 flows equals the sensor\'s (TCP, UDP, ICMP request/reply and one-way)', async () => {
  const inst = await DuckDBInstance.create(':memory:');
  const conn = await inst.connect();
  try {
    const ip = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
    const flow = fc.record({
      a: ip, b: fc.oneof(ip, fc.constant('10.0.0.1')), proto: fc.constantFrom('tcp', 'udp', 'icmp'),
      sp: fc.oneof(fc.nat(65535), fc.nat(20)), dp: fc.oneof(fc.nat(65535), fc.nat(20)),
    });
    const flows = fc.sample(flow, { numRuns: Math.min(RUNS, 2000), seed: 42 });
    flows.push({ a: '10.0.0.1', b: '10.0.0.1', proto: 'tcp', sp: 5, dp: 5 }, { a: '10.0.0.1', b: '10.0.0.1', proto: 'icmp', sp: 8, dp: 0 });
    const values = flows.map((f) => `('${f.a}', '${f.b}', '${f.proto}', ${f.sp}.0, ${f.dp}.0)`).join(', ');
    const from = `SELECT * FROM (VALUES ${values}) AS t(a, b, p, sp, dp)`;
    const { query, expr } = communityIdSql(from, 'true', 'a', 'b', 'p', 'sp', 'dp');
    const rows = (await conn.runAndReadAll(`SELECT a, b, p, sp, dp, ${expr} AS cid FROM (${query})`)).getRowObjectsJS();
    assert.equal(rows.length, flows.length);
    for (const r of rows) {
      assert.equal(r.cid, textCommunityId(String(r.a), String(r.b), zeekProtoNumber(r.p as 'tcp'), Number(r.sp), Number(r.dp)), JSON.stringify(r));
    }
  } finally {
    conn.closeSync();
    inst.closeSync();
  }
});

test('DuckDB reads a number from a CSV field only as JavaScript does, but for `_` and `+-` (which the text check excludes)', async () => {
  const chars = ['0', '1', '5', '9', '.', 'e', 'E', '+', '-', ' ', '_', 'x', 'b', 'o', 'i', 'n', 'f', 'a', 'I', 'N', 'y', 't', '\u00a0', '\v', '#', ','];
  const junk = fc.array(fc.constantFrom(...chars), { minLength: 1, maxLength: 8 }).map((a) => a.join(''));
  const digits = (n: number): fc.Arbitrary<string> => fc.array(fc.constantFrom(...'0123456789'), { maxLength: n }).map((a) => a.join(''));
  const decimal = fc.tuple(fc.constantFrom('', '-', '+'), digits(19), fc.option(digits(20)), fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '-', '+'), digits(3))))
    .map(([sign, int, frac, exp]) => sign + int + (frac !== null ? '.' + frac : '') + (exp !== null ? exp.join('') : ''));
  const signs = fc.tuple(fc.constantFrom('', ' ', '+', '-', '+-', '-+', '++', '--'), digits(4).filter((d) => d.length > 0), fc.constantFrom('', '_0', '.5', ' '))
    .map((a) => a.join(''));
  const values = fc.sample(fc.oneof(junk, decimal, signs), { numRuns: RUNS * 30, seed: 7 }).filter((v) => v !== '-');
  const p = join(dir, 'numbers.tsv');
  writeFileSync(p, values.map((v, i) => `${i}\t${v}`).join('\n') + '\n');
  const inst = await DuckDBInstance.create(':memory:');
  const conn = await inst.connect();
  try {
    const rows = (await conn.runAndReadAll(`SELECT i, d FROM read_csv($p, delim = '\t', header = false, quote = '', escape = '', auto_detect = false,
      new_line = '\\n', nullstr = '-', store_rejects = true, columns = {'i': 'INTEGER', 'd': 'DOUBLE'})`, { p })).getRows();
    assert.ok(rows.length > values.length / 10, 'many values read');
    for (const [i, d] of rows) {
      const s = values[Number(i)]!;
      if (s.includes('_') || s.includes('+-') || !Number.isFinite(d as number)) continue;
      const js = +s;
      assert.ok(s.length > 0 && js === js && Object.is(js, d), `DuckDB reads ${JSON.stringify(s)} as ${String(d)}, JavaScript as ${js}`);
    }
  } finally {
    conn.closeSync();
    inst.closeSync();
  }
});

/** Child that ingests and reports progress as JSON lines (testing/bulk-child.ts). */
const CHILD = fileURLToPath(new URL('../testing/bulk-child.js', import.meta.url));
/** Lines of the conn log of the kill test (a bulk load long enough to be killed in). */
const KILL_LINES = 200_000;

test('kill -9 during a bulk load leaves nothing; running again stores everything once', { timeout: 60_000 }, async () => {
  const lines: string[] = [];
  for (let i = 0; i < KILL_LINES; i++) lines.push(FIELDS.map((f) => base(i, { 'id.orig_h': `10.1.${(i >> 8) & 255}.${i & 255}` })[f] ?? '-').join('\t'));
  const p = logFile('conn.kill.log', FIELDS, lines);
  const db = join(dir, 'kill.duckdb');
  const child = spawn(process.execPath, [CHILD, db, p], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '', killed = false, sawDone = false;
  child.stderr.on('data', (d: Buffer) => { err += String(d); });
  child.stdout.on('data', (d: Buffer) => {
    out += String(d);
    for (const line of out.split('\n').slice(0, -1)) {
      const m = JSON.parse(line) as { phase?: string; bytes?: number; total?: number; done?: boolean };
      if (m.done) sawDone = true;
      // The first read report comes as the load statement starts: the transaction is open.
      if (!killed && m.phase === 'read') {
        killed = true;
        child.kill('SIGKILL');
      }
    }
    out = out.slice(out.lastIndexOf('\n') + 1);
  });
  const [code, signal] = await new Promise<[number | null, string | null]>((res) => child.on('exit', (c, s) => res([c, s])));
  assert.equal(signal, 'SIGKILL', `the child was killed mid-ingest (exit ${code}, stderr: ${err})`);
  assert.equal(sawDone, false);

  let store = await openDuckDBStore(db);
  try {
    assert.deepEqual(await store.counts(), { conn: 0, dns: 0, tls: 0, http: 0, mining: 0, ssh: 0, weird: 0 }, 'no partial file');
    assert.deepEqual(await store.ingests(), []);
    const s = await ingestPaths(store, [p]);
    assert.equal(s.ingested, 1);
    assert.equal(s.records.conn, KILL_LINES);
  } finally {
    await store.close();
  }
  store = await openDuckDBStore(db);
  try {
    const again = await ingestPaths(store, [p]);
    assert.equal(again.already_ingested, 1);
    assert.equal((await store.counts()).conn, KILL_LINES);
    const dup = await store.connGroups({ resp_h: '203.0.113.1' }, 'orig_h', { limit: 5 });
    assert.ok(dup.length > 0 && dup.every((g) => g.conns === 1), 'no duplicate connection');
  } finally {
    await store.close();
  }
});
