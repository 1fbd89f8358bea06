/**
 * The readers on real Zeek logs from ../shared/data (or $C2HUNT_DATA; see its README.md for
 * provenance and ground truth). Skipped with a message when the data is absent. There is no
 * real Suricata EVE file in the shared data (suricata-verify-sample holds a pcap only), so the
 * EVE reader is tested on documented events in suricata-eve.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { MemorySink } from '../records/writers.js';
import { dataPath, skipUnless } from '../testing/data.js';
import { CertIndex, listLogFiles, readLogFile } from './index.js';
import { fileBase, pathTarget } from './zeek-fields.js';

const RITA = dataPath('beacon', 'rita');
const SLIPS = dataPath('scan', 'slips-zeek');

async function load(paths: string[]): Promise<MemorySink['records']> {
  const sink = new MemorySink();
  const certs = new CertIndex();
  for (const f of listLogFiles(paths).files) await readLogFile(f, sink, { certs });
  return sink.records;
}

test('RITA logs: every line of every log we read becomes a record, none is bad', { skip: skipUnless(RITA) }, async () => {
  const { files, skipped } = listLogFiles([RITA!]);
  assert.ok(files.length > 400, `${files.length} files`);
  assert.ok(skipped.every((s) => /is not one c2hunt reads|not a log file name/.test(s.reason)), JSON.stringify(skipped.slice(0, 3)));
  const certs = new CertIndex();
  let records = 0;
  for (const f of files) {
    const sink = new MemorySink();
    const r = await readLogFile(f, sink, { certs });
    assert.equal(r.badLineCount, 0, `${f}: ${JSON.stringify(r.badLines.slice(0, 3))}`);
    const raw = readFileSync(f);
    const text = (raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString('utf8');
    const dataLines = text.split('\n').filter((l) => l.length > 0 && !l.startsWith('#')).length;
    const n = Object.values(r.records).reduce((a, b) => a + b, 0) + r.certificates;
    assert.equal(n, dataLines, f);
    assert.equal(pathTarget(r.logPath!)?.path, r.logPath, f);
    if (fileBase(f).startsWith('open_conn')) assert.ok(sink.records.conn.every((c) => c.interim === true), f);
    records += n;
  }
  assert.ok(records > 50_000, String(records));
});

test('RITA: the same logs as JSON and as TSV give the same records', { skip: skipUnless(RITA) }, async () => {
  for (const name of ['conn', 'dns', 'http', 'ssl', 'open_conn', 'open_http', 'open_ssl']) {
    const json = await load([`${RITA}/json_with_all_fields/${name}.log`]);
    const tsv = await load([`${RITA}/open_conns/open/${name}.log`]);
    for (const k of ['conn', 'dns', 'tls', 'http'] as const) {
      assert.equal(json[k].length, tsv[k].length, `${name} ${k}`);
      const differ = json[k].flatMap((r, i) => (isDeepStrictEqual(r, tsv[k][i]) ? [] : [[r, tsv[k][i]]]));
      if (name === 'dns' && k === 'dns') {
        // One response code differs between the two fixtures themselves (1 in JSON, 5 in TSV).
        assert.equal(differ.length, 1);
        const [a, b] = differ[0]! as unknown as [Record<string, unknown>, Record<string, unknown>];
        assert.deepEqual({ ...a, rcode: 0 }, { ...b, rcode: 0 });
      } else assert.equal(differ.length, 0, `${name} ${k}: ${JSON.stringify(differ[0])}`);
    }
  }
});

test('RITA missing_host ground truth: the HTTP beacon and the SSH session open all the time', { skip: skipUnless(RITA) }, async () => {
  const r = await load([`${RITA}/missing_host`]);
  const beacon = r.http.filter((h) => h.orig_h === '73.54.23.243' && h.resp_h === '64.225.56.201');
  assert.equal(beacon.length, 950);
  assert.ok(beacon.every((h) => h.user_agent === 'Modzilla/0.0001 (Atari 7800)' && h.host === ''));
  const ssh = r.conn.filter((c) => c.orig_h === '73.54.23.243' && c.resp_p === 22 && c.interim === true);
  assert.ok(ssh.length > 0);
  assert.ok(Math.max(...ssh.map((c) => c.duration)) > 260_000, 'open about 270,000 s');
  // Files were read in time order.
  const ts = r.http.map((h) => h.ts);
  assert.ok(ts[0]! < ts[ts.length - 1]!);
});

test('RITA proxy: the beacons through 10.136.0.16:3128; x509 certificates reach the ssl records', { skip: skipUnless(RITA) }, async () => {
  const r = await load([`${RITA}/proxy`]);
  const hosts = new Map<string, number>();
  for (const h of r.http) if (h.orig_h === '10.136.0.18' && h.resp_h === '10.136.0.16' && h.resp_p === 3128) hosts.set(h.host!, (hosts.get(h.host!) ?? 0) + 1);
  assert.ok(hosts.get('www.honestimnotevil.com')! >= 357, String(hosts.get('www.honestimnotevil.com')));
  assert.ok(hosts.get('www.google.com')! >= 6);
  const rolling = await load([`${RITA}/proxy_rolling`]);
  const withCert = rolling.tls.filter((t) => t.subject !== undefined);
  assert.ok(withCert.length > 500, String(withCert.length));
  assert.ok(withCert.every((t) => t.issuer !== undefined && t.not_valid_after! > t.not_valid_before!));
  assert.ok(rolling.tls.some((t) => t.orig_h.includes(':')), 'IPv6 endpoints');
});

test('Slips Zeek conn logs: the horizontal and vertical scans', { skip: skipUnless(SLIPS) }, async () => {
  const h = await load([`${SLIPS}/horizontal`]);
  assert.equal(new Set(h.conn.filter((c) => c.orig_h === '10.0.2.112').map((c) => c.resp_h)).size, 29);
  const v = await load([`${SLIPS}/vertical`]);
  assert.equal(new Set(v.conn.filter((c) => c.orig_h === '192.168.1.9').map((c) => c.resp_p)).size, 44);
  assert.ok(v.conn.every((c) => c.community_id.startsWith('1:')));
});
