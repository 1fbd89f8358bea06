/**
 * The DuckDB bulk load of Zeek dns logs against the line reader: the same stored rows, passive
 * DNS entries, bad lines (numbers and reasons) and ingest entries on logs full of edge cases
 * (sets, vectors of numbers, booleans, escapes, CNAME chains, names in any case and script);
 * what it leaves to the line reader still ends with the line reader's result.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { DuckDBInstance, LIST, VARCHAR, listValue } from '@duckdb/node-api';
import type { DnsRecord } from '../../records/schema.js';
import type { PdnsEntry } from '../../detect/dataset.js';
import { ingestPaths, type IngestFileResult } from '../ingest.js';
import type { Store } from '../store.js';
import { readerOnly } from '../testing/reader-only.js';
import { bulkOutcome } from '../testing/bulk-outcome.js';
import { openDuckDBStore } from './duckdb-store.js';
import { PLAIN_DECIMAL_PATTERN } from './zeek-bulk.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);
const dir = mkdtempSync(join(tmpdir(), 'c2hunt-bulk-dns-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const FIELDS = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'trans_id', 'rtt', 'query', 'qclass',
  'qclass_name', 'qtype', 'qtype_name', 'rcode', 'rcode_name', 'AA', 'TC', 'RD', 'RA', 'Z', 'answers', 'TTLs', 'rejected'];

function header(fields: readonly string[], setSep = ','): string {
  return `#separator \\x09\n#set_separator\t${setSep}\n#empty_field\t(empty)\n#unset_field\t-\n#path\tdns\n#open\t2024-05-01-00-00-00\n`
    + `#fields\t${fields.join('\t')}\n#types\t${fields.map(() => 'x').join('\t')}\n`;
}

type Row = Record<string, string>;
function base(i: number, extra: Row = {}): Row {
  return {
    ts: (1714521600 + i).toFixed(6), uid: `D${i}`, 'id.orig_h': `10.0.0.${i % 250}`, 'id.orig_p': String(50000 + i),
    'id.resp_h': '10.0.0.53', 'id.resp_p': '53', proto: 'udp', trans_id: String(i), rtt: '0.001000', query: `host${i}.example.com`,
    qclass: '1', qclass_name: 'C_INTERNET', qtype: '1', qtype_name: 'A', rcode: '0', rcode_name: 'NOERROR', AA: 'F', TC: 'F',
    RD: 'T', RA: 'T', Z: '0', answers: `203.0.113.${i % 200}`, TTLs: '300.000000', rejected: 'F', ...extra,
  };
}

/** Data lines full of edge cases the bulk load converts itself (and bad lines, a comment, a blank line). */
function edgeLines(fields: readonly string[]): string[] {
  const row = (o: Row): string => fields.map((f) => o[f] ?? '-').join('\t');
  return [
    row(base(1)),
    row(base(2, { query: 'WWW.Example.COM.', answers: 'cdn.Example.NET.,edge.example.net,198.51.100.7,2001:DB8::1', TTLs: '60.000000,30.5,300,7' })),
    row(base(3, { answers: '(empty)', TTLs: '(empty)' })),
    row(base(4, { answers: '-', TTLs: '-', rtt: '-', qclass: '-', qclass_name: '-', qtype: '-', qtype_name: '-', rcode: '-', rcode_name: '-' })),
    row(base(5, { AA: '-', TC: 'T', RD: '-', RA: 'F', Z: '-', rejected: '-', trans_id: '-', proto: '-' })),
    row(base(6, { query: 'a\\x2cb.example', answers: 'TXT\\x2cv=spf1 -all,x\\x5cy.example,192.0.2.1' })),
    row(base(7, { query: 'B\u00dcCHER.Example.', answers: '\u0130stanbul.example,192.0.2.2' })),
    row(base(8, { answers: 'a.example,,192.0.2.3,', TTLs: '1,2,3,4' })),
    row(base(9, { query: '', answers: '192.0.2.4' })),
    row(base(10, { query: '-', answers: '192.0.2.5' })),
    row(base(11, { query: 'dup.example', answers: 'dup.example,192.0.2.6,dup.example,192.0.2.6' })),
    row(base(12, { query: 'dup.example', answers: '192.0.2.6' })),
    row(base(13, { answers: '1.2.3.4,-,999.1.1.1,abcd::,::ffff:1.2.3.4,not:an:addr:g' })),
    row(base(14, { 'id.orig_h': '2001:db8::1', 'id.resp_h': '2001:db8:0:0:0:0:0:35', proto: 'tcp' })),
    row(base(15, { 'id.orig_h': '010.000.000.001', qclass: '1.0', trans_id: '65535.9', rtt: '1e-3' })),
    'short\tline',
    row(base(16)) + '\textra',
    '#close\t2024-05-01-01-00-00',
    '',
    row(base(17, { rtt: 'abc' })),
    row(base(18, { rtt: '' })),
    row(base(19, { query: 'caf\u00e9.example', answers: 'caf\u00e9.example,192.0.2.9', TTLs: '-0,0.0,-5.25' })),
    row(base(20, { proto: 'sctp', uid: 'D\\x41' })),
    row(base(21, { trans_id: '0x1F' })),
  ];
}

