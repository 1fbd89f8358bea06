/**
 * The README's main job: `c2hunt demo` tells the article's two cases as confirmed incidents that
 * name the right endpoints, and finds every behaviour the simulator injected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const CLI = resolve(process.cwd(), 'dist/cli/main.js');

test('demo: Ramnit and Smominru are confirmed incidents naming the article\'s endpoints', () => {
  const r = spawnSync(process.execPath, [CLI, 'demo', '--hosts', '20', '--hours', '2'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const [ramnit, smominru] = r.stdout.split('== Case 2');
  assert.ok(ramnit && smominru, r.stdout);
  assert.match(ramnit, /CONFIRMED\s+[\d.]+\s+C&C channel: 10\.\d+\.\d+\.\d+ -> fget-career\.com \(89\.185\.44\.100:443\) \[Ramnit\]/);
  assert.match(ramnit, /every 10 min/);
  assert.match(smominru, /107\.191\.99\.55:5555/);
  assert.match(smominru, /mines with xmr-stratum at 107\.191\.99\.55:5555/);
  assert.match(smominru, /CONFIRMED.*118\.184\.176\.15:80, 78\.142\.29\.152:8888/);
  assert.doesNotMatch(r.stdout, /MISSED/);
  assert.match(r.stdout, /Every injected behaviour was found\./);
});

test('demo --no-intel: behaviour alone still finds the cases (likely, not confirmed)', () => {
  const r = spawnSync(process.execPath, [CLI, 'demo', '--hosts', '20', '--hours', '2', '--no-intel'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /LIKELY\s+[\d.]+\s+C&C channel: 10\.\d+\.\d+\.\d+ -> fget-career\.com/);
  assert.doesNotMatch(r.stdout, /CONFIRMED/);
  assert.match(r.stdout, /Every injected behaviour was found\./);
});
