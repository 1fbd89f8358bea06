import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CaptureError } from './capture-error.js';
import { CaptureParser, MAX_CAPLEN, MAX_INTERFACES } from './parser.js';
import {
  buildPcap, ByteWriter, exactSeconds, PcapngBuilder, type BuiltCapture, type ExpectedPacket,
} from './capture-builder.js';
import {
  LINKTYPE_ETHERNET, LINKTYPE_IPV4, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_NULL, LINKTYPE_RAW, linktypeName,
} from './linktypes.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);

interface RunResult {
  got: ExpectedPacket[];
  error: unknown;
  weirds: Map<string, string>;
  parser: CaptureParser;
}

/**
 * Push `bytes` cut at `cuts`, each chunk a fresh copy that is scribbled over after push (so a
 * parser that keeps views into old chunks delivers wrong bytes), then finish.
 */
function run(bytes: Uint8Array, cuts: readonly number[] = [], opts: { finish?: boolean } = {}): RunResult {
  const got: ExpectedPacket[] = [];
  const weirds = new Map<string, string>();
  const parser = new CaptureParser((buf, off, caplen, origlen, ts, linktype, ifIndex) => {
    assert.ok(off >= 0 && caplen >= 0 && off + caplen <= buf.length, 'packet view inside its buffer');
    assert.ok(caplen <= MAX_CAPLEN);
    got.push({ data: buf.slice(off, off + caplen), origlen, ts, linktype, ifIndex });
  }, { onWeird: (name, addl) => { weirds.set(name, addl); } });
  let error: unknown;
  try {
    let prev = 0;
    const points = [...new Set(cuts)].filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b);
    for (const c of [...points, bytes.length]) {
      const chunk = bytes.slice(prev, c);
      parser.push(chunk);
      chunk.fill(0xee);
      prev = c;
    }
    if (opts.finish !== false) parser.finish();
  } catch (e) {
    error = e;
  }
  return { got, error, weirds, parser };
}

function near(a: number, b: number): boolean {
  return Math.abs(a - b) <= Math.max(1e-6, Math.abs(b) * 1e-15);
}

function assertPackets(got: readonly ExpectedPacket[], want: readonly ExpectedPacket[], exactTs = false): void {
  assert.equal(got.length, want.length, 'packet count');
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    assert.deepEqual(g.data, w.data, `packet ${i} data`);
    assert.equal(g.origlen, w.origlen, `packet ${i} origlen`);
    assert.equal(g.linktype, w.linktype, `packet ${i} linktype`);
    assert.equal(g.ifIndex, w.ifIndex, `packet ${i} ifIndex`);
    if (exactTs) assert.equal(g.ts, w.ts, `packet ${i} ts`);
    else assert.ok(near(g.ts, w.ts), `packet ${i} ts ${g.ts} vs ${w.ts}`);
  }
}