function logFile(name: string, fields: readonly string[], lines: readonly string[], opts: { gzip?: boolean; setSep?: string } = {}): string {
  const p = join(dir, name);
  const text = header(fields, opts.setSep) + lines.join('\n') + '\n#close\t2024-05-01-01-00-00\n';
  writeFileSync(p, opts.gzip === true ? gzipSync(text) : text);
  return p;
}

const byTsUid = (a: DnsRecord, b: DnsRecord): number => (a.ts - b.ts) || (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0);
const byPair = (a: PdnsEntry, b: PdnsEntry): number => (a.fqdn < b.fqdn ? -1 : a.fqdn > b.fqdn ? 1 : a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0);

/** What a store holds after ingesting `paths`, and the files' results. */
async function ingested(paths: string[], wrap: (s: Store) => Store): Promise<{ dns: DnsRecord[]; pdns: PdnsEntry[]; files: IngestFileResult[]; entries: unknown[] }> {
  const store = await openDuckDBStore(':memory:');
  try {
    const s = await ingestPaths(wrap(store), paths);
    const entries = (await store.ingests()).map((e) => ({ records: e.records, bad_lines: e.bad_lines, first_ts: e.first_ts, last_ts: e.last_ts, format: e.format }));
    const dns = (await store.records('dns')).sort(byTsUid);
    const ips = [...new Set(dns.flatMap((d) => d.answers))];
    return { dns, pdns: (await store.pdnsForIps(ips)).sort(byPair), files: s.files, entries };
  } finally {
    await store.close();
  }
}

/** The bulk path (through ingestPaths) gives exactly what the line reader gives, passive DNS included. */
async function assertSameAsReader(paths: string[]): Promise<void> {
  const bulk = await ingested(paths, (s) => s);
  const reader = await ingested(paths, readerOnly);
  assert.deepEqual(bulk.dns, reader.dns, 'stored rows');
  assert.deepEqual(bulk.pdns, reader.pdns, 'passive DNS');
  assert.deepEqual(bulk.entries, reader.entries, 'ingest entries');
  const pick = (f: IngestFileResult): unknown => ({ status: f.status, format: f.format, records: f.records, bad_lines: f.bad_lines, samples: f.bad_line_samples, reason: f.reason });
  assert.deepEqual(bulk.files.map(pick), reader.files.map(pick), 'file results');
}

