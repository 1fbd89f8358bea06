/**
 * The readers against real captures in ../shared/data (C2HUNT_DATA overrides), checked against
 * Wireshark's tools: packet counts from `capinfos` for every file, and per-packet timestamps and
 * lengths from `tshark` for a few files with odd link types and resolutions. Skips when the data
 * or the tools are absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { CaptureError } from './capture-error.js';
import { readCapture } from './read.js';
import { DATA_DIR } from '../../testing/data.js';

const DATA = DATA_DIR;
const DIRS = ['parsers/ndpi-tests/pcap', 'beacon'].map((d) => path.join(DATA, d));

function hasTool(name: string): boolean {
  return spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0;
}

function captures(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(pcap|pcapng)$/i.test(e.name))
    .map((e) => path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
    .sort();
}

const files = DIRS.flatMap(captures);
const noData = files.length === 0 && `no captures under ${DIRS.join(', ')}`;
const haveCapinfos = hasTool('capinfos');
const haveTshark = hasTool('tshark');

test('real captures: packet counts equal capinfos', { skip: noData || (!haveCapinfos && 'capinfos absent') }, async () => {
  // One capinfos run for all files: "-T -r" prints "name<TAB>count" rows without a header. It
  // exits non-zero when a file is cut short but still prints the packets it read: the count a
  // reader should deliver.
  const run = spawnSync('capinfos', ['-T', '-r', '-c', '-M', ...files], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const want = new Map(run.stdout.trim().split('\n').map((l) => {
    const i = l.lastIndexOf('\t');
    return [l.slice(0, i), Number(l.slice(i + 1))] as const;
  }));
  assert.ok(files.length >= 10, `found ${files.length} captures`);
  for (const f of files) {
    let n = 0;
    const err = await readCapture(f, () => { n++; }).then(() => undefined, (e: unknown) => e);
    if (err !== undefined) {
      // Only a cut-short file may end in an error, and only after delivering what tshark reads.
      assert.ok(err instanceof CaptureError && err.code === 'CAPTURE_TRUNCATED', `${f}: ${String(err)}`);
    }
    assert.equal(n, want.get(f), `${f}: packets`);
  }
});

test('real captures: timestamps and lengths equal tshark for odd link types and resolutions',
  { skip: noData || (!haveTshark && 'tshark absent') }, async (t) => {
    const picks = ['mining.pcapng', 'anydesk.pcapng', 'dns2tcp_tunnel.pcap', 'teamviewer.pcap', 'ookla.pcap']
      .map((n) => files.find((f) => path.basename(f) === n)).filter((f): f is string => f !== undefined);
    if (picks.length === 0) {
      t.skip('none of the chosen captures is present');
      return;
    }
    for (const f of picks) {
      const rows: [number, number, number][] = [];
      await readCapture(f, (_b, _o, caplen, origlen, ts) => { rows.push([ts, caplen, origlen]); });
      const out = execFileSync('tshark', ['-r', f, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.cap_len', '-e', 'frame.len'],
        { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'ignore'] });
      const lines = out.split('\n').filter((l) => l !== '');
      assert.equal(rows.length, lines.length, `${f}: packets`);
      lines.forEach((l, i) => {
        const [t, c, o] = l.split('\t');
        const [ts, caplen, origlen] = rows[i]!;
        assert.ok(Math.abs(ts - Number(t)) < 1e-6, `${f} #${i + 1}: ts ${ts} vs ${t}`);
        assert.equal(caplen, Number(c), `${f} #${i + 1}: caplen`);
        assert.equal(origlen, Number(o), `${f} #${i + 1}: origlen`);
      });
    }
  });
