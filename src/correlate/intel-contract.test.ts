/**
 * The contract with the intel module: its findings (detector 'intel', evidence.feed / indicator /
 * family) turn the article's cases from likely into confirmed. Uses the intel module's public entry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IntelIndex, matchDataset, type Indicator } from '../intel/index.js';
import { correlate } from './correlate.js';
import { ramnitCase, smominruCase, RAMNIT, SMOMINRU } from './fixtures.js';

const ind = (type: Indicator['type'], value: string, family: string): Indicator => ({ value, type, feed: 'public-report', confidence: 90, tags: ['c2'], family });

test('case 1: an intel hit on the domain (or the address) and the beacon make a confirmed Ramnit C&C', () => {
  const { ds, findings } = ramnitCase('none');
  for (const [type, value] of [['domain', RAMNIT.domain], ['ip', RAMNIT.ip]] as const) {
    const intel = matchDataset(IntelIndex.build([[ind(type, value, 'Ramnit')]]), ds);
    assert.equal(intel.length, 1);
    const [i] = correlate([...findings, ...intel], ds);
    assert.equal(i!.verdict, 'confirmed', type);
    assert.equal(i!.rules[0], 'intel_and_behaviour');
    assert.equal(i!.family, 'Ramnit');
    assert.match(i!.narrative[0]!, new RegExp(`^Alert: threat intelligence \\(public-report\\) lists ${value.replace(/\./g, '\\.')} as Ramnit`));
  }
});

test('case 2: the public report\'s C&C addresses confirm the control channel; the miner stays linked to it', () => {
  const { ds, findings } = smominruCase();
  const intel = matchDataset(IntelIndex.build([[ind('ip', SMOMINRU.c2a, 'Smominru'), ind('ip', SMOMINRU.c2b, 'Smominru')]]), ds);
  const incs = correlate([...findings, ...intel], ds);
  const bot = incs.find((i) => i.host === SMOMINRU.bot)!;
  const miner = incs.find((i) => i.host === SMOMINRU.miner)!;
  assert.equal(bot.verdict, 'confirmed');
  assert.equal(bot.family, 'Smominru');
  assert.equal(miner.label, 'miner under C&C control');
  assert.ok(miner.related.some((r) => r.id === bot.id));
});
