import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  addAllowEntry, applyAllowList, AllowListError, domainPatternMatches, loadAllowList, parseAllowList, parseExpiry,
  removeAllowEntries, saveAllowList, type AllowList,
} from './allow-list.js';
import { benignFindings, finding, ramnitCase, smominruCase, T0, SMOMINRU } from './fixtures.js';
import { correlate } from './correlate.js';

const empty = (): AllowList => ({ version: 1, entries: [] });
const NOW = new Date('2026-11-03T00:00:00Z');

test('domain patterns: a wildcard matches the apex and every subdomain, a plain name only itself', () => {
  assert.equal(domainPatternMatches('*.dropbox.com', 'dropbox.com'), true);
  assert.equal(domainPatternMatches('*.dropbox.com', 'client.dropbox.com'), true);
  assert.equal(domainPatternMatches('*.dropbox.com', 'a.b.dropbox.com.'), true);
  assert.equal(domainPatternMatches('*.dropbox.com', 'notdropbox.com'), false);
  assert.equal(domainPatternMatches('*.dropbox.com', 'dropbox.com.evil.net'), false);
  assert.equal(domainPatternMatches('dropbox.com', 'client.dropbox.com'), false);
  assert.equal(domainPatternMatches('dropbox.com', 'DROPBOX.com'), true);
});

test('each matcher suppresses what it should and says why; the rest goes on to correlation', () => {
  const { findings: smo } = smominruCase();
  const all = [...benignFindings(), ...smo];
  let list = empty();
  list = addAllowEntry(list, { domain: '*.slack.com', reason: 'sanctioned chat' }, NOW).list;
  list = addAllowEntry(list, { src: SMOMINRU.bot, dst: `${SMOMINRU.c2b}/32`, reason: 'lab pair' }, NOW).list;
  list = addAllowEntry(list, { cidr: '10.1.1.42', reason: 'time server test box' }, NOW).list;
  const r = applyAllowList(all, list, NOW.getTime() / 1000);
  const why = new Map(r.suppressed.map((s) => [s.finding.src + ' ' + (s.finding.fqdn ?? s.finding.dst), s.entry]));
  assert.equal(r.suppressed.length, 3);
  assert.equal(why.get('10.1.1.16 wss-primary.slack.com')?.reason, 'sanctioned chat');
  assert.equal(why.get(`${SMOMINRU.bot} ${SMOMINRU.c2b}`)?.matcher, `pair ${SMOMINRU.bot}->${SMOMINRU.c2b}/32`);
  assert.equal(why.get('10.1.1.42 2.debian.pool.ntp.org')?.reason, 'time server test box');
  assert.equal(r.findings.length, all.length - 3);
  // The bot still beacons to the other C&C: the pair entry was that narrow.
  const incs = correlate(r.findings, undefined);
  assert.ok(incs.some((i) => i.host === SMOMINRU.bot && i.endpoints.ips.join() === SMOMINRU.c2a));
});

test('a cidr matches the source, or a finding whose remote addresses are all inside; a detector limits it', () => {
  const f = finding('beacon', 'ip_port', { src: '10.9.0.1', dsts: ['198.51.100.1', '198.51.100.2'], first: T0, last: T0, score: 0.9 }, 'x');
  const half = finding('beacon', 'ip_port', { src: '10.9.0.1', dsts: ['198.51.100.1', '203.0.113.1'], first: T0, last: T0, score: 0.9 }, 'y');
  const list = addAllowEntry(empty(), { cidr: '198.51.100.0/24', reason: 'partner' }, NOW).list;
  assert.deepEqual(applyAllowList([f, half], list).findings.map((x) => x.id), [half.id]);
  const onlyScan = addAllowEntry(empty(), { cidr: '10.9.0.0/16', detector: 'scan', reason: 'scanner' }, NOW).list;
  assert.equal(applyAllowList([f], onlyScan).suppressed.length, 0);
});

test('a finding id marks one false positive; an address-only finding matches a domain through all its passive-DNS names', () => {
  const { findings } = ramnitCase('none');
  const byId = addAllowEntry(empty(), { finding: findings[0]!.id, reason: 'FP: tested' }, NOW).list;
  assert.equal(applyAllowList(findings, byId).suppressed.length, 1);
  const addrOnly = { ...findings[0]!, fqdn: undefined };
  const byName = addAllowEntry(empty(), { domain: '*.fget-career.com', reason: 'x' }, NOW).list;
  assert.equal(applyAllowList([addrOnly], byName).suppressed.length, 1);
  assert.equal(applyAllowList([{ ...addrOnly, lookback: { domains: [], hosts: [] } }], byName).suppressed.length, 0, 'no names: no domain match');
});

test('expired entries are ignored and reported', () => {
  const list = addAllowEntry(empty(), { domain: '*.slack.com', reason: 'until the migration', expires: parseExpiry('1d', NOW) }, NOW).list;
  const fs = benignFindings();
  assert.equal(applyAllowList(fs, list, NOW.getTime() / 1000).suppressed.length, 1);
  const later = applyAllowList(fs, list, NOW.getTime() / 1000 + 2 * 86400);
  assert.equal(later.suppressed.length, 0);
  assert.equal(later.expired.length, 1);
});

