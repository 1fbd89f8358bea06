import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { DnsRecord } from '../../../records/schema.js';
import { dnsAnalyzer } from './analyzer.js';
import { type DnsMessageSpec, encodeDnsMessage, rdata } from './encode.js';
import { FakeContext } from './fake-context.js';
import { MAX_CONSECUTIVE_FAILURES, MAX_PENDING_QUERIES } from './constants.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);

function query(id: number, name: string, qtype = 1): Uint8Array {
  return encodeDnsMessage({ id, flags: { rd: true }, questions: [{ name, qtype }] });
}

function response(id: number, name: string, ips: string[], extra: Partial<DnsMessageSpec> = {}, qtype = 1): Uint8Array {
  return encodeDnsMessage({
    id, flags: { qr: true, rd: true, ra: true },
    questions: [{ name, qtype }],
    answers: ips.map((ip, i) => ({ name, type: 1, ttl: 100 + i, rdata: rdata.a(ip) })),
    ...extra,
  });
}

function framed(...msgs: Uint8Array[]): Uint8Array {
  return Uint8Array.from(msgs.flatMap((m) => [m.length >> 8, m.length & 0xff, ...m]));
}

test('UDP: a query and its response make one record', () => {
  const ctx = new FakeContext('udp');
  const a = dnsAnalyzer.create(ctx);
  a.data(true, query(0x1111, 'www.Example.com'), 100.25);
  a.data(false, response(0x1111, 'www.Example.com', ['192.0.2.1', '192.0.2.2']), 100.5);
  assert.equal(ctx.of('dns').length, 1);
  a.end(200);
  const recs = ctx.of('dns');
  assert.equal(recs.length, 1);
  const expected: DnsRecord = {
    ts: 100.25, uid: 'Ctest', orig_h: '10.0.0.1', orig_p: 40000, resp_h: '10.0.0.53', resp_p: 53, proto: 'udp',
    trans_id: 0x1111, rtt: 0.25, query: 'www.Example.com', qclass: 1, qclass_name: 'C_INTERNET', qtype: 1, qtype_name: 'A',
    rcode: 0, rcode_name: 'NOERROR', AA: false, TC: false, RD: true, RA: true, Z: 0,
    answers: ['192.0.2.1', '192.0.2.2'], TTLs: [100, 101], rejected: false,
  };
  assert.deepEqual(recs[0], expected);
  assert.deepEqual(ctx.weirds, []);
});

test('unanswered queries are emitted at end, lone responses at once', () => {
  const ctx = new FakeContext('udp');
  const a = dnsAnalyzer.create(ctx);
  a.data(true, query(1, 'lost.example', 28), 10);
  a.data(false, response(2, 'unasked.example', ['198.51.100.1']), 11);
  assert.deepEqual(ctx.of('dns').map((r) => [r.trans_id, r.ts, r.rtt, r.rcode]), [[2, 11, undefined, 0]]);
  a.end(50);
  const lost = ctx.of('dns')[1]!;
  assert.deepEqual([lost.trans_id, lost.ts, lost.query, lost.qtype_name, lost.RD, lost.RA, lost.answers, lost.rejected],
    [1, 10, 'lost.example', 'AAAA', true, false, [], false]);
  assert.equal('rcode' in lost, false);
  assert.equal('rtt' in lost, false);
});

test('pairing needs the same id and question; case of the name does not matter', () => {
  const ctx = new FakeContext('udp');
  const a = dnsAnalyzer.create(ctx);
  a.data(true, query(7, 'a.example'), 1);
  a.data(true, query(8, 'b.example'), 2);
  a.data(false, response(7, 'other.example', ['192.0.2.7']), 3); // same id, other question
  a.data(false, response(8, 'B.EXAMPLE', ['192.0.2.8']), 4); // 0x20 case randomisation
  a.data(false, response(7, 'a.example', ['192.0.2.1']), 5);
  a.end(9);
  assert.deepEqual(ctx.of('dns').map((r) => [r.trans_id, r.query, r.ts, r.rtt, r.answers.join()]), [
    [7, 'other.example', 3, undefined, '192.0.2.7'],
    [8, 'b.example', 2, 2, '192.0.2.8'],
    [7, 'a.example', 1, 4, '192.0.2.1'],
  ]);
});

test('retransmitted queries are kept once; rtt is from the first', () => {
  const ctx = new FakeContext('udp');
  const a = dnsAnalyzer.create(ctx);
  a.data(true, query(3, 'r.example'), 1);
  a.data(true, query(3, 'r.example'), 2);
  a.data(false, response(3, 'r.example', ['192.0.2.3']), 2.5);
  a.end(3);
  assert.deepEqual(ctx.of('dns').map((r) => [r.ts, r.rtt]), [[1, 1.5]]);
});

