import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { addrToString } from '../sensor/packet/packet.js';
import { communityId } from '../sensor/flow/community-id.js';
import { canonicalAddr, parseAddrBytes, parseIsoTime, textCommunityId, zeekUnescape } from './values.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);

test('canonicalAddr: IPv4 kept, leading zeros and mapped IPv6 normalised, junk refused', () => {
  assert.equal(canonicalAddr('10.55.100.100'), '10.55.100.100');
  assert.equal(canonicalAddr('010.001.0.1'), '10.1.0.1');
  assert.equal(canonicalAddr('::ffff:192.0.2.1'), '192.0.2.1');
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1..2.3', 'a.b.c.d', '1.2.3.4 ', '-', ':', ':::', '1:2', '1::2::3',
    '12345::', 'g::1', '1:2:3:4:5:6:7:8:9', '::1:', ':1::', '1.2.3.4::']) {
    assert.equal(canonicalAddr(bad), undefined, bad);
  }
});

test('canonicalAddr: IPv6 in RFC 5952 form, from Suricata full form and other spellings', () => {
  assert.equal(canonicalAddr('2601:019e:8200:91e0:0000:0000:0000:1ec7'), '2601:19e:8200:91e0::1ec7');
  assert.equal(canonicalAddr('FE80::DEA6:32FF:FEE8:BAB3'), 'fe80::dea6:32ff:fee8:bab3');
  assert.equal(canonicalAddr('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1'); // a single zero group is not compressed
  assert.equal(canonicalAddr('2001:0:0:1:0:0:0:1'), '2001:0:0:1::1'); // the longest run
  assert.equal(canonicalAddr('::'), '::');
  assert.equal(canonicalAddr('::1'), '::1');
  assert.equal(canonicalAddr('fe80::1%eth0'), 'fe80::1');
  assert.equal(canonicalAddr('64:ff9b::192.0.2.33'), '64:ff9b::c000:221');
});

test('canonicalAddr agrees with the sensor\'s printer for any 16 bytes, in full and printed form', () => {
  fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
    const dv = new DataView(b.buffer, b.byteOffset);
    const words = new Uint32Array([dv.getUint32(0), dv.getUint32(4), dv.getUint32(8), dv.getUint32(12)]);
    const printed = addrToString(words);
    const full = Array.from({ length: 8 }, (_, i) => dv.getUint16(i * 2).toString(16).padStart(4, '0')).join(':');
    assert.equal(canonicalAddr(printed), printed);
    assert.equal(canonicalAddr(full), printed);
    const out = new Uint8Array(16);
    const n = parseAddrBytes(full, out);
    if (n === 16) assert.deepEqual(out, b);
  }), { numRuns: RUNS });
});

test('textCommunityId matches the sensor\'s Community ID and the published TCP example', () => {
  // Community ID spec baseline: tcp 128.232.110.120:34855 -> 66.35.250.204:80.
  assert.equal(textCommunityId('128.232.110.120', '66.35.250.204', 6, 34855, 80), '1:LQU9qZlK+B5F3KDmev6m5PMibrg=');
  assert.equal(textCommunityId('66.35.250.204', '128.232.110.120', 6, 80, 34855), '1:LQU9qZlK+B5F3KDmev6m5PMibrg=');
  const v6 = textCommunityId('fe80::1', 'ff02::16', 1, 143, 0);
  assert.equal(v6, communityId(new Uint8Array([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
    new Uint8Array([0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x16]), 58, 143, 0), 'ICMP over IPv6 is protocol 58');
  assert.equal(textCommunityId('1.2.3.4', 'nope', 6, 1, 2), '');
  assert.equal(textCommunityId('1.2.3.4', '5.6.7.8', 0, 1, 2), '');
});

test('parseIsoTime: zones, fractions, microsecond precision', () => {
  assert.equal(parseIsoTime('1970-01-01T00:00:00Z'), 0);
  assert.equal(parseIsoTime('2017-04-07T22:24:37.251547+0100'), 1491600277.251547);
  assert.equal(parseIsoTime('2017-04-07T22:24:37.251547+01:00'), 1491600277.251547);
  assert.equal(parseIsoTime('2017-04-07T21:24:37.251547'), 1491600277.251547);
  assert.equal(parseIsoTime('2017-04-07 21:24:37.251547Z'), 1491600277.251547);
  assert.equal(parseIsoTime('2017-04-07T13:24:37.251547-0800'), 1491600277.251547);
  assert.equal(parseIsoTime('2017-04-07T21:24:37.2515468Z'), 1491600277.251547, 'rounded to the microsecond');
  assert.equal(parseIsoTime('2017-04-07'), 1491523200);
  for (const bad of ['', '2017', '2017-13-01T00:00:00', '2017-04-07T25:00:00', '2017-04-07T21:24', '2017-04-07T21:24:37.',
    '2017-04-07T21:24:37Zjunk', '2017-04-07X21:24:37', 'abcd-ef-ghT00:00:00']) {
    assert.ok(Number.isNaN(parseIsoTime(bad)), bad);
  }
});

test('parseIsoTime agrees with Date for millisecond times', () => {
  fc.assert(fc.property(fc.date({ min: new Date(0), max: new Date(4102444800000), noInvalidDate: true }), (d) => {
    assert.equal(parseIsoTime(d.toISOString()), d.getTime() / 1000);
  }), { numRuns: RUNS });
});

test('zeekUnescape undoes \\xNN and keeps other backslashes', () => {
  assert.equal(zeekUnescape('a\\x09b\\x2cc\\x5cd'), 'a\tb,c\\d');
  assert.equal(zeekUnescape('\\x2d'), '-');
  assert.equal(zeekUnescape('back\\slash \\xZZ end\\'), 'back\\slash \\xZZ end\\');
  assert.equal(zeekUnescape('plain'), 'plain');
});