test('dns bulk load equals the line reader: sets, vectors, booleans, escapes, CNAME chains, name case, bad lines, passive DNS', async () => {
  const p = logFile('dns.edge.log', FIELDS, edgeLines(FIELDS));
  assert.deepEqual(await bulkOutcome(p), { loaded: true }, 'the bulk path read it');
  await assertSameAsReader([p]);
  const r = await ingested([p], (s) => s);
  assert.equal(r.files[0]!.bad_lines, 4);
  assert.deepEqual(r.files[0]!.bad_line_samples.map((b) => b.line), [24, 25, 28, 29]);
  const d = new Map(r.dns.map((x) => [x.uid, x]));
  assert.deepEqual(d.get('D2')?.answers, ['cdn.Example.NET.', 'edge.example.net', '198.51.100.7', '2001:DB8::1']);
  assert.deepEqual(d.get('D2')?.TTLs, [60, 30.5, 300, 7]);
  assert.deepEqual([d.get('D3')?.answers, d.get('D4')?.answers, d.get('D4')?.rtt, d.get('D4')?.qtype], [[], [], undefined, undefined]);
  assert.deepEqual([d.get('D5')?.AA, d.get('D5')?.TC, d.get('D5')?.Z, d.get('D5')?.proto, d.get('D5')?.trans_id], [false, true, 0, 'unknown_transport', 0]);
  assert.deepEqual(d.get('D6')?.answers, ['TXT,v=spf1 -all', 'x\\y.example', '192.0.2.1']);
  assert.equal(d.get('DA')?.proto, 'unknown_transport');
  assert.equal(d.get('D21')?.trans_id, 31, 'a number JavaScript reads and DuckDB does not: the line reader reads the line');
  const pd = new Map(r.pdns.map((e) => [`${e.fqdn} ${e.ip}`, e]));
  assert.ok(pd.has('www.example.com 198.51.100.7') && pd.has('cdn.example.net. 2001:DB8::1') === false && pd.has('cdn.example.net 2001:DB8::1'));
  assert.equal(pd.get('dup.example 192.0.2.6')?.count, 6, 'a name twice before an address counts twice (2 + 3 + 1)');
  assert.equal(pd.get('dup.example 192.0.2.6')?.first, 1714521611);
  assert.equal(pd.get('dup.example 192.0.2.6')?.last, 1714521612);
  assert.ok(pd.has('b\u00fccher.example 192.0.2.2') && pd.has('i\u0307stanbul.example 192.0.2.2'), 'names outside ASCII lower-cased as JavaScript does');
  assert.ok(pd.has('caf\u00e9.example 192.0.2.9'));
  assert.ok(!r.pdns.some((e) => e.ip === '192.0.2.4' || e.ip === '192.0.2.5'), 'no passive DNS without a query');
  assert.ok(pd.has('host13.example.com 999.1.1.1') && pd.has('host13.example.com abcd::') && !pd.has('host13.example.com -'));
});

test('dns bulk load equals the line reader on gzip, another set separator, fields missing, and across files', async () => {
  const g = logFile('dns.edge.log.gz', FIELDS, edgeLines(FIELDS), { gzip: true });
  assert.deepEqual(await bulkOutcome(g), { loaded: true });
  await assertSameAsReader([g]);
  const bar = logFile('dns.bar.log', FIELDS, edgeLines(FIELDS).map((l) => l.replaceAll(',', '|')), { setSep: '|' });
  assert.deepEqual(await bulkOutcome(bar), { loaded: true });
  await assertSameAsReader([bar]);
  const few = FIELDS.filter((f) => !['AA', 'Z', 'answers', 'TTLs', 'query', 'rtt', 'proto', 'trans_id'].includes(f));
  const f = logFile('dns.few.log', few, edgeLines(few));
  assert.deepEqual(await bulkOutcome(f), { loaded: true });
  await assertSameAsReader([f]);
  // Two files sharing (name, address) pairs: merged into the history by the second commit.
  const second = logFile('dns.second.log', FIELDS, edgeLines(FIELDS).map((l) => l.replace(/^1714521/, '1714531')));
  await assertSameAsReader([logFile('dns.first.log', FIELDS, edgeLines(FIELDS)), second]);
});

test('whatever the dns bulk load leaves to the line reader ends with the line reader\'s result', async () => {
  const ok = edgeLines(FIELDS).slice(0, 3);
  const row = (o: Row): string => FIELDS.map((fl) => o[fl] ?? '-').join('\t');
  const cases: [string, string[], RegExp][] = [
    ['bad bool', [...ok, row(base(30, { AA: 'true' }))], /bad bool in AA/],
    ['ttl exponent', [...ok, row(base(31, { TTLs: '1e3' }))], /needs the line reader/],
    ['ttl empty element', [...ok, row(base(32, { TTLs: '1,,2' }))], /needs the line reader/],
    ['ttl plus', [...ok, row(base(33, { TTLs: '+5' }))], /needs the line reader/],
    ['trans_id out of range', [...ok, row(base(34, { trans_id: '4294967297' }))], /DuckDB: .*(Conversion|out of range)/i],
    ['missing uid', [...ok, row(base(35, { uid: '-' }))], /needs the line reader/],
  ];
  for (const [name, lines, why] of cases) {
    const p = logFile(`dns.fb-${name.replaceAll(' ', '-')}.log`, FIELDS, lines);
    const o = await bulkOutcome(p);
    assert.equal(o.loaded, false, `${name} was loaded in bulk`);
    assert.match(o.reason!, why, name);
    await assertSameAsReader([p]);
  }
  // Bytes that are not UTF-8 (DuckDB rejects the lines): the reader reads them, passive DNS included.
  const bin = join(dir, 'dns.latin1.log');
  writeFileSync(bin, Buffer.concat([Buffer.from(header(FIELDS) + ok.join('\n') + '\n'),
    Buffer.from(row(base(36, { query: 'caf\xe9.example', answers: 'caf\xe9.example,192.0.2.36' })) + '\n', 'latin1')]));
  assert.deepEqual(await bulkOutcome(bin), { loaded: true });
  await assertSameAsReader([bin]);
  const r = await ingested([bin], (st) => st);
  assert.ok(r.pdns.some((e) => e.fqdn === 'caf\ufffd.example' && e.ip === '192.0.2.36'));
});