function bytesOf(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

function captureCode(e: unknown): string {
  assert.ok(e instanceof CaptureError, `expected a CaptureError, got ${String(e)}`);
  return e.code;
}

// ---- arbitraries ----

const cutsArb = (len: number) => fc.oneof(
  fc.array(fc.integer({ min: 0, max: len }), { maxLength: 12 }),
  // Many tiny chunks: every boundary lands inside headers and records.
  fc.integer({ min: 1, max: 9 }).map((k) => Array.from({ length: Math.ceil(len / k) }, (_, i) => i * k)),
);

const pcapArb = fc.record({
  le: fc.boolean(),
  nano: fc.boolean(),
  linktype: fc.constantFrom(LINKTYPE_ETHERNET, LINKTYPE_RAW, LINKTYPE_LINUX_SLL, LINKTYPE_NULL),
  packets: fc.array(fc.record({
    sec: fc.integer({ min: 0, max: 0xffffffff }),
    frac: fc.integer({ min: 0, max: 999_999 }),
    data: fc.uint8Array({ maxLength: 300 }),
    extra: fc.nat({ max: 2000 }),
  }), { maxLength: 25 }),
}).map((s) => buildPcap({
  le: s.le, nano: s.nano, linktype: s.linktype,
  packets: s.packets.map((p) => ({ sec: p.sec, frac: s.nano ? p.frac * 1000 + (p.sec % 1000) : p.frac, data: p.data, origlen: p.data.length + p.extra })),
}));

const OTHER_BLOCK_TYPES = [4, 5, 9, 0x0a, 0xbad, 0x40000bad, 0x12345678];

const blockArb = fc.oneof(
  fc.record({ kind: fc.constant('epb' as const), iface: fc.nat({ max: 3 }), ts: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), data: fc.uint8Array({ maxLength: 200 }), extra: fc.nat({ max: 100 }), comment: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }) }),
  fc.record({ kind: fc.constant('pb' as const), iface: fc.nat({ max: 3 }), ts: fc.bigInt({ min: 0n, max: (1n << 62n) }), data: fc.uint8Array({ maxLength: 200 }), extra: fc.nat({ max: 100 }) }),
  fc.record({ kind: fc.constant('spb' as const), data: fc.uint8Array({ maxLength: 200 }), extra: fc.nat({ max: 100 }) }),
  fc.record({ kind: fc.constant('other' as const), type: fc.constantFrom(...OTHER_BLOCK_TYPES), len: fc.oneof(fc.nat({ max: 64 }), fc.integer({ min: 1000, max: 5000 })) }),
);

const ifaceArb = fc.record({
  linktype: fc.constantFrom(LINKTYPE_ETHERNET, LINKTYPE_RAW, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_IPV4),
  snaplen: fc.constantFrom(0, 64, 65535, 262144),
  tsresol: fc.constantFrom(undefined, 6, 9, 3, 0, 0x80 | 20, 0x80 | 10, 0x80 | 40),
  tsoffset: fc.constantFrom(undefined, 0n, -3600n, 1_000_000n),
  name: fc.option(fc.string({ maxLength: 12 }), { nil: undefined }),
});

const pcapngArb = fc.array(fc.record({
  le: fc.boolean(),
  ifaces: fc.array(ifaceArb, { minLength: 1, maxLength: 3 }),
  blocks: fc.array(blockArb, { maxLength: 15 }),
}), { minLength: 1, maxLength: 3 }).map((sections) => {
  const b = new PcapngBuilder();
  for (const s of sections) {
    b.section(s.le);
    for (const i of s.ifaces) b.interface(i);
    for (const k of s.blocks) {
      if (k.kind === 'epb') b.epb(k.iface, k.ts, k.data, k.data.length + k.extra, k.comment);
      else if (k.kind === 'pb') b.pb(k.iface, k.ts, k.data, k.data.length + k.extra);
      else if (k.kind === 'spb') b.spb(k.data, k.data.length + k.extra);
      else b.other(k.type, new Uint8Array(k.len).fill(0x5a));
    }
  }
  return b.build();
});

const captureArb: fc.Arbitrary<BuiltCapture> = fc.oneof(pcapArb, pcapngArb);

// ---- pcap ----

test('pcap: both byte orders, micro- and nanosecond, exact fields and timestamps', () => {
  for (const le of [true, false]) {
    for (const nano of [false, true]) {
      const data = Uint8Array.from([1, 2, 3, 4, 5, 6, 7]);
      const cap = buildPcap({
        le, nano, linktype: LINKTYPE_ETHERNET,
        packets: [
          { sec: 1700000000, frac: nano ? 123456789 : 123456, data, origlen: 1514 },
          { sec: 1700000001, frac: 0, data: new Uint8Array(0) },
        ],
      });
      const r = run(cap.bytes);
      assert.equal(r.error, undefined);
      assert.equal(r.parser.format, 'pcap');
      assert.equal(r.parser.packets, 2);
      assert.equal(r.parser.bytes, cap.bytes.length);
      assertPackets(r.got, cap.packets, true);
      assert.equal(r.got[0]!.ts, nano ? 1700000000.123456789 : 1700000000.123456);
      assert.equal(r.got[0]!.origlen, 1514);
      assert.equal(r.parser.interfaces[0]!.tsUnitsPerSecond, nano ? 1e9 : 1e6);
    }
  }
});

