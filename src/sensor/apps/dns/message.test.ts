import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { type DnsMessage, type DnsWeird, formatIPv6, isDnsMessage, parseDnsMessage } from './message.js';
import { encodeDnsMessage, encodeName, rdata } from './encode.js';
import { MAX_COMPRESSION_DEPTH } from './constants.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);

function ok(r: DnsMessage | DnsWeird): DnsMessage {
  if (!isDnsMessage(r)) assert.fail(`expected a message, got weird ${r.weird}: ${r.addl}`);
  return r;
}

function weird(r: DnsMessage | DnsWeird): DnsWeird {
  if (isDnsMessage(r)) assert.fail('expected a weird, got a message');
  return r;
}

const RESP = { qr: true, rd: true, ra: true };

test('header fields and flags', () => {
  const m = ok(parseDnsMessage(encodeDnsMessage({
    id: 0xbeef,
    flags: { qr: true, opcode: 0, aa: true, tc: true, rd: true, ra: false, z: 3, rcode: 2 },
    questions: [{ name: 'example.com', qtype: 1 }],
    counts: { ns: 0, ar: 0 },
  })));
  assert.deepEqual(
    [m.id, m.qr, m.opcode, m.aa, m.tc, m.rd, m.ra, m.z, m.rcode, m.qdcount, m.ancount, m.nscount, m.arcount],
    [0xbeef, true, 0, true, true, true, false, 3, 2, 1, 0, 0, 0],
  );
  assert.deepEqual(m.questions, [{ name: 'example.com', qtype: 1, qclass: 1 }]);
  const u = ok(parseDnsMessage(encodeDnsMessage({ id: 1, flags: { opcode: 5 }, questions: [{ name: 'z.example', qtype: 6 }] })));
  assert.equal(u.opcode, 5);
  assert.equal(u.qr, false);
});

test('A, AAAA and a CNAME chain, with compression pointers to the question', () => {
  // www.example.com CNAME cdn.example.net; cdn.example.net CNAME edge.example.net; A; AAAA.
  const header = [0x12, 0x34, 0x81, 0x80, 0, 1, 0, 4, 0, 0, 0, 0];
  const q = [...encodeName('www.example.com'), 0, 1, 0, 1]; // name at 12
  const rr = (name: number[], type: number, rd: number[]) => [...name, 0, type, 0, 1, 0, 0, 0x0e, 0x10, rd.length >> 8, rd.length & 0xff, ...rd];
  const cname1Rd = [3, ...Buffer.from('cdn'), 7, ...Buffer.from('example'), 3, ...Buffer.from('net'), 0];
  const cname1Off = 12 + q.length + 12; // rdata of the first answer (owner c00c, 10 fixed bytes)
  const bytes = Uint8Array.from([
    ...header, ...q,
    ...rr([0xc0, 12], 5, cname1Rd),
    ...rr([0xc0, cname1Off], 5, [4, ...Buffer.from('edge'), 0xc0, cname1Off + 4]), // edge + "example.net"
    ...rr([0xc0, cname1Off], 1, [93, 184, 216, 34]),
    ...rr([0xc0, cname1Off], 28, [0x26, 0x06, 0x28, 0, 0x02, 0x20, 0, 1, 0x2, 0x48, 0x18, 0x93, 0x25, 0xc8, 0x19, 0x46]),
  ]);
  const m = ok(parseDnsMessage(bytes));
  assert.equal(m.weirds.length, 0);
  assert.deepEqual(m.answers.map((a) => [a.name, a.type, a.ttl, a.rdata]), [
    ['www.example.com', 5, 3600, 'cdn.example.net'],
    ['cdn.example.net', 5, 3600, 'edge.example.net'],
    ['cdn.example.net', 1, 3600, '93.184.216.34'],
    ['cdn.example.net', 28, 3600, '2606:2800:220:1:248:1893:25c8:1946'],
  ]);
});

