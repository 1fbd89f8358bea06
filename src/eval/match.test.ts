import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findingMatches } from './match.js';
import type { Finding } from '../detect/finding.js';

const f = (p: Partial<Finding>): Finding => ({
  id: 'F1', detector: 'scan', kind: 'icmp_sweep', title: '', src: '10.1.1.96', first: 0, last: 1, score: 0.9, severity: 'high',
  evidence: {}, reasons: [], uids: [], attack: [], ...p,
});

test('a ping-sweep label (scan_icmp) is found by an icmp_sweep finding of the same source only', () => {
  const label = { kind: 'scan_icmp' as const, host: '10.1.1.96' };
  assert.equal(findingMatches(label, f({})), true);
  assert.equal(findingMatches(label, f({ src: '2001:db8:c2::102b' })), false, 'the IPv6 sweep is another label (its host is the IPv6 address)');
  assert.equal(findingMatches(label, f({ kind: 'horizontal' })), false);
  assert.equal(findingMatches(label, f({ kind: 'trw' })), false);
  assert.equal(findingMatches({ kind: 'scan_horizontal', host: '10.1.1.96' }, f({})), false, 'a sweep is no horizontal port scan');
});
