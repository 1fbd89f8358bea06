/**
 * Real captures from ../shared/data (or $C2HUNT_DATA): DNS payloads extracted with tshark are
 * parsed by `parseDnsMessage` (UDP) or fed through `dnsAnalyzer` (TCP streams), and the ids,
 * query names and answers (A, AAAA, CNAME, NS, PTR, MX, SOA, SRV, TXT, NULL) are compared with
 * tshark's dissection; every real message must pass the probe. Skips when the data or tshark is
 * absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import type { FlowId } from '../../../records/schema.js';
import { dnsAnalyzer } from './analyzer.js';
import { type DnsMessage, isDnsMessage, parseDnsMessage } from './message.js';
import { FakeContext } from './fake-context.js';
import { DATA_DIR } from '../../../testing/data.js';

const run = promisify(execFile);
const DATA = DATA_DIR;
const PARSERS = path.join(DATA, 'parsers');
const HAVE_TSHARK = spawnSync('tshark', ['-v'], { stdio: 'ignore' }).status === 0;
const SKIP = !existsSync(PARSERS) ? `shared data absent (${PARSERS})` : !HAVE_TSHARK ? 'tshark absent' : false;

/** Captures with DNS, relative to parsers/. */
function captures(): string[] {
  const sanders = path.join(PARSERS, 'chrissanders-packets');
  const list = [
    'ndpi-tests/pcap/dns.pcap', 'ndpi-tests/pcap/dns-tunnel-iodine.pcap', 'ndpi-tests/pcap/dns_exfiltration.pcap',
    'malcolm-protocols/DNS.pcap', 'chrissanders-packets/ppa1e/dns.cap',
  ];
  if (existsSync(sanders)) for (const f of readdirSync(sanders)) if (/^dns/.test(f)) list.push(`chrissanders-packets/${f}`);
  return list.filter((f) => existsSync(path.join(PARSERS, f)));
}

const FIELDS = ['dns.qry.name', 'dns.a', 'dns.aaaa', 'dns.cname', 'dns.id', 'dns.flags.response', 'dns.ns', 'dns.ptr.domain_name',
  'dns.mx.mail_exchange', 'dns.soa.mname', 'dns.srv.target', 'dns.txt', 'dns.null'];
/** tshark joins repeated fields with this (names and TXT strings may hold commas). */
const AGG = '\x1f';

/** tshark fields, one array of columns per packet (multiple occurrences joined by AGG). */
async function tshark(file: string, filter: string, fields: string[]): Promise<string[][]> {
  const args = ['-n', '-r', file, '-Y', filter, '-T', 'fields', '-E', 'occurrence=a', '-E', `aggregator=${AGG}`, ...fields.flatMap((f) => ['-e', f])];
  const { stdout } = await run('tshark', args, { encoding: 'utf8', maxBuffer: 256 << 20 });
  return stdout.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
}

const list = (s: string | undefined) => (s === undefined || s === '' ? [] : s.split(AGG));
/** Names with nothing to escape. */
const plain = (n: string) => /^[A-Za-z0-9_.-]*$/.test(n);
/**
 * A name reduced to what tshark and we print alike: our escapes undone to raw bytes; tshark
 * prints raw bytes as UTF-8 with invalid sequences replaced (iodine sends high-bit bytes), with
 * its own replacement policy, so every run of non-ASCII characters becomes one `?` on both sides.
 */
function skeleton(n: string, ours: boolean): string {
  const raw = ours ? n.replace(/\\(\d{3}|.)/g, (_, x: string) => (x.length === 3 ? String.fromCharCode(Number(x)) : x)) : n;
  return raw.replace(/[^\x00-\x7f]+/g, '?');
}

interface Tally { answers: number; messages: number; compared: number; escaped: number; probeMisses: number; malformed: number; malformedWeird: number }