test('TXT, MX, SOA, SRV, HTTPS, NULL, CAA, DNSSEC and unknown rdata', () => {
  const m = ok(parseDnsMessage(encodeDnsMessage({
    id: 7, flags: RESP,
    questions: [{ name: 'example.org', qtype: 255 }],
    answers: [
      { name: 'example.org', type: 16, ttl: 60, rdata: rdata.txt('v=spf1 -all', 'a\\b\x01') },
      { name: 'example.org', type: 15, rdata: rdata.mx(10, 'mail.example.org') },
      { name: 'example.org', type: 6, rdata: rdata.soa('ns1.example.org', 'hostmaster.example.org') },
      { name: '_sip._tcp.example.org', type: 33, rdata: rdata.srv(0, 5, 5060, 'sip.example.org') },
      { name: 'example.org', type: 65, rdata: rdata.svcb(1, '') },
      { name: 'example.org', type: 64, rdata: rdata.svcb(0, 'svc.example.org') },
      { name: 't.example.org', type: 10, rdata: Uint8Array.from({ length: 70 }, (_, i) => i) },
      { name: 'example.org', type: 257, rdata: Uint8Array.from([0, 5, ...Buffer.from('issue'), ...Buffer.from('ca.example')]) },
      { name: 'example.org', type: 46, rdata: Uint8Array.from([0, 1, 8, 2, 0, 0, 0, 60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, ...encodeName('example.org')]) },
      { name: 'example.org', type: 48, rdata: Uint8Array.from([1, 1, 3, 13, 9, 9]) },
      { name: 'example.org', type: 43, rdata: Uint8Array.from([0, 1, 8, 2, 9]) },
      { name: 'example.org', type: 4242, rdata: Uint8Array.from([1, 2]) },
      { name: 'example.org', type: 2, rdata: rdata.name('') },
    ],
  })));
  assert.equal(m.weirds.length, 0);
  assert.deepEqual(m.answers.map((a) => a.rdata), [
    'TXT 11 v=spf1 -all TXT 4 a\\\\b\\001',
    'mail.example.org',
    'ns1.example.org',
    'sip.example.org',
    '1 <root>',
    '0 svc.example.org',
    `\\# 70 ${Buffer.from(Uint8Array.from({ length: 64 }, (_, i) => i)).toString('hex')}...`,
    '0 issue ca.example',
    'RRSIG A example.org',
    'DNSKEY 13',
    'DS 8 2',
    '<unknown type=4242>',
    '<root>',
  ]);
  assert.equal(m.answers[0]!.ttl, 60);
});

test('NXDOMAIN with an SOA in authority: rcode, no answers, counts', () => {
  const m = ok(parseDnsMessage(encodeDnsMessage({
    id: 9, flags: { ...RESP, rcode: 3 },
    questions: [{ name: 'nope.example', qtype: 1 }],
    authority: [{ name: 'example', type: 6, rdata: rdata.soa('a.example', 'b.example') }],
  })));
  assert.equal(m.rcode, 3);
  assert.equal(m.nscount, 1);
  assert.deepEqual(m.answers, []);
});

test('names keep case and escape odd bytes in presentation form', () => {
  const name = Uint8Array.from([3, 0x57, 0x77, 0x57, 5, 0x61, 0x2e, 0x62, 0x01, 0x20, 3, 0x5c, 0xff, 0x43, 0]);
  const msg = Uint8Array.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, ...name, 0, 1, 0, 1]);
  assert.equal(ok(parseDnsMessage(msg)).questions[0]!.name, 'WwW.a\\.b\\001\\032.\\\\\\255C');
  const root = ok(parseDnsMessage(encodeDnsMessage({ id: 1, questions: [{ name: '', qtype: 2 }] })));
  assert.equal(root.questions[0]!.name, '');
});

