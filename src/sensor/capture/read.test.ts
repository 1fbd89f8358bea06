import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { CaptureError } from './capture-error.js';
import { buildPcap, PcapngBuilder, type ExpectedPacket } from './capture-builder.js';
import { readCapture, type ReadCaptureOptions } from './read.js';

let dir = '';
before(async () => { dir = await mkdtemp(path.join(tmpdir(), 'c2hunt-capture-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

function sample() {
  const b = new PcapngBuilder().section(true)
    .interface({ linktype: 1, snaplen: 65535 })
    .interface({ linktype: 101, tsresol: 9 });
  for (let i = 0; i < 200; i++) {
    const data = new Uint8Array(40 + (i * 37) % 1400).fill(i & 0xff);
    if (i % 3 === 0) b.epb(1, 1700000000_000000000n + BigInt(i) * 1000n, data);
    else b.epb(0, 1700000000_000000n + BigInt(i), data);
    if (i % 50 === 0) b.other(5, new Uint8Array(100));
  }
  return b.build();
}

async function collect(file: string, opts: ReadCaptureOptions = {}) {
  const got: ExpectedPacket[] = [];
  const res = await readCapture(file, (buf, off, caplen, origlen, ts, linktype, ifIndex) => {
    got.push({ data: new Uint8Array(buf.subarray(off, off + caplen)), origlen, ts, linktype, ifIndex });
  }, opts);
  return { got, res };
}

async function rejection(p: Promise<unknown>): Promise<CaptureError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof CaptureError, `expected a CaptureError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a rejection');
}

test('readCapture: a plain pcapng file, big and tiny reads, progress to the file size', async () => {
  const cap = sample();
  const file = path.join(dir, 'sample.pcapng');
  await writeFile(file, cap.bytes);
  for (const chunkSize of [undefined, 61, 1000]) {
    const progress: [number, number | undefined][] = [];
    const { got, res } = await collect(file, { chunkSize, onProgress: (n, t) => progress.push([n, t]) });
    assert.deepEqual(got, cap.packets);
    assert.deepEqual(res, { format: 'pcapng', packets: 200, bytes: cap.bytes.length, gzip: false, skipped: 0 });
    assert.deepEqual(progress.at(-1), [cap.bytes.length, cap.bytes.length]);
  }
});

test('readCapture: gzip input (one member and several) is detected by magic and decompressed', async () => {
  const cap = sample();
  const one = path.join(dir, 'one.pcap-no-suffix');
  await writeFile(one, gzipSync(cap.bytes));
  const half = cap.bytes.length >> 1;
  const multi = path.join(dir, 'multi.pcapng.gz');
  await writeFile(multi, Buffer.concat([gzipSync(cap.bytes.subarray(0, half)), gzipSync(cap.bytes.subarray(half))]));
  for (const file of [one, multi]) {
    for (const chunkSize of [undefined, 1, 333]) {
      const { got, res } = await collect(file, { chunkSize });
      assert.equal(res.gzip, true);
      assert.equal(res.bytes, cap.bytes.length);
      assert.deepEqual(got, cap.packets);
    }
  }
});

test('readCapture: a truncated file delivers the packets before the cut, then CAPTURE_TRUNCATED', async () => {
  const cap = buildPcap({ le: true, nano: false, linktype: 1, packets: Array.from({ length: 10 }, (_, i) => ({ sec: i, frac: 0, data: new Uint8Array(100) })) });
  const cut = cap.recordStarts[7]! + 30;
  const file = path.join(dir, 'cut.pcap');
  await writeFile(file, cap.bytes.subarray(0, cut));
  let n = 0;
  const err = await rejection(readCapture(file, () => { n++; }));
  assert.equal(err.code, 'CAPTURE_TRUNCATED');
  assert.equal(err.offset, cap.recordStarts[7]);
  assert.equal(err.message, `Cannot read capture: truncated record at byte ${cap.recordStarts[7]} (need 86 more bytes)`);
  assert.equal(n, 7);
});

test('readCapture: a truncated gzip stream is CAPTURE_TRUNCATED, bad gzip data CAPTURE_GZIP', async () => {
  const cap = sample();
  const gz = gzipSync(cap.bytes);
  const cutFile = path.join(dir, 'cut.gz');
  await writeFile(cutFile, gz.subarray(0, gz.length >> 1));
  let n = 0;
  const err = await rejection(readCapture(cutFile, () => { n++; }));
  assert.equal(err.code, 'CAPTURE_TRUNCATED');
  assert.ok(n > 0 && n < 200, `some packets before the cut (${n})`);

  const bad = Buffer.from(gz);
  bad[2] = 7; // compression method other than deflate
  const badFile = path.join(dir, 'bad.gz');
  await writeFile(badFile, bad);
  const err2 = await rejection(readCapture(badFile, () => {}));
  assert.equal(err2.code, 'CAPTURE_GZIP');
  assert.match(err2.message, /^Cannot read capture: corrupt gzip data/);
});

test('readCapture: a missing file is CAPTURE_OPEN, a Zeek log CAPTURE_BAD_MAGIC, an empty file CAPTURE_EMPTY', async () => {
  const missing = await rejection(readCapture(path.join(dir, 'nope.pcap'), () => {}));
  assert.equal(missing.code, 'CAPTURE_OPEN');
  assert.match(missing.message, /^Cannot read capture: cannot open .*nope\.pcap/);

  const log = path.join(dir, 'conn.log');
  await writeFile(log, '#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n');
  const magic = await rejection(readCapture(log, () => {}));
  assert.equal(magic.code, 'CAPTURE_BAD_MAGIC');
  assert.match(magic.message, /Zeek log/);

  const gzLog = path.join(dir, 'conn.log.gz');
  await writeFile(gzLog, gzipSync('#separator \\x09\n#fields\tts\n'));
  assert.match((await rejection(readCapture(gzLog, () => {}))).message, /Zeek log/);

  const empty = path.join(dir, 'empty.pcap');
  await writeFile(empty, new Uint8Array(0));
  assert.equal((await rejection(readCapture(empty, () => {}))).code, 'CAPTURE_EMPTY');
});

test('readCapture: "-" reads stdin, gzip or not', async () => {
  const cap = sample();
  const readModule = path.join(path.dirname(fileURLToPath(import.meta.url)), 'read.js');
  const script = `import(${JSON.stringify(readModule)}).then(async (m) => {
    let n = 0, sum = 0;
    const r = await m.readCapture('-', (b, o, c) => { n++; sum += c; });
    console.log(JSON.stringify({ n, sum, gzip: r.gzip, format: r.format }));
  }).catch((e) => { console.log(JSON.stringify({ error: e.code })); });`;
  const want = cap.packets.reduce((s, p) => s + p.data.length, 0);
  for (const [input, gzip] of [[Buffer.from(cap.bytes), false], [gzipSync(cap.bytes), true]] as const) {
    const out = await new Promise<string>((resolve, reject) => {
      const child = execFile(process.execPath, ['--input-type=module', '-e', script], (err, stdout) => (err ? reject(err) : resolve(stdout)));
      child.stdin!.end(input);
    });
    assert.deepEqual(JSON.parse(out), { n: 200, sum: want, gzip, format: 'pcapng' });
  }
});
