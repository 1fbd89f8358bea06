import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, detectSettingsOf, effectiveSettings, loadConfig, parseConfig, settingsTable, SECTION_TABLE, SECTIONS } from './index.js';
import { BEACON_DEFAULTS } from '../detect/beacons.js';
import { DEFAULTS as SCORE_DEFAULTS } from '../detect/beacon/settings.js';
import { DNS_DEFAULTS } from '../detect/dns/settings.js';
import { DEFAULT_INTERNAL_NETS } from '../detect/networks.js';

const NAME = 'c2hunt.config.json';
const invalid = (text: string, message: string | RegExp, code = 'CONFIG_INVALID') =>
  assert.throws(() => parseConfig(text, NAME), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.code, code);
    if (typeof message === 'string') assert.equal(e.message, message); else assert.match(e.message, message);
    return true;
  });

test('an empty config gives every default, frozen', () => {
  const c = parseConfig('{}', NAME);
  assert.deepEqual(c.settings.beacon, BEACON_DEFAULTS);
  assert.deepEqual(c.settings.beaconScore, SCORE_DEFAULTS);
  assert.deepEqual(c.settings.dns, DNS_DEFAULTS);
  assert.deepEqual(c.settings.internalNets, DEFAULT_INTERNAL_NETS);
  assert.equal(c.overridden.size, 0);
  assert.ok(Object.isFrozen(c.settings) && Object.isFrozen(c.settings.beacon) && Object.isFrozen(c.settings.dns.tunnelWeights));
});

test('overrides replace only the keys given, nested weights merge, and the result is frozen', () => {
  const c = parseConfig(JSON.stringify({
    beacon: { minScore: 0.7 }, beaconScore: { maxPeriod: 3600 }, longConn: { minSession: 7200 }, scan: { minTargets: 20 },
    dns: { tunnelWeights: { volume: 0.2 } }, internalNets: ['10.0.0.0/8'], $comment: 'site config',
  }), NAME);
  assert.equal(c.settings.beacon.minScore, 0.7);
  assert.equal(c.settings.beacon.minConnections, BEACON_DEFAULTS.minConnections);
  assert.equal(c.settings.beaconScore.maxPeriod, 3600);
  assert.equal(c.settings.longConn.minSession, 7200);
  assert.equal(c.settings.scan.minTargets, 20);
  assert.equal(c.settings.dns.tunnelWeights.volume, 0.2);
  assert.equal(c.settings.dns.tunnelWeights.unique, DNS_DEFAULTS.tunnelWeights.unique);
  assert.deepEqual(c.settings.internalNets, ['10.0.0.0/8']);
  assert.deepEqual([...c.overridden].sort(), ['beacon.minScore', 'beaconScore.maxPeriod', 'dns.tunnelWeights.volume', 'internalNets', 'longConn.minSession', 'scan.minTargets']);
  assert.throws(() => { (c.settings.beacon as { minScore: number }).minScore = 0.1; }, TypeError);
  assert.throws(() => { (c.settings.dns.tunnelWeights as { volume: number }).volume = 0.9; }, TypeError);
  const d = detectSettingsOf(c.settings);
  assert.equal(d.beacon?.minScore, 0.7);
  assert.equal(d.longConn?.minSession, 7200);
  assert.equal(d.dns?.tunnelWeights?.volume, 0.2);
  // The defaults the detectors use were not touched.
  assert.equal(BEACON_DEFAULTS.minScore, 0.6);
  assert.equal(DNS_DEFAULTS.tunnelWeights.volume, 0.1);
});