test('AAAA rendering follows RFC 5952', () => {
  const cases: [number[], string][] = [
    [[0x2001, 0xdb8, 0, 0, 0, 0, 0, 1], '2001:db8::1'],
    [[0, 0, 0, 0, 0, 0, 0, 1], '::1'],
    [[0, 0, 0, 0, 0, 0, 0, 0], '::'],
    [[0xfe80, 0, 0, 0, 0, 0, 0, 0], 'fe80::'],
    [[0x2001, 0xdb8, 0, 0, 1, 0, 0, 1], '2001:db8::1:0:0:1'],
    [[0x2001, 0, 0, 1, 0, 0, 0, 1], '2001:0:0:1::1'],
    [[1, 0, 2, 0, 3, 0, 4, 0], '1:0:2:0:3:0:4:0'],
    [[0x2001, 0xDB8, 0xABCD, 0x12, 0, 0, 0, 0], '2001:db8:abcd:12::'],
    [[0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304], '::ffff:1.2.3.4'],
  ];
  for (const [groups, text] of cases) assert.equal(formatIPv6(rdata.aaaa(groups), 0), text);
});

test('AAAA rendering agrees with the WHATWG URL serialiser (same compression rules)', () => {
  fc.assert(fc.property(fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 }), (groups) => {
    const b = rdata.aaaa(groups);
    const text = formatIPv6(b, 0);
    if (text.startsWith('::ffff:') && text.includes('.')) return; // URL prints mapped addresses in hex
    assert.equal(text, new URL(`http://[${text}]/`).hostname.slice(1, -1));
    assert.equal(new URL(`http://[${groups.map((g) => g.toString(16)).join(':')}]/`).hostname.slice(1, -1), text);
  }), { numRuns: RUNS });
});

test('malformed headers, labels and records are named weirds', () => {
  assert.equal(weird(parseDnsMessage(Uint8Array.from([1, 2, 3]))).weird, 'dns_truncated_header');
  const hdr = (qd: number, an = 0) => [0, 1, 0x81, 0x80, 0, qd, 0, an, 0, 0, 0, 0];
  // Label of 10 bytes with 3 left.
  assert.equal(weird(parseDnsMessage(Uint8Array.from([...hdr(1), 10, 97, 98, 99]))).weird, 'dns_label_len_gt_pkt');
  // No terminating zero.
  assert.equal(weird(parseDnsMessage(Uint8Array.from([...hdr(1), 1, 97]))).weird, 'dns_label_len_gt_pkt');
  // Label type 01 (0x40) and 10 (0x80).
  assert.equal(weird(parseDnsMessage(Uint8Array.from([...hdr(1), 0x41, 97, 0, 0, 1, 0, 1]))).weird, 'dns_label_too_long');
  assert.equal(weird(parseDnsMessage(Uint8Array.from([...hdr(1), 0x80, 0, 1, 0, 1]))).weird, 'dns_label_too_long');
  // Five labels of 63 bytes: 321 bytes of name.
  const long = Array.from({ length: 5 }, () => [63, ...new Array(63).fill(0x61)]).flat();
  assert.equal(weird(parseDnsMessage(Uint8Array.from([...hdr(1), ...long, 0, 0, 1, 0, 1]))).weird, 'dns_name_too_long');
  // Exactly 255 bytes is allowed.
  const max = [...Array.from({ length: 3 }, () => [63, ...new Array(63).fill(0x61)]).flat(), 61, ...new Array(61).fill(0x62), 0];
  assert.equal(max.length, 255);
  assert.equal(ok(parseDnsMessage(Uint8Array.from([...hdr(1), ...max, 0, 1, 0, 1]))).questions[0]!.name.length, 253);
  // Question without type/class.
  assert.equal(weird(parseDnsMessage(Uint8Array.from([...hdr(1), 1, 97, 0, 0]))).weird, 'dns_question_truncated');
  // An answer cut short: the message stands, with the answers before it.
  const full = encodeDnsMessage({
    id: 1, flags: RESP, questions: [{ name: 'a.example', qtype: 1 }],
    answers: [{ name: 'a.example', type: 1, rdata: rdata.a('192.0.2.1') }, { name: 'a.example', type: 1, rdata: rdata.a('192.0.2.2') }],
  });
  const cut = ok(parseDnsMessage(full.subarray(0, full.length - 2)));
  assert.deepEqual(cut.answers.map((a) => a.rdata), ['192.0.2.1']);
  assert.deepEqual(cut.weirds.map((w) => w.weird), ['dns_rr_truncated']);
  // Wrong rdata length for an A record: rendered as malformed, parsing goes on.
  const badA = ok(parseDnsMessage(encodeDnsMessage({
    id: 1, flags: RESP, questions: [{ name: 'a', qtype: 1 }],
    answers: [{ name: 'a', type: 1, rdata: Uint8Array.from([1, 2, 3]) }, { name: 'a', type: 1, rdata: rdata.a('192.0.2.9') }],
  })));
  assert.deepEqual(badA.answers.map((a) => a.rdata), ['<malformed A>', '192.0.2.9']);
  assert.deepEqual(badA.weirds.map((w) => w.weird), ['dns_rdata_bad_length']);
  // TXT string longer than its rdata.
  const badTxt = ok(parseDnsMessage(encodeDnsMessage({
    id: 1, flags: RESP, questions: [{ name: 'a', qtype: 16 }], answers: [{ name: 'a', type: 16, rdata: Uint8Array.from([5, 97]) }],
  })));
  assert.deepEqual(badTxt.weirds.map((w) => w.weird), ['dns_rdata_bad_length']);
});

