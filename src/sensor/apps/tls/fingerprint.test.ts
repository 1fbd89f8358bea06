import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { clientFingerprints, ja3sString, ja3String, ja4, ja4Parts, ja4Raw, md5Hex } from './fingerprint.js';
import { parseClientHello, parseServerHello, type ClientHello } from './hello.js';
import { isGrease } from './names.js';
import { alpnExt, clientHelloBody, groupsExt, pointFormatsExt, rawExt, serverAlpnExt, serverHelloBody, serverVersionExt, sigAlgsExt, sniExt, versionsExt } from './test-builder.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);
const GREASE = [0x0a0a, 0x1a1a, 0x2a2a, 0x3a3a, 0x4a4a, 0x5a5a, 0x6a6a, 0x7a7a, 0x8a8a, 0x9a9a, 0xaaaa, 0xbaba, 0xcaca, 0xdada, 0xeaea, 0xfafa];

function parse(body: Uint8Array): ClientHello {
  const weirds: string[] = [];
  const ch = parseClientHello(body, (n) => weirds.push(n));
  assert.deepEqual(weirds, []);
  assert.ok(ch);
  return ch;
}

// The example of FoxIO's JA4 specification (technical_details/JA4.md): ciphers, extensions in
// their original order, signature algorithms; ALPN h2; TLS 1.3 in supported_versions.
const SPEC_CIPHERS = [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035];
const SPEC_SIGS = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601];
const SPEC_EXT_ORDER = [0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015];

/** Builds the spec's ClientHello, optionally with GREASE sprinkled in every list. */
function specHello(grease: boolean): Uint8Array {
  const g = (list: number[], v: number): number[] => (grease ? [v, ...list] : list);
  const exts: Uint8Array[] = [];
  if (grease) exts.push(rawExt(0x1a1a));
  for (const t of SPEC_EXT_ORDER) {
    if (t === 0x0000) exts.push(sniExt('example.com'));
    else if (t === 0x0010) exts.push(alpnExt(['h2', 'http/1.1']));
    else if (t === 0x000d) exts.push(sigAlgsExt(SPEC_SIGS));
    else if (t === 0x002b) exts.push(versionsExt(g([0x0304, 0x0303], 0x7a7a)));
    else if (t === 0x000a) exts.push(groupsExt(g([0x001d, 0x0017, 0x0018], 0x2a2a)));
    else if (t === 0x000b) exts.push(pointFormatsExt([0]));
    else exts.push(rawExt(t, 2));
  }
  if (grease) exts.push(rawExt(0xfafa, 1));
  return clientHelloBody({ ciphers: g(SPEC_CIPHERS, 0x0a0a), extensions: exts });
}

test('JA4 spec: the published truncated hashes are sha256 of the published lists', () => {
  const h = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 12);
  assert.equal(h('002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9'), '8daaf6152771');
  assert.equal(h('0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601'), 'e5627efa2ab1');
  assert.equal(h('0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01'), '6d807ffa2a79');
});

test('JA4 of the spec example ClientHello, with and without GREASE', () => {
  for (const grease of [false, true]) {
    const ch = parse(specHello(grease));
    assert.equal(ja4(ch), 't13d1516h2_8daaf6152771_e5627efa2ab1');
    assert.equal(
      ja4Raw(ch),
      't13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601',
    );
  }
});

test('JA4 without signature algorithms hashes the extension list alone', () => {
  // Same extensions, but signature_algorithms carries an empty list.
  const exts = SPEC_EXT_ORDER.map((t) =>
    t === 0x0000 ? sniExt('a.example') : t === 0x0010 ? alpnExt(['h2']) : t === 0x000d ? sigAlgsExt([]) : t === 0x002b ? versionsExt([0x0303]) : t === 0x000a ? groupsExt([29]) : t === 0x000b ? pointFormatsExt([0]) : rawExt(t),
  );
  const ch = parse(clientHelloBody({ ciphers: SPEC_CIPHERS, extensions: exts }));
  assert.equal(ja4(ch), 't12d1516h2_8daaf6152771_6d807ffa2a79');
});