test('unknown keys are errors that name the key', () => {
  invalid('{"beacons": {}}', /^Cannot use config c2hunt\.config\.json: unknown key beacons \(known: beacon, /);
  invalid('{"beacon": {"minscore": 0.5}}', 'Cannot use config c2hunt.config.json: unknown key beacon.minscore (see c2hunt config for the settings)');
  invalid('{"dns": {"tunnelWeights": {"speed": 0.1}}}', /^Cannot use config c2hunt\.config\.json: unknown key dns\.tunnelWeights\.speed \(known: unique, /);
  invalid('{"beacon": {"toString": 1}}', /unknown key beacon\.toString/);
});

test('wrong types and ranges are errors that name the key and the expected unit', () => {
  invalid('{"beacon": {"minScore": "x"}}', 'Cannot use config c2hunt.config.json: beacon.minScore must be a number 0..1');
  invalid('{"beacon": {"minScore": 1.5}}', 'Cannot use config c2hunt.config.json: beacon.minScore must be a number 0..1');
  invalid('{"scan": {"minTargets": 2.5}}', 'Cannot use config c2hunt.config.json: scan.minTargets must be a whole number >= 0');
  invalid('{"longConn": {"minSession": -1}}', 'Cannot use config c2hunt.config.json: longConn.minSession must be a number >= 0 (seconds)');
  invalid('{"dns": {"tunnelWeights": 0.3}}', /^Cannot use config c2hunt\.config\.json: dns\.tunnelWeights must be an object/);
  invalid('{"beacon": 3}', 'Cannot use config c2hunt.config.json: beacon must be an object of settings');
  invalid('[]', /must hold a JSON object/);
  invalid('{"internalNets": "10.0.0.0/8"}', /internalNets must be a non-empty list/);
  invalid('{"internalNets": ["10.0.0.0/33"]}', /^Cannot use config c2hunt\.config\.json: internalNets\[0\]: Cannot parse network '10\.0\.0\.0\/33'/);
  invalid('{"beacon": ', /^Cannot use config c2hunt\.config\.json: not valid JSON/, 'CONFIG_PARSE');
});

test("the detectors' own cross-checks are reported under the config's name", () => {
  invalid('{"beaconScore": {"minPeriod": 100, "maxPeriod": 50}}', 'Cannot use config c2hunt.config.json: beaconScore: need 0 < minPeriod < maxPeriod');
  invalid('{"dns": {"nxWindowSeconds": 0}}', /^Cannot use config c2hunt\.config\.json: dns\.nxWindowSeconds: must be > 0/);
});

test('the settings table has every default of every section, with a unit and a doc', () => {
  const rows = settingsTable();
  let expected = 1; // internalNets
  for (const s of SECTIONS) for (const v of Object.values(SECTION_TABLE[s].defaults)) expected += typeof v === 'number' ? 1 : Object.keys(v as object).length;
  assert.equal(rows.length, expected);
  assert.equal(new Set(rows.map((r) => r.key)).size, rows.length);
  for (const r of rows) assert.ok(r.doc.length > 10 && r.unit.length > 0, r.key);
  const by = new Map(rows.map((r) => [r.key, r]));
  assert.deepEqual({ ...by.get('longConn.minSession')! }, { key: 'longConn.minSession', default: 3600, unit: 'seconds', doc: 'a single session at least this long is reported' });
  assert.equal(by.get('beacon.prevalentShare')!.unit, 'share');
  assert.equal(by.get('scan.minTargets')!.unit, 'count');
  assert.equal(by.get('dns.tunnelQueryBytesLow')!.unit, 'bytes');
  assert.equal(by.get('dns.dgaWeights.nx')!.unit, 'weight');
  assert.equal(by.get('internalNets')!.unit, 'cidr list');
  // Every default passes its own unit's validation (the units are not stricter than the defaults).
  const all: Record<string, Record<string, unknown>> = {};
  for (const s of SECTIONS) all[s] = { ...SECTION_TABLE[s].defaults };
  assert.equal(parseConfig(JSON.stringify(all), NAME).overridden.size, expected - 1);
});

test('loadConfig reads --config, then $C2HUNT_CONFIG; effective values say where they came from', () => {
  const dir = mkdtempSync(join(tmpdir(), 'c2hunt-config-'));
  try {
    const a = join(dir, 'a.json'), b = join(dir, 'b.json');
    writeFileSync(a, '{"beacon": {"minScore": 0.8}}');
    writeFileSync(b, '{"scan": {"minTargets": 9}}');
    const fromOption = loadConfig(a, { C2HUNT_CONFIG: b });
    assert.equal(fromOption.origin, 'option');
    assert.equal(fromOption.settings.beacon.minScore, 0.8);
    const fromEnv = loadConfig(undefined, { C2HUNT_CONFIG: b });
    assert.equal(fromEnv.origin, 'env');
    assert.equal(fromEnv.settings.scan.minTargets, 9);
    const rows = new Map(effectiveSettings(fromEnv).map((r) => [r.key, r]));
    assert.equal(rows.get('scan.minTargets')!.value, 9);
    assert.equal(rows.get('scan.minTargets')!.source, b);
    assert.equal(rows.get('scan.minFailedShare')!.source, 'default');
    assert.throws(() => loadConfig(join(dir, 'missing.json'), {}), (e: unknown) => e instanceof ConfigError && e.code === 'CONFIG_READ' && /missing\.json: no such file$/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
