import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { FlowId } from '../../../records/schema.js';
import { dnsAnalyzer } from './analyzer.js';
import { encodeDnsMessage, rdata } from './encode.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);
const P53: FlowId = { orig_h: '10.0.0.1', orig_p: 40000, resp_h: '10.0.0.53', resp_p: 53 };
const P80: FlowId = { orig_h: '10.0.0.1', orig_p: 40000, resp_h: '10.0.0.80', resp_p: 80 };
const MDNS: FlowId = { orig_h: '10.0.0.1', orig_p: 5353, resp_h: '224.0.0.251', resp_p: 5353 };

const probe = (b: Uint8Array, proto: 'tcp' | 'udp', id: FlowId = P80) => dnsAnalyzer.probe(b, true, id, proto);

function framed(m: Uint8Array): Uint8Array {
  return Uint8Array.from([m.length >> 8, m.length & 0xff, ...m]);
}

const QUERY = encodeDnsMessage({ id: 0x1234, flags: { rd: true }, questions: [{ name: 'www.example.com', qtype: 1 }] });
const RESPONSE = encodeDnsMessage({
  id: 0x1234, flags: { qr: true, rd: true, ra: true },
  questions: [{ name: 'www.example.com', qtype: 1 }],
  answers: [{ name: 'www.example.com', type: 1, rdata: rdata.a('192.0.2.1') }],
});

test('probe accepts DNS by content, on any port', () => {
  assert.equal(probe(QUERY, 'udp'), true);
  assert.equal(probe(RESPONSE, 'udp'), true);
  assert.equal(probe(framed(QUERY), 'tcp'), true);
  assert.equal(probe(framed(RESPONSE), 'tcp'), true);
  // mDNS announcement: no question, cache-flush bit in the class.
  const announce = encodeDnsMessage({
    id: 0, flags: { qr: true, aa: true },
    answers: [{ name: 'printer.local', type: 1, class: 0x8001, ttl: 120, rdata: rdata.a('192.168.1.9') }],
  });
  assert.equal(probe(announce, 'udp', MDNS), true);
  // A TCP segment that ends inside the question name.
  assert.equal(probe(framed(QUERY).subarray(0, 20), 'tcp'), true);
});

test('probe uses the port only when a TCP payload is too short to judge', () => {
  const prefixOnly = framed(QUERY).subarray(0, 2);
  assert.equal(probe(prefixOnly, 'tcp', P53), true);
  assert.equal(probe(prefixOnly, 'tcp', P80), false);
  assert.equal(probe(prefixOnly.subarray(0, 1), 'tcp', P53), true);
  // Port 53 does not make non-DNS content DNS.
  assert.equal(probe(new TextEncoder().encode('GET / HTTP/1.1\r\nHost: a\r\n\r\n'), 'udp', P53), false);
  // A datagram shorter than a header is never DNS.
  assert.equal(probe(QUERY.subarray(0, 11), 'udp', P53), false);
});

test('probe rejects HTTP, TLS, SSH and malformed headers', () => {
  const enc = new TextEncoder();
  const texts = ['GET / HTTP/1.1\r\nHost: example.com\r\n\r\n', 'POST /gate.php HTTP/1.1\r\n', 'HTTP/1.1 200 OK\r\n\r\n', 'SSH-2.0-OpenSSH_9.2\r\n',
    '{"id":1,"method":"mining.subscribe","params":[]}\n'];
  for (const t of texts) {
    for (const proto of ['udp', 'tcp'] as const) assert.equal(probe(enc.encode(t), proto, P53), false, `${proto} ${t}`);
  }
  // TLS ClientHello record prefix followed by a plausible body.
  const hello = Uint8Array.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, ...new Array(64).fill(0x5a)]);
  for (const proto of ['udp', 'tcp'] as const) assert.equal(probe(hello, proto, P53), false);
  // Header rules.
  const bad = (f: (b: Uint8Array) => void) => { const b = Uint8Array.from(QUERY); f(b); return probe(b, 'udp'); };
  assert.equal(bad((b) => { b[3]! |= 0x40; }), false, 'reserved Z bit');
  assert.equal(bad((b) => { b[2] = 3 << 3; }), false, 'opcode 3');
  assert.equal(bad((b) => { b[3] = 2; }), false, 'query with rcode');
  assert.equal(bad((b) => { b[5] = 0; }), false, 'query without question');
  assert.equal(bad((b) => { b[7] = 9; }), false, 'counts too big for the length');
  assert.equal(bad((b) => { b[QUERY.length - 1] = 9; }), false, 'class 9');
  assert.equal(bad((b) => { b[12] = 0x50; }), false, 'bad label');
});

/** Deterministic PRNG (xorshift32) so the rate below is reproducible. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
}

test('probe rejects almost all random payloads', () => {
  const next = prng(0xc2c2);
  let accepted = 0;
  const N = 20000;
  for (let i = 0; i < N; i++) {
    const b = new Uint8Array(12 + (next() % 200));
    for (let j = 0; j < b.length; j++) b[j] = next() & 0xff;
    if (probe(b, 'udp', P53)) accepted++;
    if (probe(b, 'tcp', P53)) accepted++;
  }
  assert.ok(accepted / (2 * N) < 0.001, `accepted ${accepted} of ${2 * N}`);
});

test('probe accepts every well-formed query of random names and types', () => {
  const label = fc.stringMatching(/^[a-zA-Z0-9-]{1,20}$/);
  fc.assert(fc.property(fc.array(label, { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 300 }), fc.nat(0xffff), (labels, qtype, id) => {
    const q = encodeDnsMessage({ id, flags: { rd: true }, questions: [{ name: labels.join('.'), qtype }] });
    assert.equal(probe(q, 'udp'), true);
    assert.equal(probe(framed(q), 'tcp'), true);
  }), { numRuns: RUNS });
});