test('JA4 section a: version, SNI, counts capped at 99, ALPN characters', () => {
  const a = (o: Parameters<typeof clientHelloBody>[0]): string => ja4(parse(clientHelloBody(o))).split('_')[0]!;
  assert.equal(a({ version: 0x0301, ciphers: [0x002f], extensions: [] }), 't10i010000');
  assert.equal(a({ version: 0x0300, ciphers: [0x002f] }), 'ts3i010000');
  assert.equal(a({ version: 0x0200, ciphers: [0x002f] }), 't00i010000'); // unknown version
  assert.equal(a({ ciphers: [0x002f], extensions: [versionsExt([0x0a0a, 0x0302, 0x0301])] }), 't11i010100');
  const many = Array.from({ length: 120 }, (_, i) => 0x0100 + i);
  assert.equal(a({ ciphers: many, extensions: many.map((t) => rawExt(t)) }), 't12i999900');
  const alpn = (v: (string | Uint8Array)[]): string => a({ ciphers: [1], extensions: [alpnExt(v)] }).slice(-2);
  assert.equal(alpn(['h2', 'http/1.1']), 'h2');
  assert.equal(alpn(['http/1.1']), 'h1');
  assert.equal(alpn(['h']), 'hh');
  assert.equal(alpn(['']), '00');
  assert.equal(alpn([]), '00');
  // The spec's non-alphanumeric examples: first and last hex digit of the value.
  assert.equal(alpn([Uint8Array.of(0xab)]), 'ab');
  assert.equal(alpn([Uint8Array.of(0xab, 0xcd)]), 'ad');
  assert.equal(alpn([Uint8Array.of(0x30, 0xab)]), '3b');
  assert.equal(alpn([Uint8Array.of(0x30, 0x31, 0xab, 0xcd)]), '3d');
  assert.equal(alpn([Uint8Array.of(0x30, 0xab, 0xcd, 0x31)]), '01');
});

test('JA4 of a hello with no ciphers and no extensions uses the zero hashes', () => {
  assert.equal(ja4(parse(clientHelloBody({ ciphers: [] }))), 't12i000000_000000000000_000000000000');
});

test('JA3: the JA3 README example string and its MD5', () => {
  // "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0"
  const ch = parse(
    clientHelloBody({
      version: 769,
      ciphers: [47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4],
      extensions: [sniExt('x.example'), groupsExt([23, 24, 25]), pointFormatsExt([0])],
    }),
  );
  const s = ja3String(ch);
  assert.equal(s, '769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0');
  assert.equal(md5Hex(s), createHash('md5').update(s).digest('hex'));
  assert.equal(md5Hex(s), 'ada70206e40642a3e4461f35503241d5');
});

test('JA3 removes GREASE from ciphers, extensions and groups; keeps empty fields', () => {
  const ch = parse(clientHelloBody({ ciphers: [0x2a2a, 0x1301, 0x1302], extensions: [rawExt(0xbaba), groupsExt([0xcaca, 29, 23]), rawExt(0x0017)] }));
  assert.equal(ja3String(ch), '771,4865-4866,10-23,29-23,');
  assert.equal(ja3String(parse(clientHelloBody({ version: 0x0300, ciphers: [4, 5] }))), '768,4-5,,,');
});

test('JA3S string: version, cipher, extensions in order', () => {
  const sh = parseServerHello(serverHelloBody({ cipher: 0x1301, extensions: [serverVersionExt(0x0304), rawExt(0x0033, 36)] }), assert.fail);
  assert.ok(sh);
  assert.equal(ja3sString(sh), '771,4865,43-51');
  const sh2 = parseServerHello(serverHelloBody({ version: 0x0301, cipher: 0xc014, extensions: [rawExt(0xff01, 1), serverAlpnExt('http/1.1')] }), assert.fail);
  assert.equal(ja3sString(sh2!), '769,49172,65281-16');
  assert.equal(sh2!.alpn, 'http/1.1');
});

test('isGrease is true exactly for the 16 RFC 8701 values', () => {
  const all: number[] = [];
  for (let v = 0; v < 0x10000; v++) if (isGrease(v)) all.push(v);
  assert.deepEqual(all, GREASE);
});

test('property: inserting GREASE anywhere changes neither JA3 nor JA4', () => {
  const base = specHello(false);
  const plain = parse(base);
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...GREASE), { maxLength: 4 }), fc.array(fc.constantFrom(...GREASE), { maxLength: 4 }), fc.nat(15), (gc, ge, at) => {
      const exts = SPEC_EXT_ORDER.map((t) =>
        t === 0x0000 ? sniExt('example.com') : t === 0x0010 ? alpnExt(['h2', 'http/1.1']) : t === 0x000d ? sigAlgsExt(SPEC_SIGS) : t === 0x002b ? versionsExt([0x0304, 0x0303]) : t === 0x000a ? groupsExt([0x001d, 0x0017, 0x0018]) : t === 0x000b ? pointFormatsExt([0]) : rawExt(t, 2),
      );
      exts.splice(at, 0, ...ge.map((g) => rawExt(g)));
      const ciphers = [...SPEC_CIPHERS];
      ciphers.splice(at, 0, ...gc);
      const ch = parse(clientHelloBody({ ciphers, extensions: exts }));
      assert.equal(ja3String(ch), ja3String(plain));
      assert.equal(ja4(ch), ja4(plain));
    }),
    { numRuns: RUNS },
  );
});