test('the same matcher updates instead of duplicating; remove by id; unknown ids are an error', () => {
  const a = addAllowEntry(empty(), { domain: '*.x.com', reason: 'one' }, NOW);
  const b = addAllowEntry(a.list, { domain: '*.X.com.', reason: 'two' }, NOW);
  assert.equal(b.replaced, true);
  assert.equal(b.list.entries.length, 1);
  assert.equal(b.list.entries[0]!.reason, 'two');
  assert.equal(a.entry.id, b.entry.id);
  assert.deepEqual(removeAllowEntries(b.list, [a.entry.id]).entries, []);
  assert.throws(() => removeAllowEntries(b.list, ['Anope']), (e: unknown) => e instanceof AllowListError && e.code === 'ALLOW_NOT_FOUND');
});

test('invalid entries are refused with the entry number and the reason; nothing is half-loaded', () => {
  const bad: [unknown, RegExp][] = [
    [{ domain: 'x.com' }, /'reason' is required/],
    [{ reason: 'r' }, /exactly one matcher/],
    [{ cidr: '10.0.0.0/33', reason: 'r' }, /not an address or network/],
    [{ domain: 'bad domain', reason: 'r' }, /not a name/],
    [{ src: '10.0.0.1', reason: 'r' }, /both src and dst/],
    [{ cidr: '10.0.0.1', domain: 'x.com', reason: 'r' }, /exactly one matcher/],
    [{ finding: 'F123', reason: 'r' }, /not a finding id/],
    [{ cidr: '10.0.0.1', reason: 'r', detector: 'nope' }, /'detector' must be one of/],
    [{ cidr: '10.0.0.1', reason: 'r', expires: 'soon' }, /'expires' is not/],
    [{ cidr: '10.0.0.1', reason: 'r', extra: 1 }, /unknown field 'extra'/],
    [{ cidr: '10.0.0.1', reason: 'r', id: 'A000000000000' }, /does not match its matcher/],
  ];
  for (const [entry, re] of bad) {
    const text = JSON.stringify({ version: 1, entries: [{ cidr: '10.0.0.0/8', reason: 'ok' }, entry] });
    assert.throws(() => parseAllowList(text, 'f.json'), (e: unknown) => e instanceof AllowListError && e.code === 'ALLOW_BAD_ENTRY' && /^Cannot load allow-list f\.json: entry 2: /.test(e.message) && re.test(e.message), JSON.stringify(entry));
  }
  assert.throws(() => parseAllowList('{', 'f.json'), /not JSON/);
  assert.throws(() => parseAllowList('{"entries": []}', 'f.json'), /expected \{"version": 1/);
});

test('save and load round-trip atomically; a missing file is an empty list', () => {
  const dir = mkdtempSync(join(tmpdir(), 'c2hunt-allow-'));
  try {
    const p = join(dir, 'allow.json');
    assert.deepEqual(loadAllowList(p), empty());
    const { list } = addAllowEntry(empty(), { src: '10.0.0.0/24', dst: '*.backup.example', reason: 'backups', by: 'ana' }, NOW);
    saveAllowList(p, list);
    assert.deepEqual(loadAllowList(p), list);
    assert.deepEqual(readdirSync(dir), ['allow.json'], 'no temporary file left');
    writeFileSync(p, readFileSync(p, 'utf8').replace('backups', ''));
    assert.throws(() => loadAllowList(p), /entry 1: 'reason' is required/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('expiry: relative durations and ISO dates', () => {
  assert.equal(parseExpiry('30d', NOW), '2026-12-03T00:00:00.000Z');
  assert.equal(parseExpiry('12h', NOW), '2026-11-03T12:00:00.000Z');
  assert.equal(parseExpiry('2026-12-31', NOW), '2026-12-31T00:00:00.000Z');
  assert.throws(() => parseExpiry('tomorrow', NOW), /Cannot read expiry/);
});

test('property: any JSON document either loads or fails with AllowListError, never anything else', async () => {
  const fc = (await import('fast-check')).default;
  const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);
  const entry = fc.record({
    cidr: fc.oneof(fc.constant('10.0.0.0/8'), fc.string(), fc.constant(undefined)), domain: fc.oneof(fc.constant('*.x.com'), fc.string(), fc.constant(undefined)),
    reason: fc.oneof(fc.string(), fc.integer(), fc.constant(undefined)), expires: fc.oneof(fc.string(), fc.constant('2030-01-01'), fc.constant(undefined)),
    detector: fc.oneof(fc.constant('scan'), fc.string(), fc.constant(undefined)),
  }, { requiredKeys: [] });
  const doc = fc.oneof(fc.jsonValue(), fc.record({ version: fc.constantFrom(1, 2), entries: fc.array(fc.oneof(entry, fc.jsonValue()), { maxLength: 5 }) }));
  fc.assert(fc.property(doc, (d) => {
    try {
      const l = parseAllowList(JSON.stringify(d) ?? 'null');
      assert.equal(l.version, 1);
      for (const e of l.entries) assert.match(e.id, /^A[0-9a-f]{12}$/);
      applyAllowList(benignFindings(), l);
    } catch (e) {
      assert.ok(e instanceof AllowListError, String(e));
    }
  }), { numRuns: RUNS });
});
