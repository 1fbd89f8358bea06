import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RecordDecoder, RecordEncoder, type EncodedBatch } from './record-codec.js';
import type { RecordKind } from '../../records/schema.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);

/** Encode in batches of `every`, send through structured cloning, decode. */
function roundTrip(recs: [RecordKind, object][], every: number): [RecordKind, Record<string, unknown>][] {
  const enc = new RecordEncoder();
  const dec = new RecordDecoder();
  const out: [RecordKind, Record<string, unknown>][] = [];
  const ship = (b: EncodedBatch): void => dec.decode(structuredClone(b), (k, r) => out.push([k, r]));
  for (const [kind, rec] of recs) {
    enc.add(kind, rec);
    if (enc.size >= every) ship(enc.take());
  }
  ship(enc.take());
  return out;
}

test('records come back equal, keys in the same order, across shapes and batches', () => {
  const recs: [RecordKind, object][] = [
    ['conn', { ts: 1.5, uid: 'Cabc', orig_h: '10.0.0.1', orig_p: 1, resp_h: '::1', resp_p: 2, proto: 'tcp', service: '', duration: 0, interim: true }],
    ['dns', { ts: 2, uid: 'Cd', query: 'a.example', answers: ['1.2.3.4', 'TXT 3 a"b'], TTLs: [300, 0.5], rejected: false, rtt: undefined }],
    ['conn', { ts: 3, uid: 'Cabd', orig_h: '10.0.0.2', orig_p: 1, resp_h: '::2', resp_p: 2, proto: 'udp', service: 'dns', duration: -0, vlan: 7 }],
    ['weird', { ts: 0, uid: '', name: 'x_y', addl: '\u0000\ud800 odd', extra: { nested: [1, 'a'] }, none: null, nan: NaN }],
    ['tls', { ts: 4, alpn: [], client_versions: ['TLSv13'], self_signed: true }],
  ];
  for (const every of [1, 2, 100]) {
    const back = roundTrip(recs, every);
    assert.equal(back.length, recs.length);
    back.forEach(([k, r], i) => {
      assert.equal(k, recs[i]![0]);
      assert.deepEqual(Object.keys(r), Object.keys(recs[i]![1]));
      assert.deepEqual(r, recs[i]![1]);
    });
  }
  assert.ok(Object.is(roundTrip(recs, 1)[2]![1]['duration'], -0));
});

test('property: any flat record of strings, numbers, booleans and arrays round-trips', () => {
  const value = fc.oneof(fc.string(), fc.double(), fc.boolean(), fc.constant(undefined), fc.constant(null),
    fc.array(fc.string(), { maxLength: 4 }), fc.array(fc.double(), { maxLength: 4 }));
  const key = fc.string({ minLength: 1, maxLength: 6 }).filter((k) => k !== '__proto__');
  const rec = fc.dictionary(key, value, { maxKeys: 8, noNullPrototype: true });
  const kind = fc.constantFrom<RecordKind>('conn', 'dns', 'tls', 'http', 'mining', 'ssh', 'weird');
  fc.assert(fc.property(fc.array(fc.tuple(kind, rec), { maxLength: 20 }), fc.integer({ min: 1, max: 5 }), (recs, every) => {
    const back = roundTrip(recs, every);
    assert.equal(back.length, recs.length);
    back.forEach(([k, r], i) => {
      assert.equal(k, recs[i]![0]);
      assert.deepEqual(Object.keys(r), Object.keys(recs[i]![1]));
      assert.deepEqual(r, recs[i]![1]);
    });
  }), { numRuns: RUNS });
});