/** Control characters as tshark shows them in strings (C escapes). */
function cEscape(s: string): string {
  const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '\f': '\\f', '\x07': '\\a', '\b': '\\b' };
  return s.replace(/[\x00-\x1f\x7f]/g, (c) => named[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** The character-strings of our TXT rendering (`TXT <len> <text>` ...), escapes undone. */
function txtStrings(r: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < r.length) {
    const m = /^TXT (\d+) /.exec(r.slice(i));
    if (m === null) return [...out, `<unparsed ${r.slice(i)}>`];
    i += m[0].length;
    let s = '';
    for (let need = Number(m[1]); need > 0 && i < r.length; need--) {
      if (r[i] === '\\' && /\d/.test(r[i + 1] ?? '')) { s += String.fromCharCode(Number(r.slice(i + 1, i + 4))); i += 4; }
      else if (r[i] === '\\') { s += r[i + 1]; i += 2; }
      else { s += r[i]; i++; }
    }
    out.push(s);
    i++; // the space before the next string
  }
  return out;
}

/**
 * Compares our message with tshark's columns (FIELDS order). tshark lists the records of every
 * section; ours are the answer section only, so ours must be a prefix of tshark's list, and equal
 * to it when the other sections are empty.
 */
function compare(m: DnsMessage, cols: string[], where: string, t: Tally): void {
  const names = list(cols[0]).map((n) => (n === '<Root>' ? '' : n));
  assert.deepEqual(m.questions.map((q) => skeleton(q.name, true)), names.map((n) => skeleton(n, false)), `${where}: question names`);
  if (!m.questions.every((q) => plain(q.name))) t.escaped++;
  const exact = m.nscount === 0 && m.arcount === 0 && m.answers.length === m.ancount;
  const check = (what: string, mine: string[], theirs: string[]) => {
    t.answers += mine.length;
    if (exact) assert.deepEqual(mine, theirs, `${where}: ${what} answers`);
    else assert.deepEqual(mine, theirs.slice(0, mine.length), `${where}: ${what} answers (prefix)`);
  };
  const ours = (type: number) => m.answers.filter((a) => a.type === type).map((a) => a.rdata);
  const nameOf = (n: string) => skeleton(n === '<root>' ? '' : n, true);
  const theirName = (n: string) => skeleton(n === '<Root>' ? '' : n, false);
  check('A', ours(1), list(cols[1]));
  check('AAAA', ours(28), list(cols[2]));
  for (const [type, col, what] of [[5, 3, 'CNAME'], [2, 6, 'NS'], [12, 7, 'PTR'], [15, 8, 'MX'], [6, 9, 'SOA'], [33, 10, 'SRV']] as const) {
    check(what, ours(type).map(nameOf), list(cols[col]).map(theirName));
  }
  check('TXT', ours(16).flatMap(txtStrings).map((x) => skeleton(cEscape(x), false)), list(cols[11]).map((x) => skeleton(x, false)));
  // NULL: our hex is cut at NULL_RDATA_HEX_BYTES; compare that much.
  const nulls = ours(10).map((r) => /^\\# \d+ ([0-9a-f]*)/.exec(r)?.[1] ?? r);
  check('NULL', nulls, list(cols[12]).map((h, i) => h.replace(/:/g, '').slice(0, nulls[i]?.length ?? 0)));
  t.compared++;
}

/** tshark's columns for every DNS packet and every TCP segment on port 53, per capture. */
const COLS = ['frame.number', '_ws.malformed', 'udp.payload', 'tcp.stream', 'ip.src', 'ipv6.src', 'tcp.srcport', 'tcp.dstport',
  'frame.time_epoch', 'tcp.payload', 'dns', ...FIELDS];
const C = Object.fromEntries(COLS.map((c, i) => [c, i])) as Record<string, number>;

/** Every capture's rows; the tshark runs (most of this file's time) start together. */
let allRows: Promise<Map<string, string[][]>> | null = null;
function rowsOfAll(): Promise<Map<string, string[][]>> {
  allRows ??= Promise.all(captures().map(async (f) =>
    [f, await tshark(path.join(PARSERS, f), '(dns && !icmp && !icmpv6) || (tcp.len > 0 && tcp.port == 53)', COLS)] as const,
  )).then((pairs) => new Map(pairs));
  return allRows;
}

const dnsCols = (row: string[]) => row.slice(C['dns.qry.name']);
const isResponse = (row: string[]) => row[C['dns.flags.response']!] === '1' || row[C['dns.flags.response']!] === 'True';

test('real captures, UDP: parseDnsMessage agrees with tshark', { skip: SKIP }, async (t) => {
  const tally: Tally = { answers: 0, messages: 0, compared: 0, escaped: 0, probeMisses: 0, malformed: 0, malformedWeird: 0 };
  const all = await rowsOfAll();
  const files = [...all.keys()];
  assert.ok(files.length > 0, 'no DNS captures found');
  const id: FlowId = { orig_h: '', orig_p: 1, resp_h: '', resp_p: 2 }; // no port hint
  for (const f of files) {
    for (const row of all.get(f)!) {
      const hex = row[C['udp.payload']!]!;
      if (hex === '' || row[C['dns']!] === '') continue;
      const where = `${f} frame ${row[0]}`;
      const bytes = Buffer.from(hex, 'hex');
      const r = parseDnsMessage(bytes);
      if (row[C['_ws.malformed']!] !== '') {
        // Fuzzed messages (malcolm DNS.pcap holds about a thousand): only "never throws" applies.
        tally.malformed++;
        if (!isDnsMessage(r) || r.weirds.length > 0) tally.malformedWeird++;
        continue;
      }
      if (!isDnsMessage(r)) assert.fail(`${where}: ${r.weird} ${r.addl}`);
      const cols = dnsCols(row);
      assert.equal(r.id, Number(cols[4]), `${where}: id`);
      assert.equal(r.qr, isResponse(row), `${where}: QR`);
      if (!dnsAnalyzer.probe(bytes, true, id, 'udp')) tally.probeMisses++;
      tally.messages++;
      compare(r, cols, where, tally);
    }
  }
  assert.ok(tally.compared > 1000 && tally.answers > 500, `compared only ${tally.compared} messages, ${tally.answers} answers`);
  // Every real message is recognised by content alone.
  assert.equal(tally.probeMisses, 0, `${tally.probeMisses} of ${tally.messages} real DNS messages not recognised by the probe`);
  t.diagnostic(`udp: ${tally.messages} messages from ${files.length} captures, ${tally.compared} compared (${tally.escaped} with escaped `
    + `names, ${tally.answers} answers of 10 types); ${tally.malformed} that tshark calls malformed, ${tally.malformedWeird} of them with a weird here`);
});

test('real captures, TCP: dnsAnalyzer reassembles and pairs like tshark', { skip: SKIP }, async (t) => {
  let streams = 0;
  let checked = 0;
  for (const [f, fileRows] of await rowsOfAll()) {
    const byStream = new Map<string, string[][]>();
    for (const row of fileRows) {
      const s = row[C['tcp.stream']!]!;
      if (s === '') continue;
      if (!byStream.has(s)) byStream.set(s, []);
      byStream.get(s)!.push(row);
    }
    for (const [stream, rows] of byStream) {
      const where = `${f} tcp stream ${stream}`;
      const src = (r: string[]) => `${r[C['ip.src']!]}${r[C['ipv6.src']!]} ${r[C['tcp.srcport']!]}`;
      const first = rows.find((r) => r[C['tcp.payload']!] !== '')!;
      const ctx = new FakeContext('tcp', {
        orig_h: src(first), orig_p: Number(first[C['tcp.srcport']!]), resp_h: '', resp_p: Number(first[C['tcp.dstport']!]),
      });
      assert.equal(dnsAnalyzer.probe(Buffer.from(first[C['tcp.payload']!]!, 'hex'), true, ctx.id, 'tcp'), true, `${where}: probe`);
      const a = dnsAnalyzer.create(ctx);
      for (const r of rows) {
        const hex = r[C['tcp.payload']!]!;
        if (hex !== '') a.data(src(r) === src(first), Buffer.from(hex, 'hex'), Number(r[C['frame.time_epoch']!]));
      }
      a.end(Infinity);
      assert.deepEqual(ctx.weirds, [], `${where}: weirds`);
      const recs = ctx.of('dns');
      const msgs = rows.filter((r) => r[C['dns']!] !== '');
      assert.equal(recs.length, new Set(msgs.map((r) => dnsCols(r)[4])).size, `${where}: one record per id`);
      for (const r of msgs) {
        const cols = dnsCols(r);
        const rec = recs.find((x) => x.trans_id === Number(cols[4]));
        assert.ok(rec !== undefined, `${where}: no record for id ${cols[4]}`);
        const names = list(cols[0]);
        if (names.length > 0) assert.equal(rec.query, names[0], `${where}: query`);
        if (isResponse(r)) {
          // tshark also lists additional-section addresses: ours are a prefix.
          const mineA = rec.answers.filter((x) => /^\d+\.\d+\.\d+\.\d+$/.test(x));
          assert.deepEqual(mineA, list(cols[1]).slice(0, mineA.length), `${where}: A answers`);
          assert.equal(rec.rcode, 0);
          const sawQuery = msgs.some((q) => !isResponse(q) && dnsCols(q)[4] === cols[4]);
          assert.equal(typeof rec.rtt, sawQuery ? 'number' : 'undefined', `${where}: rtt`);
        }
        checked++;
      }
      streams++;
    }
  }
  assert.ok(checked >= 10, `checked only ${checked} TCP DNS messages`);
  t.diagnostic(`tcp: ${streams} streams, ${checked} messages checked`);
});