test('compression: self, forward and looping pointers are refused', () => {
  const hdr = (qd: number, an = 0) => [0, 1, 0x81, 0x80, 0, qd, 0, an, 0, 0, 0, 0];
  // Question name is a pointer to itself.
  assert.equal(weird(parseDnsMessage(Uint8Array.from([...hdr(1), 0xc0, 12, 0, 1, 0, 1]))).weird, 'dns_compression_forward_pointer');
  // A label then a pointer back to the start of the same name (would loop as foo.foo.foo...).
  assert.equal(weird(parseDnsMessage(Uint8Array.from([...hdr(1), 3, 102, 111, 111, 0xc0, 12, 0, 1, 0, 1]))).weird, 'dns_compression_forward_pointer');
  // Pointer forward to a valid name later in the message.
  assert.equal(weird(parseDnsMessage(Uint8Array.from([...hdr(1), 0xc0, 18, 0, 1, 0, 1, 1, 97, 0]))).weird, 'dns_compression_forward_pointer');
  // Two pointers at each other, entered from an answer owner name: q "a" at 12, answer rdata
  // holds P1 -> P2 and P2 -> P1; a second answer's owner points at P2.
  const q = [1, 97, 0, 0, 1, 0, 1]; // 12..18
  const p1 = 12 + q.length + 12; // first answer: owner c00c (2) + 10 fixed bytes
  const p2 = p1 + 2;
  const bytes = Uint8Array.from([
    ...hdr(1, 2), ...q,
    0xc0, 12, 0, 10, 0, 1, 0, 0, 0, 1, 0, 4, 0xc0, p2, 0xc0, p1,
    0xc0, p2, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4,
  ]);
  const m = ok(parseDnsMessage(bytes));
  assert.equal(m.answers.length, 1);
  assert.deepEqual(m.weirds.map((w) => w.weird), ['dns_compression_forward_pointer']);
});

/** A message whose second answer's owner name is `chain` pointers deep. */
function chainMessage(chain: number): Uint8Array {
  const hdr = [0, 1, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0];
  const q = [1, 97, 0, 0, 1, 0, 1]; // "a" at 12
  const rdStart = 12 + q.length + 12;
  const ptrs: number[] = [];
  for (let i = 0; i < chain - 1; i++) {
    const target = i === 0 ? 12 : rdStart + 2 * (i - 1);
    ptrs.push(0xc0 | (target >> 8), target & 0xff);
  }
  const last = chain === 1 ? 12 : rdStart + 2 * (chain - 2);
  return Uint8Array.from([
    ...hdr, ...q,
    0xc0, 12, 0, 10, 0, 1, 0, 0, 0, 1, ptrs.length >> 8, ptrs.length & 0xff, ...ptrs,
    0xc0 | (last >> 8), last & 0xff, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 10, 0, 0, 1,
  ]);
}