test('pcap: link type field upper bits (FCS length) are masked off and reported', () => {
  const cap = buildPcap({ le: true, nano: false, linktype: 1, linktypeField: 1 | 0x04000000 | (2 << 28), packets: [{ sec: 1, frac: 2, data: new Uint8Array(20) }] });
  const r = run(cap.bytes);
  assert.equal(r.got[0]!.linktype, 1);
  assert.equal(r.parser.interfaces[0]!.fcsLen, 4);
  assert.equal(linktypeName(r.got[0]!.linktype), 'ETHERNET');
  assert.equal(linktypeName(4242), 'LINKTYPE_4242');
});

test('pcap: records inside one chunk are delivered without copying', () => {
  const cap = buildPcap({ le: true, nano: false, linktype: 1, packets: [{ sec: 1, frac: 0, data: new Uint8Array(60).fill(7) }, { sec: 2, frac: 0, data: new Uint8Array(70).fill(8) }] });
  const seen: Uint8Array[] = [];
  const p = new CaptureParser((buf) => { seen.push(buf); });
  p.push(cap.bytes);
  p.finish();
  assert.equal(seen.length, 2);
  assert.ok(seen.every((b) => b === cap.bytes), 'handler sees the pushed chunk itself');
});

test('pcap: impossible caplen is CAPTURE_CORRUPT at the record, earlier packets delivered', () => {
  const cap = buildPcap({ le: true, nano: false, linktype: 1, packets: [{ sec: 1, frac: 0, data: new Uint8Array(10) }, { sec: 2, frac: 0, data: new Uint8Array(10) }] });
  const bad = cap.bytes.slice();
  new DataView(bad.buffer).setUint32(cap.recordStarts[1]! + 8, 0x7fffffff, true);
  const r = run(bad);
  assert.equal(captureCode(r.error), 'CAPTURE_CORRUPT');
  assert.equal((r.error as CaptureError).offset, cap.recordStarts[1]);
  assert.match((r.error as Error).message, /^Cannot read capture: impossible record length 2147483647 at byte 50/);
  assert.equal(r.got.length, 1);
  // The parser stays failed.
  assert.throws(() => r.parser.push(new Uint8Array(4)), (e) => e === r.error);
});

test('pcap: caplen above a small snaplen is a weird within the slack, corruption beyond it', () => {
  const mk = (len: number) => buildPcap({ le: false, nano: false, linktype: 1, snaplen: 96, packets: [{ sec: 1, frac: 0, data: new Uint8Array(len) }] }).bytes;
  const ok = run(mk(1500));
  assert.equal(ok.error, undefined);
  assert.equal(ok.got.length, 1);
  assert.ok(ok.weirds.has('capture_caplen_gt_snaplen'));
  const bad = run(mk(96 + 65536 + 1));
  assert.equal(captureCode(bad.error), 'CAPTURE_CORRUPT');
});

test('pcap: origlen below caplen and a fraction beyond one second are weirds, packets still delivered', () => {
  const cap = buildPcap({ le: true, nano: false, linktype: 1, packets: [{ sec: 1, frac: 2_000_000, data: new Uint8Array(10), origlen: 4 }, { sec: 1, frac: 3_000_000, data: new Uint8Array(10), origlen: 4 }] });
  const r = run(cap.bytes);
  assert.equal(r.error, undefined);
  assert.equal(r.got.length, 2);
  assert.deepEqual([...r.weirds.keys()].sort(), ['capture_origlen_lt_caplen', 'pcap_bad_timestamp_fraction']);
});

// ---- pcapng ----

