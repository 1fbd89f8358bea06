/**
 * The scorer on real Zeek logs from ../shared/data (C2HUNT_DATA overrides), RITA's test data:
 * - missing_host: an HTTP beacon "every 200-350 seconds" from 73.54.23.243 to 64.225.56.201
 *   over three days (hourly, gzipped conn logs);
 * - proxy: 10.136.0.18 beaconing through a proxy to www.honestimnotevil.com (RITA's own test
 *   expects a beacon), and a few visits to www.google.com (RITA: a weak 0.586), grouped by
 *   source and HTTP Host (a source -> FQDN group).
 * Skips when the data is absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { scoreBeacon } from './index.js';
import { DATA_DIR } from '../../testing/data.js';

const DATA = DATA_DIR;
const RITA = path.join(DATA, 'beacon/rita');
const MISSING = path.join(RITA, 'missing_host');
const PROXY_HTTP = path.join(RITA, 'proxy/http.log');

/** Rows of a Zeek TSV log as objects keyed by the #fields header. */
function zeekRows(text: string): Record<string, string>[] {
  let fields: string[] = [];
  const rows: Record<string, string>[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#fields\t')) fields = line.split('\t').slice(1);
    if (line === '' || line.startsWith('#')) continue;
    const v = line.split('\t');
    rows.push(Object.fromEntries(fields.map((f, i) => [f, v[i]])));
  }
  return rows;
}

test('RITA missing_host: the HTTP beacon every 200-350 s is a beacon', { skip: !existsSync(MISSING) && `absent: ${MISSING}` }, () => {
  const ts: number[] = [];
  const bytes: number[] = [];
  const failed: boolean[] = [];
  for (const day of readdirSync(MISSING).filter((d) => /^\d{4}-\d\d-\d\d$/.test(d))) {
    for (const f of readdirSync(path.join(MISSING, day)).filter((n) => /^conn\..*\.log\.gz$/.test(n))) {
      for (const r of zeekRows(gunzipSync(readFileSync(path.join(MISSING, day, f))).toString('utf8'))) {
        if (r['id.orig_h'] !== '73.54.23.243' || r['id.resp_h'] !== '64.225.56.201' || r['id.resp_p'] !== '80') continue;
        ts.push(Number(r.ts));
        bytes.push((Number(r.orig_bytes) || 0) + (Number(r.resp_bytes) || 0));
        failed.push(r.conn_state === 'S0' || r.conn_state === 'REJ');
      }
    }
  }
  assert.equal(ts.length, 950);
  const r = scoreBeacon({ ts, bytes, failed });
  assert.equal(r.verdict, 'beacon', r.reasons.join(' | '));
  assert.ok(r.score > 0.8, r.reasons.join(' | '));
  assert.ok(r.period >= 200 && r.period <= 350, `period ${r.period}`);
  assert.ok(r.missed < 0.1);
  assert.equal(r.periodicity!.verified, true);
});

test('RITA proxy: source -> Host groups, the beacon and the occasional visits', { skip: !existsSync(PROXY_HTTP) && `absent: ${PROXY_HTTP}` }, () => {
  const rows = zeekRows(readFileSync(PROXY_HTTP, 'utf8'));
  const group = (host: string): number[] => rows.filter((r) => r['id.orig_h'] === '10.136.0.18' && r.host === host).map((r) => Number(r.ts));
  const evil = scoreBeacon({ ts: group('www.honestimnotevil.com') });
  assert.equal(evil.verdict, 'beacon', evil.reasons.join(' | '));
  assert.ok(evil.score > 0.9);
  const google = scoreBeacon({ ts: group('www.google.com') });
  assert.equal(google.verdict, 'none', google.reasons.join(' | '));
  assert.ok(google.score < evil.score);
});