test('compression: chains up to the depth limit parse, longer ones are a weird', () => {
  const atLimit = ok(parseDnsMessage(chainMessage(MAX_COMPRESSION_DEPTH)));
  assert.deepEqual(atLimit.weirds, []);
  assert.deepEqual(atLimit.answers.map((a) => [a.name, a.rdata]).at(-1), ['a', '10.0.0.1']);
  const over = ok(parseDnsMessage(chainMessage(MAX_COMPRESSION_DEPTH + 1)));
  assert.deepEqual(over.weirds.map((w) => w.weird), ['dns_compression_depth']);
  const huge = ok(parseDnsMessage(chainMessage(5000))); // pointers reach 14 bits: offsets < 16384
  assert.deepEqual(huge.weirds.map((w) => w.weird), ['dns_compression_depth']);
});

test('adversarial sizes stay cheap: qdcount 65535, questions chained by pointers', () => {
  // qdcount 65535, every question name a pointer to the previous question's name.
  const parts: number[] = [0, 1, 0, 0, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 1, 97, 0, 0, 1, 0, 1];
  let prev = 12;
  while (parts.length < 16000) { // pointer targets are 14-bit
    const here = parts.length;
    parts.push(0xc0 | (prev >> 8), prev & 0xff, 0, 1, 0, 1);
    prev = here;
  }
  const t0 = performance.now();
  const m = ok(parseDnsMessage(Uint8Array.from(parts)));
  assert.ok(performance.now() - t0 < 500);
  assert.deepEqual(m.weirds.map((w) => w.weird), ['dns_too_many_questions']);
});

function isWellFormedResult(r: DnsMessage | DnsWeird): void {
  if (isDnsMessage(r)) {
    for (const w of r.weirds) assert.match(w.weird, /^dns_[a-z0-9_]+$/);
    for (const q of r.questions) assert.ok(q.name.length <= 4 * 255);
    for (const a of r.answers) assert.equal(typeof a.rdata, 'string');
  } else {
    assert.match(r.weird, /^dns_[a-z0-9_]+$/);
  }
}

test('fuzz: random bytes never throw', () => {
  fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), (b) => {
    isWellFormedResult(parseDnsMessage(b));
  }), { numRuns: RUNS * 3 });
});

test('fuzz: mutated valid messages never throw', () => {
  const base = encodeDnsMessage({
    id: 0x4242, flags: RESP,
    questions: [{ name: 'www.example.com', qtype: 1 }],
    answers: [
      { name: 'www.example.com', type: 5, rdata: rdata.name('edge.example.net') },
      { name: 'edge.example.net', type: 1, rdata: rdata.a('192.0.2.1') },
      { name: 'edge.example.net', type: 28, rdata: rdata.aaaa([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]) },
      { name: 'edge.example.net', type: 16, rdata: rdata.txt('hello', 'world') },
      { name: 'edge.example.net', type: 15, rdata: rdata.mx(5, 'mx.example.net') },
      { name: 'edge.example.net', type: 46, rdata: Uint8Array.from([0, 1, 8, 2, 0, 0, 0, 60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xc0, 12]) },
    ],
  });
  // Pointer-heavy bytes are the interesting mutations.
  const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0xc0, 0xc0, 0x3f, 0x40, 0, 12));
  fc.assert(fc.property(
    fc.array(fc.tuple(fc.nat(base.length - 1), byte), { minLength: 1, maxLength: 8 }),
    fc.nat(base.length),
    (muts, cut) => {
      const b = Uint8Array.from(base);
      for (const [i, v] of muts) b[i] = v;
      isWellFormedResult(parseDnsMessage(b));
      isWellFormedResult(parseDnsMessage(b.subarray(0, cut)));
    },
  ), { numRuns: RUNS * 3 });
});

test('a message inside a larger buffer parses relative to its own start', () => {
  const msg = encodeDnsMessage({ id: 5, flags: RESP, questions: [{ name: 'x.example', qtype: 1 }], answers: [{ name: 'x.example', type: 1, rdata: rdata.a('198.51.100.7') }] });
  const big = new Uint8Array(msg.length + 20);
  big.set(msg, 10);
  const m = ok(parseDnsMessage(big.subarray(10, 10 + msg.length)));
  assert.deepEqual(m.answers.map((a) => a.rdata), ['198.51.100.7']);
});