test('pcapng: two interfaces, SPB, PB, unknown blocks, second section in the other byte order', () => {
  const b = new PcapngBuilder()
    .section(true)
    .other(0xbad, bytesOf('custom block'))
    .interface({ linktype: LINKTYPE_ETHERNET, snaplen: 65535, name: 'eth0' })
    .interface({ linktype: LINKTYPE_RAW, snaplen: 0, tsresol: 9, tsoffset: 100n })
    .epb(0, 1700000000_123456n, Uint8Array.from([1, 2, 3]), 60, 'a comment')
    .epb(1, 1700000000_123456789n, Uint8Array.from([0x45, 0, 0, 20]))
    .other(4, new Uint8Array(16)) // name resolution
    .spb(Uint8Array.from([9, 9, 9, 9, 9]), 5)
    .pb(1, 1700000001_000000000n, Uint8Array.from([0x60]))
    .other(5, new Uint8Array(24)) // interface statistics
    .section(false)
    .interface({ linktype: LINKTYPE_LINUX_SLL, snaplen: 4, tsresol: 0x80 | 20 })
    .epb(0, (1700000002n << 20n) + (1n << 19n), Uint8Array.from([7, 7, 7]))
    .spb(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), 100);
  const cap = b.build();
  const r = run(cap.bytes);
  assert.equal(r.error, undefined);
  assert.equal(r.parser.format, 'pcapng');
  assert.equal(r.parser.bytes, cap.bytes.length);
  assertPackets(r.got, cap.packets);
  assert.deepEqual(r.got.map((p) => [p.linktype, p.ifIndex]), [[1, 0], [101, 1], [1, 0], [101, 1], [113, 2], [113, 2]]);
  assert.equal(r.got[0]!.ts, 1700000000.123456);
  assert.ok(Math.abs(r.got[1]!.ts - 1700000100.123456789) < 3e-7);
  assert.equal(r.got[2]!.ts, r.got[1]!.ts, 'SPB takes the last timestamp');
  assert.deepEqual(r.got[2]!.data, Uint8Array.from([9, 9, 9, 9, 9]), 'SPB caplen = origlen, not the padded space');
  assert.equal(r.got[4]!.ts, 1700000002.5);
  assert.deepEqual(r.got[5]!.data, Uint8Array.from([1, 2, 3, 4]), 'SPB caplen capped by snaplen');
  assert.equal(r.got[5]!.origlen, 100);
  assert.equal(r.parser.interfaces.length, 1, 'interfaces restart with the section');
  assert.equal(r.parser.interfaces[0]!.index, 2);
});

test('pcapng: microsecond EPB timestamps are the same doubles as pcap gives', () => {
  const sec = 1712345678;
  const usecs = [0, 1, 123456, 999999, 500000, 314159];
  const b = new PcapngBuilder().section(true).interface({ linktype: 1 });
  for (const u of usecs) b.epb(0, BigInt(sec) * 1000000n + BigInt(u), new Uint8Array(1));
  const r = run(b.build().bytes);
  assert.deepEqual(r.got.map((p) => p.ts), usecs.map((u) => sec + u / 1e6));
});

test('pcapng: 64-bit timestamps split exactly: the same doubles as sec + frac / units', () => {
  const resolutions: [number, bigint][] = [[9, 1000000000n], [6, 1000000n], [3, 1000n], [0x80 | 30, 1n << 30n], [0x80 | 20, 1n << 20n], [0, 1n]];
  const arb = fc.tuple(fc.constantFrom(...resolutions), fc.bigInt({ min: 0n, max: 4102444800n * 1000000000n }), fc.boolean());
  fc.assert(fc.property(arb, ([[tsresol, units], v, le]) => {
    if (v / units > 1n << 40n) v %= units << 40n;
    const r = run(new PcapngBuilder().section(le).interface({ linktype: 1, tsresol }).epb(0, v, new Uint8Array(1)).build().bytes);
    assert.equal(r.got[0]!.ts, exactSeconds(v, units, 0n), `${v} in units of 1/${units} s`);
  }), { numRuns: RUNS });
});

test('pcapng: a packet for an undeclared interface is skipped with a weird', () => {
  const cap = new PcapngBuilder().section(true).interface({ linktype: 1 })
    .epb(3, 5n, new Uint8Array(4)).pb(7, 5n, new Uint8Array(4)).epb(0, 6n, new Uint8Array(4)).build();
  const r = run(cap.bytes);
  assert.equal(r.error, undefined);
  assert.equal(r.got.length, 1);
  assert.equal(r.parser.skipped, 2);
  assert.match(r.weirds.get('pcapng_unknown_interface')!, /interface 3 of 1/);
});

