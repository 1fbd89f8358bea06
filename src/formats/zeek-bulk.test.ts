/**
 * The bulk plan of Zeek TSV logs: header reading shared with the line reader, eligibility, the
 * pre-pass over the text (CR, underscores in numbers, gzip), the line verdicts, and the value
 * rules a loader copies (canonical IPv4 pattern, conn defaults).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { MemorySink } from '../records/writers.js';
import { readLogFile } from './index.js';
import { canonicalAddr } from './values.js';
import { CONN_DEFAULTS, DNS_DEFAULTS } from './zeek-fields.js';
import { CANONICAL_IPV4_PATTERN, judgeZeekTsvLine, planZeekTsvBulk, prepareZeekTsvBulkInput, type ZeekTsvBulkPlan } from './zeek-bulk.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);
const dir = mkdtempSync(join(tmpdir(), 'c2hunt-zeek-bulk-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const FIELDS = ['ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'proto', 'service', 'duration', 'orig_bytes',
  'resp_bytes', 'conn_state', 'local_orig', 'missed_bytes', 'history', 'orig_pkts', 'orig_ip_bytes', 'resp_pkts', 'resp_ip_bytes'];
const HEAD = `#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n#open\t2024-05-01-00-00-00\n`
  + `#fields\t${FIELDS.join('\t')}\n#types\t${FIELDS.map(() => 'x').join('\t')}\n`;
const LINE = '1714521600.5\tC1\t10.0.0.1\t40000\t203.0.113.9\t443\ttcp\tdce_rpc\t1.5\t100\t200\tSF\tT\t0\tShADadFf\t3\t300\t4\t400';

function file(name: string, text: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function plan(p: string): Promise<ZeekTsvBulkPlan> {
  const r = await planZeekTsvBulk(p);
  if ('ineligible' in r) throw new Error(`ineligible: ${r.ineligible}`);
  return r;
}

test('plan: separators, fields by record property, lines to skip (blank lines count), gzip', async () => {
  const p = await plan(file('conn.log', HEAD + '\n' + LINE + '\n'));
  assert.equal(p.logPath, 'conn');
  assert.equal(p.kind, 'conn');
  assert.equal(p.interim, false);
  assert.equal(p.gzip, false);
  assert.equal(p.skipLines, 9);
  assert.deepEqual(p.h, { sep: '\t', setSep: ',', empty: '(empty)', unset: '-' });
  assert.deepEqual(p.fields.get('orig_h'), { index: 2, name: 'id.orig_h', conv: 3 });
  assert.equal(p.fields.get('local_orig'), undefined, 'fields c2hunt does not read are not mapped');
  const g = await plan(file('conn.gz.log', gzipSync(HEAD + LINE + '\n')));
  assert.equal(g.gzip, true);
  assert.equal(g.skipLines, 8);
  const o = await plan(file('open_conn.log', HEAD + LINE + '\n'));
  assert.deepEqual([o.logPath, o.interim], ['open_conn', true], 'named open_conn: interim records, as the line reader reads them');
});

test('plan: files the line reader must read are ineligible, with the reason', async () => {
  const cases: [string, string | Buffer, RegExp][] = [
    ['conn.json.log', '{"ts":1,"uid":"C","id.orig_h":"10.0.0.1"}\n', /not a Zeek TSV/],
    ['conn.crlf.log', HEAD.replaceAll('\n', '\r\n') + LINE + '\r\n', /CR/],
    ['conn.pipe2.log', HEAD.replace('#separator \\x09', '#separator ||').replaceAll('\t', '||') + LINE.replaceAll('\t', '||') + '\n', /one ASCII character/],
    ['conn.nofields.log', '#separator \\x09\n#path\tconn\n' + LINE + '\n', /no #fields|not a Zeek TSV/],
    ['files.log', HEAD.replace('#path\tconn', '#path\tfiles') + LINE + '\n', /not read|not a Zeek TSV/],
    ['conn.nodata.log', HEAD + '#close\tx', /newline/],
  ];
  for (const [name, text, why] of cases) {
    const r = await planZeekTsvBulk(file(name, text));
    assert.ok('ineligible' in r, name);
    assert.match(r.ineligible, why, name);
  }
  const empty = await plan(file('conn.empty.log', HEAD + '#close\t2024\n'));
  assert.equal(empty.skipLines, 9, 'a log with no data line is planned: nothing to load');
});

test('prepare: underscores in numeric fields and CR are found across chunk boundaries; in strings they are fine', async () => {
  const good = HEAD + Array.from({ length: 200 }, (_, i) => LINE.replace('C1', `C${i}`)).join('\n') + '\n';
  const bad = good.replace('C137\t10.0.0.1\t40000', 'C137\t10.0.0.1\t40_000');
  const cr = good.replace('C99\t', 'C9\r9\t');
  for (const chunk of [7, 64, 1000, 1 << 20]) {
    const pg = await plan(file('conn.good.log', good));
    const r = await prepareZeekTsvBulkInput(pg, dir, { chunkBytes: chunk });
    assert.ok(!('ineligible' in r), `chunk ${chunk}: ${JSON.stringify(r)}`);
    assert.equal(r.path, pg.file, 'a plain file is read where it is');
    const rb = await prepareZeekTsvBulkInput(await plan(file('conn.bad.log', bad)), dir, { chunkBytes: chunk });
    assert.deepEqual(rb, { ineligible: 'underscore in a number' }, `chunk ${chunk}`);
    const rc = await prepareZeekTsvBulkInput(await plan(file('conn.cr.log', cr)), dir, { chunkBytes: chunk });
    assert.deepEqual(rc, { ineligible: 'CR in the text' }, `chunk ${chunk}`);
  }
  const pm = await prepareZeekTsvBulkInput(await plan(file('conn.pm.log', good.replace('C150\t10.0.0.1\t40000\t203.0.113.9\t443', 'C150\t10.0.0.1\t40000\t203.0.113.9\t+-443'))), dir, { chunkBytes: 100 });
  assert.deepEqual(pm, { ineligible: 'plus-minus in a number' }, 'DuckDB reads +-443 as -443, JavaScript not at all');
  const plusOk = await prepareZeekTsvBulkInput(await plan(file('conn.plus.log', good.replace('\t100\t', '\t+100\t').replace('dce_rpc', 'a+-b'))), dir, { chunkBytes: 100 });
  assert.ok(!('ineligible' in plusOk), 'a plus sign alone, and +- in a string, read the same');
  // The last line without its newline is checked too.
  const last = await prepareZeekTsvBulkInput(await plan(file('conn.last.log', HEAD + LINE + '\n' + LINE.replace('\t100\t', '\t1_0\t'))), dir, { chunkBytes: 64 });
  assert.deepEqual(last, { ineligible: 'underscore in a number' });
});

test('prepare: gzip is decompressed to a temporary file (removed by cleanup); a truncated stream is ineligible', async () => {
  const text = HEAD + LINE + '\n' + LINE.replace('C1', 'C2') + '\n';
  // Two gzip members, as `cat a.gz b.gz` makes: read as one text, as the line reader does.
  const p = await plan(file('conn.multi.log.gz', Buffer.concat([gzipSync(HEAD + LINE + '\n'), gzipSync(LINE.replace('C1', 'C2') + '\n')])));
  const r = await prepareZeekTsvBulkInput(p, dir);
  assert.ok(!('ineligible' in r));
  assert.notEqual(r.path, p.file);
  assert.equal(readFileSync(r.path, 'utf8'), text);
  await r.cleanup();
  assert.equal(existsSync(r.path), false);
  const whole = gzipSync(text + LINE.repeat(200));
  const t = await plan(file('conn.trunc.log.gz', whole.subarray(0, whole.length - 20)));
  const rt = await prepareZeekTsvBulkInput(t, dir);
  assert.ok('ineligible' in rt);
  assert.match(rt.ineligible, /gzip stream damaged/);
});

test('judge: the line reader\'s verdict on single lines (bad with its reason, header effects, records)', async () => {
  const p = await plan(file('conn.judge.log', HEAD + LINE + '\n'));
  assert.deepEqual(judgeZeekTsvLine(p, 'short\tline'), { kind: 'bad', reason: 'bad number in ts: "short"' });
  assert.deepEqual(judgeZeekTsvLine(p, LINE + '\textra'), { kind: 'bad', reason: '20 fields where #fields declares 19' });
  assert.deepEqual(judgeZeekTsvLine(p, '#close\t2024'), { kind: 'header', effect: 'ignored' });
  assert.deepEqual(judgeZeekTsvLine(p, '#fields\tts\tuid'), { kind: 'header', effect: 'changed' });
  assert.deepEqual(judgeZeekTsvLine(p, '#separator \\x09'), { kind: 'header', effect: 'restart' });
  assert.deepEqual(judgeZeekTsvLine(p, ''), { kind: 'blank' });
  const v = judgeZeekTsvLine(p, LINE.replace('\t100\t', '\t0x10\t'));
  assert.equal(v.kind, 'record', 'JavaScript reads 0x10 as a number (DuckDB does not: such a line goes back to the reader)');
  // The same verdicts as reading the file.
  const sink = new MemorySink();
  const r = await readLogFile(file('conn.judge2.log', HEAD + LINE.replace('\t100\t', '\t0x10\t') + '\nshort\tline\n'), sink);
  assert.equal(sink.records.conn[0]!.orig_bytes, 16);
  assert.deepEqual(r.badLines, [{ line: 10, reason: 'bad number in ts: "short"' }]);
});

test('CANONICAL_IPV4_PATTERN matches exactly the texts canonicalAddr keeps as they are, among dotted quads', () => {
  const re = new RegExp(`^(?:${CANONICAL_IPV4_PATTERN})$`);
  const part = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.stringMatching(/^0[0-9]{1,2}$/), fc.constantFrom('', 'a', '-1'));
  fc.assert(fc.property(fc.array(part, { minLength: 3, maxLength: 5 }), (parts) => {
    const s = parts.join('.');
    assert.equal(re.test(s), canonicalAddr(s) === s && !s.includes(':'), s);
  }), { numRuns: RUNS });
  for (const s of ['::ffff:1.2.3.4', '1.2.3.4 ', '', '2001:db8::1']) assert.equal(re.test(s), false, s);
});

test('CONN_DEFAULTS are what the line reader gives a conn line with only the flow fields', async () => {
  const sink = new MemorySink();
  await readLogFile(file('conn.min.log', '#separator \\x09\n#path\tconn\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\n'
    + '1.5\tC1\t10.0.0.1\t1\t10.0.0.2\t2\n'), sink);
  const { ts, uid, orig_h, orig_p, resp_h, resp_p, proto, community_id, ...rest } = sink.records.conn[0]!;
  assert.deepEqual([ts, uid, orig_h, orig_p, resp_h, resp_p, proto], [1.5, 'C1', '10.0.0.1', 1, '10.0.0.2', 2, 'unknown_transport']);
  assert.equal(community_id, '', 'no Community ID without a transport');
  assert.deepEqual(rest, { ...CONN_DEFAULTS });
});

test('DNS_DEFAULTS are what the line reader gives a dns line with only the flow fields', async () => {
  const sink = new MemorySink();
  await readLogFile(file('dns.min.log', '#separator \\x09\n#path\tdns\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\n'
    + '1.5\tD1\t10.0.0.1\t1\t10.0.0.2\t53\n'), sink);
  const { ts, uid, orig_h, orig_p, resp_h, resp_p, proto, answers, TTLs, ...rest } = sink.records.dns[0]!;
  assert.deepEqual([ts, uid, orig_h, orig_p, resp_h, resp_p, proto, answers, TTLs], [1.5, 'D1', '10.0.0.1', 1, '10.0.0.2', 53, 'unknown_transport', [], []]);
  assert.deepEqual(rest, { ...DNS_DEFAULTS });
});