test('rcodes: NXDOMAIN is not rejected, SERVFAIL and REFUSED are', () => {
  const ctx = new FakeContext('udp');
  const a = dnsAnalyzer.create(ctx);
  for (const [id, rcode] of [[1, 3], [2, 2], [3, 5], [4, 0]] as const) {
    a.data(true, query(id, `n${id}.example`), id);
    a.data(false, response(id, `n${id}.example`, [], { flags: { qr: true, rd: true, ra: true, rcode } }), id + 0.1);
  }
  assert.deepEqual(ctx.of('dns').map((r) => [r.rcode_name, r.rejected]), [
    ['NXDOMAIN', false], ['SERVFAIL', true], ['REFUSED', true], ['NOERROR', false],
  ]);
});

test('a response without question pairs on the id; one without query has an empty query', () => {
  const ctx = new FakeContext('udp');
  const a = dnsAnalyzer.create(ctx);
  a.data(true, query(5, 'q.example'), 1);
  a.data(false, encodeDnsMessage({ id: 5, flags: { qr: true, rcode: 1 } }), 1.5);
  a.data(false, encodeDnsMessage({ id: 6, flags: { qr: true, rcode: 2 } }), 2);
  const recs = ctx.of('dns');
  assert.deepEqual(recs.map((r) => [r.trans_id, r.query, r.qtype_name, r.rcode_name, r.rtt]), [
    [5, 'q.example', 'A', 'FORMERR', 0.5],
    [6, '', undefined, 'SERVFAIL', undefined],
  ]);
});

test('several questions: one record for the first, one weird', () => {
  const ctx = new FakeContext('udp');
  const a = dnsAnalyzer.create(ctx);
  const two = encodeDnsMessage({ id: 9, questions: [{ name: 'first.example', qtype: 1 }, { name: 'second.example', qtype: 28 }] });
  a.data(true, two, 1);
  a.data(true, encodeDnsMessage({ id: 10, questions: [{ name: 'x', qtype: 1 }, { name: 'y', qtype: 1 }] }), 2);
  a.end(3);
  assert.deepEqual(ctx.of('dns').map((r) => r.query), ['first.example', 'x']);
  assert.deepEqual(ctx.weirdNames(), ['dns_multiple_questions']); // once per connection
});

test('too many pending queries: the oldest is emitted unanswered', () => {
  const ctx = new FakeContext('udp');
  const a = dnsAnalyzer.create(ctx);
  for (let i = 0; i <= MAX_PENDING_QUERIES; i++) a.data(true, query(i, `h${i}.example`), i);
  assert.deepEqual(ctx.of('dns').map((r) => r.trans_id), [0]);
  assert.deepEqual(ctx.weirdNames(), ['dns_too_many_pending_queries']);
  a.data(false, response(MAX_PENDING_QUERIES, `h${MAX_PENDING_QUERIES}.example`, ['192.0.2.1']), 1000);
  a.end(1001);
  assert.equal(ctx.of('dns').length, MAX_PENDING_QUERIES + 1);
});

test('garbage: weirds once per name, the analyzer stops after repeated failures', () => {
  const ctx = new FakeContext('udp');
  const a = dnsAnalyzer.create(ctx);
  for (let i = 0; i < MAX_CONSECUTIVE_FAILURES - 1; i++) a.data(true, Uint8Array.from([1, 2, 3]), i);
  assert.equal(a.done, false);
  a.data(true, query(1, 'ok.example'), 10); // a good message resets the count
  for (let i = 0; i < MAX_CONSECUTIVE_FAILURES - 1; i++) a.data(true, Uint8Array.from([1, 2, 3]), i);
  assert.equal(a.done, false);
  a.data(true, Uint8Array.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]), 20);
  assert.equal(a.done, true);
  assert.deepEqual(ctx.weirdNames(), ['dns_truncated_header', 'dns_compression_forward_pointer', 'dns_not_dns']);
  a.end(30);
  assert.deepEqual(ctx.of('dns').map((r) => r.query), ['ok.example']);
});

test('TCP: several messages in a segment, and a message split byte by byte', () => {
  const ctx = new FakeContext('tcp');
  const a = dnsAnalyzer.create(ctx);
  a.data(true, framed(query(1, 'one.example'), query(2, 'two.example')), 1);
  const resp = framed(response(1, 'one.example', ['192.0.2.1']), response(2, 'two.example', ['192.0.2.2']));
  for (let i = 0; i < resp.length; i++) a.data(false, resp.subarray(i, i + 1), 2 + i / 1000);
  a.end(5);
  assert.deepEqual(ctx.of('dns').map((r) => [r.proto, r.query, r.answers.join()]), [
    ['tcp', 'one.example', '192.0.2.1'], ['tcp', 'two.example', '192.0.2.2'],
  ]);
  assert.deepEqual(ctx.weirds, []);
});