test('pcapng: SPB before any interface is skipped with a weird', () => {
  const r = run(new PcapngBuilder().section(true).spb(new Uint8Array(8)).build().bytes);
  assert.equal(r.error, undefined);
  assert.equal(r.parser.skipped, 1);
  assert.ok(r.weirds.has('pcapng_unknown_interface'));
});

test('pcapng: an option that overruns its block is a weird; the interface still counts', () => {
  const b = new PcapngBuilder().section(true);
  b.block(1, (w) => { w.u16(1).u16(0).u32(0).u16(2).u16(200).u32(0); });
  const cap = b.epb(0, 7n, new Uint8Array(3)).build();
  const r = run(cap.bytes);
  assert.equal(r.error, undefined);
  assert.equal(r.got.length, 1);
  assert.match(r.weirds.get('pcapng_bad_option')!, /option 2 length 200/);
});

test('pcapng: interfaces beyond the per-section limit are ignored with a weird', () => {
  const b = new PcapngBuilder().section(true);
  for (let i = 0; i <= MAX_INTERFACES; i++) b.interface({ linktype: 1 });
  const r = run(b.epb(MAX_INTERFACES - 1, 1n, new Uint8Array(1)).epb(MAX_INTERFACES, 1n, new Uint8Array(1)).build().bytes);
  assert.equal(r.got.length, 1);
  assert.equal(r.parser.interfaces.length, MAX_INTERFACES);
  assert.ok(r.weirds.has('pcapng_too_many_interfaces'));
  assert.ok(r.weirds.has('pcapng_unknown_interface'));
});

test('pcapng: a trailing length copy that differs is CAPTURE_CORRUPT (buffered and skipped blocks)', () => {
  const b = new PcapngBuilder().section(true).interface({ linktype: 1 }).epb(0, 1n, new Uint8Array(8));
  const good = b.build();
  const skipped = new PcapngBuilder().section(true).interface({ linktype: 1 }).other(4, new Uint8Array(4000)).build();
  for (const [cap, blockIndex] of [[good, 2], [skipped, 2]] as const) {
    const bad = cap.bytes.slice();
    const start = cap.recordStarts[blockIndex]!;
    const end = cap.recordStarts[blockIndex + 1] ?? bad.length;
    new DataView(bad.buffer).setUint32(end - 4, 999, true);
    for (const cuts of [[], [start + 20], [start + 5, start + 100, start + 3000]]) {
      const r = run(bad, cuts);
      assert.equal(captureCode(r.error), 'CAPTURE_CORRUPT');
      assert.equal((r.error as CaptureError).offset, start);
    }
  }
});

test('pcapng: impossible block lengths are CAPTURE_CORRUPT', () => {
  const cap = new PcapngBuilder().section(true).interface({ linktype: 1 }).epb(0, 1n, new Uint8Array(8)).build();
  const start = cap.recordStarts[2]!;
  for (const len of [13, 8, 0]) {
    const bad = cap.bytes.slice();
    new DataView(bad.buffer).setUint32(start + 4, len, true);
    assert.equal(captureCode(run(bad).error), 'CAPTURE_CORRUPT');
  }
  const big = cap.bytes.slice();
  new DataView(big.buffer).setUint32(start + 20, 0x10000, true); // caplen beyond the block
  assert.equal(captureCode(run(big).error), 'CAPTURE_CORRUPT');
});

test('pcapng: a huge unknown block split across chunks is skipped without buffering it', () => {
  const cap = new PcapngBuilder().section(true).interface({ linktype: 1 })
    .other(0x40000bad, new Uint8Array(3 * 1024 * 1024)).epb(0, 1n, Uint8Array.from([4, 2])).build();
  const cuts = Array.from({ length: 40 }, (_, i) => 100 + i * 100_003);
  const r = run(cap.bytes, cuts);
  assert.equal(r.error, undefined);
  assertPackets(r.got, cap.packets);
  // White-box: the carry buffer never had to hold the block.
  assert.ok((r.parser as unknown as { carry: Uint8Array }).carry.length < 64 * 1024);
});