test('property: ja4 (sorted typed arrays, cached) equals the hashed ja4Parts, also when a hello repeats shuffled', () => {
  const h12 = (s: string): string => (s.length === 0 ? '000000000000' : createHash('sha256').update(s).digest('hex').slice(0, 12));
  const value = fc.oneof(fc.constantFrom(...GREASE), fc.integer({ min: 0, max: 0xffff }), fc.constantFrom(0x0000, 0x0010, 0x002b, 0x000d));
  fc.assert(
    fc.property(
      fc.array(value, { maxLength: 40 }), fc.uniqueArray(value.filter((v) => v !== 0x000a && v !== 0x000b), { maxLength: 20 }), fc.array(value, { maxLength: 10 }),
      fc.boolean(), fc.constantFrom<'t' | 'q' | 'd'>('t', 'q', 'd'),
      (ciphers, extTypes, sigs, tls13, transport) => {
        const build = (order: number[]): ClientHello => parse(clientHelloBody({
          ciphers,
          extensions: order.map((t) => (t === 0x0000 ? sniExt('a.example') : t === 0x0010 ? alpnExt(['h2'])
            : t === 0x000d ? sigAlgsExt(sigs) : t === 0x002b ? versionsExt(tls13 ? [0x0304] : [0x0303]) : rawExt(t, 1))),
        }));
        for (const order of [extTypes, [...extTypes].reverse()]) {
          const ch = build(order);
          const p = ja4Parts(ch, transport);
          assert.equal(ja4(ch, transport), `${p.a}_${h12(p.ciphers)}_${h12(p.extensions)}`);
        }
      },
    ),
    { numRuns: RUNS },
  );
});

test('property: clientFingerprints (from its cache) equals ja3String, its MD5 and ja4, when a hello repeats with other GREASE, ALPN, signature algorithms or order', () => {
  const value = fc.oneof(fc.constantFrom(...GREASE), fc.integer({ min: 0, max: 0xffff }));
  fc.assert(
    fc.property(
      fc.array(value, { maxLength: 30 }), fc.uniqueArray(fc.integer({ min: 0x0100, max: 0x01ff }), { maxLength: 12 }), fc.array(value, { maxLength: 8 }),
      fc.array(value, { maxLength: 6 }), fc.constantFrom(...GREASE), fc.constantFrom(...GREASE), fc.constantFrom('h2', 'h3', 'http/1.1'), fc.nat(3),
      (ciphers, extTypes, groups, sigs, g1, g2, alpn, change) => {
        const build = (g: number, order: number[], name: string, sigList: number[]): ClientHello => parse(clientHelloBody({
          ciphers: [g, ...ciphers],
          extensions: [rawExt(g), ...order.map((t) => rawExt(t, 1)), groupsExt([g, ...groups]), alpnExt([name]), sigAlgsExt(sigList), versionsExt([g, 0x0304])],
        }));
        // The same inputs with other GREASE values (a cache hit), then one input changed (a miss).
        const changed = change === 0 ? build(g1, [...extTypes].reverse(), alpn, sigs) : change === 1 ? build(g1, extTypes, alpn === 'h2' ? 'h3' : 'h2', sigs)
          : change === 2 ? build(g1, extTypes, alpn, [...sigs, 0x0403]) : build(g2, extTypes, alpn, sigs);
        for (const ch of [build(g1, extTypes, alpn, sigs), build(g2, extTypes, alpn, sigs), changed]) {
          const fp = clientFingerprints(ch);
          const s = ja3String(ch);
          assert.equal(fp.ja3String, s);
          assert.equal(fp.ja3, createHash('md5').update(s).digest('hex'));
          const p = ja4Parts(ch, 't');
          const h12 = (x: string): string => (x.length === 0 ? '000000000000' : createHash('sha256').update(x).digest('hex').slice(0, 12));
          assert.equal(fp.ja4, `${p.a}_${h12(p.ciphers)}_${h12(p.extensions)}`);
        }
      },
    ),
    { numRuns: RUNS },
  );
});