test('DuckDB casts a plain decimal to the double JavaScript reads', async () => {
  const re = new RegExp(`^${PLAIN_DECIMAL_PATTERN}$`);
  const digits = (min: number, max: number): fc.Arbitrary<string> =>
    fc.array(fc.constantFrom(...'0123456789'), { minLength: min, maxLength: max }).map((a) => a.join(''));
  const dec = fc.tuple(fc.constantFrom('', '-'), digits(1, 25), fc.option(digits(1, 25))).map(([s, i, f]) => s + i + (f !== null ? '.' + f : ''));
  const values = [...fc.sample(dec, { numRuns: RUNS * 10, seed: 11 }), '-0', '0.0', '-0.0', '9007199254740993', '0.1', '179769313486231570000000000000000000000'];
  for (const v of values) assert.ok(re.test(v), v);
  const inst = await DuckDBInstance.create(':memory:');
  const conn = await inst.connect();
  try {
    const rows = (await conn.runAndReadAll('SELECT i, CAST(v AS DOUBLE) AS d FROM (SELECT unnest(range(len($v))) AS i, unnest($v) AS v)',
      { v: listValue(values) }, { v: LIST(VARCHAR) })).getRows();
    assert.equal(rows.length, values.length);
    for (const [i, d] of rows) assert.ok(Object.is(d, Number(values[Number(i)])), `${values[Number(i)]}: DuckDB ${String(d)}, JavaScript ${Number(values[Number(i)])}`);
  } finally {
    conn.closeSync();
    inst.closeSync();
  }
});

test('gzip logs inflated ahead while the file before loads: same result as the line reader, damaged streams included, no copies left', async () => {
  const files = [
    logFile('dns.ahead-1.log.gz', FIELDS, edgeLines(FIELDS), { gzip: true }),
    logFile('dns.ahead-2.log.gz', FIELDS, edgeLines(FIELDS).map((l) => l.replace(/^1714521/, '1714541')), { gzip: true }),
  ];
  const full = gzipSync(header(FIELDS) + edgeLines(FIELDS).map((l) => l.replace(/^1714521/, '1714551')).join('\n') + '\n');
  const cut = join(dir, 'dns.ahead-3-truncated.log.gz');
  writeFileSync(cut, full.subarray(0, full.length - 40));
  files.push(cut, logFile('dns.ahead-4.log.gz', FIELDS, edgeLines(FIELDS).map((l) => l.replace(/^1714521/, '1714561')), { gzip: true }));
  const prepared: string[] = [];
  const counting = (s: Store): Store => new Proxy(s, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'prepareZeekTsv') {
        return async (plan: { file: string }) => { prepared.push(plan.file); return (v as (p: unknown) => Promise<unknown>).call(target, plan); };
      }
      return typeof v === 'function' ? (v as (...x: unknown[]) => unknown).bind(target) : v;
    },
  });
  const copies = (): string[] => readdirSync(tmpdir()).filter((f) => f.startsWith(`.c2hunt-bulk-${process.pid}-`));
  const before = copies().length;
  const bulk = await ingested(files, counting);
  assert.deepEqual(prepared, files.slice(1), 'every file after the first inflated ahead');
  assert.equal(copies().length, before, 'no decompressed copy left behind');
  const reader = await ingested(files, readerOnly);
  assert.deepEqual(bulk.dns, reader.dns);
  assert.deepEqual(bulk.pdns, reader.pdns);
  assert.deepEqual(bulk.entries, reader.entries);
  assert.deepEqual(bulk.files.map((f) => [f.status, f.records, f.bad_lines, f.reason]), reader.files.map((f) => [f.status, f.records, f.bad_lines, f.reason]));
  // Already stored: nothing is inflated again.
  const store = await openDuckDBStore(':memory:');
  try {
    await ingestPaths(store, files.slice(0, 2));
    prepared.length = 0;
    const again = await ingestPaths(counting(store), files.slice(0, 2));
    assert.deepEqual(again.files.map((f) => f.status), ['already_ingested', 'already_ingested']);
    assert.deepEqual(prepared, []);
  } finally {
    await store.close();
  }
});