test('pcapng: a bad byte-order mark in the first section is CAPTURE_BAD_MAGIC, later CAPTURE_CORRUPT', () => {
  const cap = new PcapngBuilder().section(true).interface({ linktype: 1 }).section(true).build();
  const first = cap.bytes.slice();
  first[8] = 0;
  assert.equal(captureCode(run(first).error), 'CAPTURE_BAD_MAGIC');
  const second = cap.bytes.slice();
  second[cap.recordStarts[2]! + 8] = 0;
  assert.equal(captureCode(run(second).error), 'CAPTURE_CORRUPT');
});

// ---- errors at the edges ----

test('bad magic names what the input looks like', () => {
  const cases: [string | Uint8Array, RegExp][] = [
    ['#separator \\x09\n#set_separator\t,\n#fields\tts\tuid\n', /Zeek log\?/],
    ['{"timestamp":"2024-01-01T00:00:00","event_type":"flow"}\n', /JSON/],
    ['hello world, this is not a capture\n', /looks like text/],
    [Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]), /gzip/],
    [Uint8Array.from([0xa1, 0xb2, 0xcd, 0x34, 0, 0, 0, 0]), /Kuznetzov/],
    [Uint8Array.from([0, 1, 2, 3, 200, 201]), /first bytes 00 01 02 03 c8 c9/],
  ];
  for (const [input, re] of cases) {
    const bytes = typeof input === 'string' ? bytesOf(input) : input;
    const r = run(bytes);
    assert.equal(captureCode(r.error), 'CAPTURE_BAD_MAGIC');
    assert.equal((r.error as CaptureError).offset, 0);
    assert.match((r.error as Error).message, /^Cannot read capture: not a pcap or pcapng file/);
    assert.match((r.error as Error).message, re);
  }
  // Too short to be a magic, and not the start of one.
  assert.equal(captureCode(run(bytesOf('#s')).error), 'CAPTURE_BAD_MAGIC');
  // Fed a byte at a time, a Zeek log is still recognised from its first four bytes.
  const zeek = bytesOf('#separator \\x09\n');
  assert.match((run(zeek, Array.from({ length: zeek.length }, (_, i) => i)).error as Error).message, /Zeek log\?/);
});

test('empty input is CAPTURE_EMPTY; a header-only pcap is zero packets', () => {
  assert.equal(captureCode(run(new Uint8Array(0)).error), 'CAPTURE_EMPTY');
  const r = run(buildPcap({ le: true, nano: false, linktype: 1, packets: [] }).bytes);
  assert.equal(r.error, undefined);
  assert.equal(r.parser.packets, 0);
  assert.equal(r.parser.format, 'pcap');
});

test('a handler that throws leaves the parser unusable, with a clear error', () => {
  const cap = buildPcap({ le: true, nano: false, linktype: 1, packets: [{ sec: 1, frac: 0, data: new Uint8Array(4) }] });
  const p = new CaptureParser(() => { throw new Error('boom'); });
  assert.throws(() => p.push(cap.bytes), /boom/);
  assert.throws(() => p.push(cap.bytes), /busy/);
});

// ---- properties ----

test('property: every packet is delivered identically whatever the chunking', () => {
  fc.assert(fc.property(captureArb.chain((cap) => fc.tuple(fc.constant(cap), cutsArb(cap.bytes.length))), ([cap, cuts]) => {
    const r = run(cap.bytes, cuts);
    assert.equal(r.error, undefined, String(r.error));
    assertPackets(r.got, cap.packets);
    assert.equal(r.parser.bytes, cap.bytes.length);
  }), { numRuns: RUNS });
});

