/** `c2hunt simulate` through the real command line. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseDuration } from './simulate.js';

const CLI = resolve(process.cwd(), 'dist/cli/main.js');

function c2hunt(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('durations: 90s, 30m, 24h, 2d, plain seconds; garbage is rejected', () => {
  assert.equal(parseDuration('90s'), 90);
  assert.equal(parseDuration('30m'), 1800);
  assert.equal(parseDuration('24h'), 86400);
  assert.equal(parseDuration('2d'), 172800);
  assert.equal(parseDuration('1.5h'), 5400);
  assert.equal(parseDuration('600'), 600);
  for (const bad of ['', '3x', 'h', '-5m', '0s']) assert.throws(() => parseDuration(bad), bad);
});

test('simulate writes the capture and its labels and prints a summary line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'c2h-sim-'));
  try {
    const out = join(dir, 'r.pcap');
    const r = c2hunt(['simulate', '--scenario', 'ramnit', '--out', out, '--hosts', '5', '--duration', '20m', '--seed', '3', '--start', '2026-11-02T08:00:00Z']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /packets, [\d.]+ MB, .* s, [\d.]+ MB\/s\n$/);
    assert.ok(existsSync(out));
    const labels = JSON.parse(readFileSync(join(dir, 'r.labels.json'), 'utf8'));
    assert.equal(labels.start, Date.UTC(2026, 10, 2, 8) / 1000);
    assert.equal(labels.end - labels.start, 1200);
    assert.equal(labels.seed, 3);
    const j = c2hunt(['simulate', '--scenario', 'benign', '--out', join(dir, 'b.pcap'), '--hosts', '3', '--duration', '90s', '--json']);
    assert.equal(j.code, 0, j.err);
    const s = JSON.parse(j.out);
    assert.ok(s.packets >= 0 && s.bytes >= 24 && typeof s.mb_per_s === 'number');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--help lists the scenarios; bad input fails with a clear message', () => {
  const h = c2hunt(['simulate', '--help']);
  assert.equal(h.code, 0);
  for (const s of ['ramnit', 'smominru', 'benign', 'mixed']) assert.match(h.out, new RegExp(`\\n  ${s} `));
  const bad = c2hunt(['simulate', '--scenario', 'nope', '--out', join(tmpdir(), 'never.pcap')]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /Cannot simulate: unknown scenario "nope"/);
  const dur = c2hunt(['simulate', '--scenario', 'benign', '--out', join(tmpdir(), 'never.pcap'), '--duration', '3x']);
  assert.notEqual(dur.code, 0);
  assert.match(dur.err, /duration/);
});
