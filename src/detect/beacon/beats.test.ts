import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collapseBursts } from './beats.js';

test('bursts collapse into beats; bytes are summed per beat; order does not matter', () => {
  // Three beats 600 s apart, with 3, 1 and 2 connections within a second.
  const ts = [1200.5, 0, 600, 0.3, 1200, 0.9];
  const bytes = [10, 100, 200, 20, 30, 40];
  const b = collapseBursts(ts, bytes, undefined, 2, 0.05);
  assert.deepEqual([...b.times], [0, 600, 1200]);
  assert.deepEqual([...b.conns], [3, 1, 2]);
  assert.deepEqual([...b.sizes!], [160, 200, 40]);
  assert.equal(b.connections, 6);
  assert.equal(b.window, 2);
  assert.equal(b.lastTime, 1200.5);
});

test('the burst window shrinks with short periods (5% of the typical gap) so beats survive', () => {
  const ts = Array.from({ length: 100 }, (_, i) => i * 3);
  const b = collapseBursts(ts, undefined, undefined, 2, 0.05);
  assert.equal(b.times.length, 100);
  assert.ok(Math.abs(b.window - 0.15) < 1e-9);
});

test('bursts are anchored at their first connection: a dense stream does not chain into one beat', () => {
  // Groups of ten connections 1.5 s apart, 100 s between groups: the window is 2 s.
  const ts: number[] = [];
  for (let g = 0; g < 4; g++) for (let i = 0; i < 10; i++) ts.push(g * 100 + i * 1.5);
  const b = collapseBursts(ts, undefined, undefined, 2, 0.05);
  // Each group of 10 (13.5 s long) becomes 5 beats (pairs), never one beat.
  assert.equal(b.times.length, 20);
});

test('non-finite times are dropped and counted; failed connections are counted; mismatched arrays are ignored', () => {
  const b = collapseBursts([0, NaN, 600, Infinity, 1200], [1, 2], [true, false, true, false, true], 2, 0.05);
  assert.equal(b.connections, 3);
  assert.equal(b.invalid, 2);
  assert.equal(b.failed, 3); // only valid connections count
  assert.equal(b.sizes, null);
  const empty = collapseBursts([], undefined, undefined, 2, 0.05);
  assert.equal(empty.times.length, 0);
  assert.ok(Number.isNaN(empty.lastTime));
});