test('property: a truncated capture delivers every complete packet, then CAPTURE_TRUNCATED at the cut record', () => {
  const arb = captureArb.chain((cap) => fc.tuple(fc.constant(cap), fc.integer({ min: 1, max: Math.max(1, cap.bytes.length - 1) }), cutsArb(cap.bytes.length)));
  fc.assert(fc.property(arb, ([cap, cut, cuts]) => {
    const r = run(cap.bytes.subarray(0, cut), cuts);
    const complete = cap.packetEnds.filter((e) => e <= cut).length;
    assertPackets(r.got, cap.packets.slice(0, complete));
    if (cut === cap.headerEnd || cap.recordStarts.includes(cut)) {
      assert.equal(r.error, undefined, 'a cut between records is a complete capture');
      return;
    }
    assert.equal(captureCode(r.error), 'CAPTURE_TRUNCATED');
    const err = r.error as CaptureError;
    const start = cut < cap.headerEnd ? 0 : Math.max(0, ...cap.recordStarts.filter((s) => s <= cut));
    assert.equal(err.offset, start);
    const m = /^Cannot read capture: truncated (record|file header) at byte (\d+) \(need (\d+) more bytes\)$/.exec(err.message);
    assert.ok(m, err.message);
    assert.equal(Number(m[2]), start);
    // Before the magic is complete: the magic; in the pcap file header: the header; in a record:
    // its header, then exactly the rest of the record.
    const next = [...cap.recordStarts, cap.bytes.length].find((s) => s > start)!;
    const recordHeader = cap.headerEnd === 0 ? 12 : 16;
    let need: number;
    if (cut < 4) need = 4 - cut;
    else if (cut < cap.headerEnd) need = cap.headerEnd - cut;
    else need = cut - start >= recordHeader ? next - cut : recordHeader - (cut - start);
    assert.equal(Number(m[3]), need);
  }), { numRuns: RUNS });
});

test('property: random bytes, after a valid header or not, give packets or a CaptureError, never another exception', () => {
  const pcapHeader = buildPcap({ le: true, nano: false, linktype: 1, snaplen: 65535, packets: [] }).bytes;
  const pcapBeNano = buildPcap({ le: false, nano: true, linktype: 101, packets: [] }).bytes;
  const ngHeader = new PcapngBuilder().section(true).interface({ linktype: 1 }).build().bytes;
  const ngBe = new PcapngBuilder().section(false).interface({ linktype: 113, tsresol: 9 }).build().bytes;
  const arb = fc.tuple(fc.constantFrom(new Uint8Array(0), pcapHeader, pcapBeNano, ngHeader, ngBe), fc.uint8Array({ maxLength: 3000 }))
    .map(([h, tail]) => { const b = new Uint8Array(h.length + tail.length); b.set(h); b.set(tail, h.length); return b; })
    .chain((b) => fc.tuple(fc.constant(b), cutsArb(b.length)));
  fc.assert(fc.property(arb, ([bytes, cuts]) => {
    const r = run(bytes, cuts);
    if (r.error !== undefined) captureCode(r.error);
  }), { numRuns: RUNS });
});

test('property: mutated valid captures give packets or a CaptureError, never another exception', () => {
  const arb = captureArb.chain((cap) => fc.tuple(
    fc.constant(cap.bytes),
    fc.array(fc.tuple(fc.nat({ max: cap.bytes.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
    cutsArb(cap.bytes.length),
  ));
  fc.assert(fc.property(arb, ([orig, flips, cuts]) => {
    const bytes = orig.slice();
    for (const [at, v] of flips) bytes[at] = v;
    const r = run(bytes, cuts);
    if (r.error !== undefined) captureCode(r.error);
  }), { numRuns: RUNS });
});

test('ByteWriter writes both byte orders', () => {
  assert.deepEqual(new ByteWriter(true).u16(0x0102).u32(0x03040506).result(), Uint8Array.from([2, 1, 6, 5, 4, 3]));
  assert.deepEqual(new ByteWriter(false).u16(0x0102).i64(-2n).result(), Uint8Array.from([1, 2, 255, 255, 255, 255, 255, 255, 255, 254]));
});