test('TCP: a frame shorter than a header is skipped and the stream goes on', () => {
  const ctx = new FakeContext('tcp');
  const a = dnsAnalyzer.create(ctx);
  a.data(true, Uint8Array.from([...framed(Uint8Array.from([1, 2, 3])), 0, 0, ...framed(query(4, 'after.example'))]), 1);
  a.end(2);
  assert.deepEqual(ctx.of('dns').map((r) => r.query), ['after.example']);
  assert.deepEqual(ctx.weirdNames(), ['dns_tcp_len_too_short']);
});

test('TCP: a gap inside a frame drops it and resumes at the next; a gap at a boundary stops the direction', () => {
  const ctx = new FakeContext('tcp');
  const a = dnsAnalyzer.create(ctx);
  const f1 = framed(query(1, 'dropped.example'));
  const f2 = framed(query(2, 'kept.example'));
  a.data(true, f1.subarray(0, 5), 1);
  a.gap(true, 6, 1.1);
  a.data(true, Uint8Array.from([...f1.subarray(11), ...f2]), 1.2);
  // Responder side: gap at a frame boundary.
  a.data(false, framed(response(2, 'kept.example', ['192.0.2.2'])), 1.3);
  a.gap(false, 40, 1.4);
  a.data(false, framed(response(9, 'never.example', ['192.0.2.9'])), 1.5);
  a.end(2);
  assert.deepEqual(ctx.of('dns').map((r) => [r.query, r.answers.join()]), [['kept.example', '192.0.2.2']]);
  assert.deepEqual(ctx.weirdNames(), ['dns_tcp_gap', 'dns_tcp_gap_desync']);
  assert.equal(a.done, false);
});

/** Records of an analyzer fed `orig` and `resp` streams with the given segment sizes, interleaved. */
function feedTcp(orig: Uint8Array, resp: Uint8Array, cutsO: number[], cutsR: number[]): { recs: DnsRecord[]; weirds: string[] } {
  const ctx = new FakeContext('tcp');
  const a = dnsAnalyzer.create(ctx);
  const segs = (b: Uint8Array, cuts: number[]) => {
    const pts = [...new Set(cuts.map((c) => c % (b.length + 1)))].sort((x, y) => x - y);
    const out: Uint8Array[] = [];
    let prev = 0;
    for (const p of [...pts, b.length]) { if (p > prev) out.push(b.subarray(prev, p)); prev = Math.max(prev, p); }
    return out;
  };
  const so = segs(orig, cutsO);
  const sr = segs(resp, cutsR);
  // All queries first, then responses, each chunk a separate call.
  let t = 0;
  for (const s of so) a.data(true, Uint8Array.from(s), t++);
  for (const s of sr) a.data(false, Uint8Array.from(s), t++);
  a.end(t);
  return { recs: ctx.of('dns'), weirds: ctx.weirdNames() };
}

test('TCP framing: any segmentation gives the same records (property)', () => {
  const name = fc.stringMatching(/^[a-z]{1,12}\.example$/);
  fc.assert(fc.property(
    fc.uniqueArray(name, { minLength: 1, maxLength: 6 }),
    fc.array(fc.nat(5000), { maxLength: 30 }),
    fc.array(fc.nat(5000), { maxLength: 30 }),
    (names, cutsO, cutsR) => {
      const orig = framed(...names.map((n, i) => query(i, n)));
      const resp = framed(...names.map((n, i) => response(i, n, [`192.0.2.${i}`])));
      const { recs, weirds } = feedTcp(orig, resp, cutsO, cutsR);
      assert.deepEqual(weirds, []);
      assert.deepEqual(recs.map((r) => [r.trans_id, r.query, r.answers.join()]), names.map((n, i) => [i, n, `192.0.2.${i}`]));
    },
  ), { numRuns: RUNS });
});

test('fuzz: random streams and datagrams never throw', () => {
  fc.assert(fc.property(
    fc.array(fc.tuple(fc.boolean(), fc.uint8Array({ maxLength: 300 }), fc.nat(100)), { maxLength: 20 }),
    (events) => {
      for (const proto of ['udp', 'tcp'] as const) {
        const ctx = new FakeContext(proto);
        const a = dnsAnalyzer.create(ctx);
        for (const [dir, bytes, gap] of events) {
          if (gap === 0) a.gap(dir, bytes.length + 1, 1);
          else a.data(dir, bytes, gap);
        }
        a.end(1000);
        for (const w of ctx.weirds) assert.match(w.name, /^dns_[a-z0-9_]+$/);
      }
    },
  ), { numRuns: RUNS });
});
