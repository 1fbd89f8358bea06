/**
 * Backpressure (IngestBatch.pace): the capture and log readers wait between chunks while the
 * destination holds too much, and a ClickHouse ingest asks them to wait while its sealed blocks
 * are not yet acknowledged (with a server down, they would otherwise pile up in memory).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeCapture } from '../sensor/decode-file.js';
import { READ_CHUNK_BYTES } from '../sensor/capture/index.js';
import { readLogFile } from '../formats/read.js';
import { simulate } from '../sim/index.js';
import { MemorySink } from '../records/writers.js';
import { freshStore, testServer, SINGLE_ENV } from './clickhouse/testing.js';
import { conn, T0 } from './testing/fixture.js';
import type { ClickHouseIngest } from './clickhouse/ingest-batch.js';

/** A pace that holds the reader on its first call until released; counts its calls. */
function gate(): { pace: () => Promise<void> | undefined; release: () => void; calls: () => number; held: Promise<void> } {
  let calls = 0;
  let release!: () => void;
  let reached!: () => void;
  const held = new Promise<void>((r) => { reached = r; });
  const open = new Promise<void>((r) => { release = r; });
  return {
    pace: () => {
      calls++;
      if (calls === 1) { reached(); return open; }
      return undefined;
    },
    release: () => release(),
    calls: () => calls,
    held,
  };
}

test('decodeCapture and readLogFile wait while pace holds them, then read everything', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'c2hunt-pace-'));
  try {
    const pcap = join(dir, 'x.pcap');
    await simulate({ scenario: 'mixed', hosts: 6, durationSec: 1800, seed: 3 }, pcap);
    const whole = new MemorySink();
    await decodeCapture(pcap, whole);
    const g = gate();
    const sink = new MemorySink();
    let done = false;
    const p = decodeCapture(pcap, sink, { pace: g.pace }).then((s) => { done = true; return s; });
    await g.held;
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(done, false, 'the decode waits while pace holds it');
    const before = sink.records.conn?.length ?? 0;
    g.release();
    await p;
    assert.equal(g.calls(), Math.ceil(statSync(pcap).size / READ_CHUNK_BYTES), `pace is asked once per chunk of ${READ_CHUNK_BYTES} bytes`);
    assert.deepEqual(sink.records, whole.records);
    assert.ok((sink.records.conn?.length ?? 0) >= before);
    // A log file, in chunks of the reader's size: the same.
    const log = join(dir, 'conn.log');
    const lines = ['#separator \\x09', '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state',
      '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring'];
    for (let i = 0; i < 60_000; i++) lines.push(`${1_700_000_000 + i}.5\tC${i}\t10.0.0.${i % 200}\t${1024 + (i % 5000)}\t198.51.100.${i % 100}\t443\ttcp\tssl\t1.5\t100\t200\tSF`);
    writeFileSync(log, lines.join('\n') + '\n');
    const lg = gate();
    const logSink = new MemorySink();
    let logDone = false;
    const lp = readLogFile(log, logSink, { pace: lg.pace }).then(() => { logDone = true; });
    await lg.held;
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(logDone, false, 'the log reader waits while pace holds it');
    lg.release();
    await lp;
    assert.equal(logSink.records.conn?.length, 60_000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const single = await testServer(SINGLE_ENV);
test('ClickHouse ingest: pace asks the reader to wait while sealed blocks are unacknowledged, and lets it go once they are', { skip: single.skip }, async () => {
  const s = await freshStore(single, { blockRows: 500, paceBytes: 1 });
  try {
    const batch = await s.beginIngest({ sha256: 'a'.repeat(64), path: 'pace', bytes: 0, format: 'test' }) as ClickHouseIngest;
    assert.equal(batch.pace(), undefined, 'nothing queued yet');
    for (let i = 0; i < 5000; i++) batch.write('conn', conn({ ts: T0 + i, orig_h: `10.0.0.${i % 9}`, resp_h: '198.51.100.7', resp_p: 443, uid: `Cp${i}` }));
    const wait = batch.pace();
    assert.ok(wait !== undefined, 'ten sealed blocks of 500 rows are queued: wait');
    await wait;
    assert.equal(batch.pace(), undefined, 'the blocks were acknowledged');
    await batch.commit();
    assert.equal((await s.records('conn')).length, 5000);
  } finally {
    await s.close();
  }
});
