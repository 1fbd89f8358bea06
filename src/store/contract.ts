/**
 * The store contract as tests, written against the {@link Store} interface only, so every
 * backend runs the same ones: `storeContract('duckdb', () => openDuckDBStore(':memory:'))`.
 * `makeStore` must return a new, empty store on every call.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { ConnRecord, DnsRecord, HttpRecord, MiningRecord, RecordKind, RecordMap, SshRecord, TlsRecord, WeirdRecord } from '../records/schema.js';
import type { Finding } from '../detect/finding.js';
import { StoreError, loadDataset, type ConnPair, type Store } from './store.js';
import { partitionOf } from '../detect/partition.js';
import { lookbackDomain, lookbackHost, lookbackIp } from './lookback.js';
import { T0, conn, dns, fakeSha, fixture, tls } from './testing/fixture.js';

/** Ingest records as one file; returns the ingest id. */
export async function ingestRecords(store: Store, label: string, recs: { [K in RecordKind]?: RecordMap[K][] }): Promise<number> {
  const b = await store.beginIngest({ sha256: fakeSha(label), path: `${label}.log`, bytes: 1, format: 'test' });
  for (const [kind, list] of Object.entries(recs) as [RecordKind, RecordMap[RecordKind][]][]) for (const r of list) b.write(kind, r);
  return (await b.commit()).id;
}

/** Drop undefined fields (what a store gives back for absent ones). */
function plain<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

/** Records of every kind with every field shape: absent optionals, empty, short, long and non-ASCII strings, lists. */
function varied(n: number): { conn: ConnRecord[]; dns: DnsRecord[]; tls: TlsRecord[]; http: HttpRecord[]; mining: MiningRecord[]; ssh: SshRecord[]; weird: WeirdRecord[] } {
  const str = (i: number): string => 'abcdefghijklmnopqrstuvwxyz0123456789'.slice(0, i % 30) + (i % 11 === 0 ? 'é€' : '');
  const out = { conn: [] as ConnRecord[], dns: [] as DnsRecord[], tls: [] as TlsRecord[], http: [] as HttpRecord[], mining: [] as MiningRecord[], ssh: [] as SshRecord[], weird: [] as WeirdRecord[] };
  for (let i = 0; i < n; i++) {
    const ts = T0 + i * 0.000_001 + i;
    const c = conn({
      ts, uid: `C${i}${str(i)}`, orig_h: i % 5 === 0 ? `fe80::${i.toString(16)}` : `10.${i % 256}.${(i >> 8) % 256}.${i % 7}`, resp_h: `198.51.100.${i % 256}`,
      orig_p: i % 65536, resp_p: (i * 7) % 65536, service: str(i % 4), history: str(i), orig_bytes: i % 3 === 0 ? 2 ** 33 + i : i,
      resp_bytes: i * 1000, duration: i / 7, missed_bytes: i % 2,
    });
    if (i % 7 === 0) c.vlan = i % 4096;
    if (i % 3 === 1) c.interim = false;
    out.conn.push(c);
    if (i % 4 === 0) {
      const d = dns({ ts, orig_h: c.orig_h, query: `${str(i)}.example.com`, answers: Array.from({ length: i % 5 }, (_, k) => (k % 2 ? `198.51.100.${k}` : `alias${k}-${str(i)}.example.net`)), TTLs: Array.from({ length: i % 5 }, (_, k) => k + 0.5) });
      if (i % 8 === 0) { delete d.qtype; delete d.qtype_name; d.rtt = i / 1000; }
      out.dns.push(d);
    }
    if (i % 6 === 0) {
      const t: TlsRecord = tls({ ts, orig_h: c.orig_h, resp_h: c.resp_h, server_name: str(i) || undefined, alpn: i % 12 === 0 ? ['h2', 'http/1.1'] : [], ja3: str(i + 5), established: i % 2 === 0 });
      if (t.server_name === undefined) delete t.server_name;
      if (i % 18 === 0) { t.not_valid_before = ts - 86400; t.not_valid_after = ts + 86400; t.self_signed = false; t.client_versions = ['TLSv13', 'TLSv12']; }
      out.tls.push(t);
    }
    if (i % 9 === 0) out.http.push({ ts, uid: c.uid, orig_h: c.orig_h, orig_p: c.orig_p, resp_h: c.resp_h, resp_p: 80, trans_depth: 1 + (i % 3), method: 'GET', host: `h${str(i)}`, uri: `/${str(i)}`, request_body_len: 0, response_body_len: i, status_code: 200 });
    if (i % 50 === 0) out.mining.push({ ts, uid: c.uid, orig_h: c.orig_h, orig_p: c.orig_p, resp_h: c.resp_h, resp_p: 3333, protocol: 'stratum', method: 'mining.subscribe', is_orig: true, agent: 'xmrig/6.21' });
    if (i % 100 === 0) out.ssh.push({ ts, uid: c.uid, orig_h: c.orig_h, orig_p: c.orig_p, resp_h: c.resp_h, resp_p: 22, client: 'SSH-2.0-OpenSSH_9.6' });
    if (i % 40 === 0) out.weird.push(i % 80 === 0 ? { ts, uid: '', name: 'dns_label_len_gt_pkt' } : { ts, uid: c.uid, orig_h: c.orig_h, orig_p: 1, resp_h: c.resp_h, resp_p: 2, name: 'tcp_seq_gap', addl: str(i) });
  }
  return out;
}

/** Register the contract tests for one backend. */
export function storeContract(name: string, makeStore: () => Promise<Store>): void {
  const withStore = (title: string, fn: (s: Store) => Promise<void>): void => {
    test(title, async () => {
      const s = await makeStore();
      try {
        await fn(s);
      } finally {
        await s.close();
      }
    });
  };

  describe(`store contract: ${name}`, () => {
    withStore('records of every kind round-trip exactly (chunks, NULLs, long and non-ASCII strings, lists)', async (s) => {
      const recs = varied(5000);
      const id = await ingestRecords(s, 'varied', recs);
      assert.equal(typeof id, 'number');
      for (const kind of ['conn', 'dns', 'tls', 'http', 'mining', 'ssh', 'weird'] as const) {
        const back = await s.records(kind);
        assert.equal(back.length, recs[kind].length, `${kind} count`);
        assert.deepEqual(back, plain(recs[kind]), `${kind} records`);
      }
      assert.deepEqual(await s.counts(), { conn: 5000, dns: 1250, tls: 834, http: 556, mining: 100, ssh: 50, weird: 125 });
      assert.deepEqual(await s.records('conn', { since: T0 + 10, until: T0 + 12 }), plain(recs.conn.slice(10, 12)));
    });

    withStore('an ingest is invisible until commit, and abort leaves nothing', async (s) => {
      const recs = varied(5000);
      const b = await s.beginIngest({ sha256: fakeSha('a'), path: 'a', bytes: 1, format: 'test' });
      for (const c of recs.conn) b.write('conn', c);
      assert.equal(b.counts.conn, 5000);
      assert.equal((await s.counts()).conn, 0, 'readers do not see an open ingest');
      await assert.rejects(s.beginIngest({ sha256: fakeSha('b'), path: 'b', bytes: 1, format: 'test' }), (e: unknown) => e instanceof StoreError && e.code === 'STORE_INGEST_OPEN');
      await b.abort();
      assert.equal((await s.counts()).conn, 0);
      assert.equal(await s.ingestOf(fakeSha('a')), undefined);
      await ingestRecords(s, 'a', { conn: recs.conn });
      assert.equal((await s.counts()).conn, 5000);
    });

    withStore('a file is known by its hash; ingesting it again is refused', async (s) => {
      await ingestRecords(s, 'f1', { conn: [conn({ ts: T0, orig_h: '10.0.0.1', resp_h: '10.0.0.2', resp_p: 80 })] });
      const e = await s.ingestOf(fakeSha('f1'));
      assert.ok(e);
      assert.equal(e.path, 'f1.log');
      assert.equal(e.records.conn, 1);
      assert.equal(e.first_ts, T0);
      assert.equal((await s.ingests()).length, 1);
      await assert.rejects(s.beginIngest({ sha256: fakeSha('f1'), path: 'renamed.log', bytes: 1, format: 'test' }),
        (err: unknown) => err instanceof StoreError && err.code === 'STORE_ALREADY_INGESTED');
      await assert.rejects(s.beginIngest({ sha256: 'not-a-hash', path: 'x', bytes: 1, format: 'test' }),
        (err: unknown) => err instanceof StoreError && err.code === 'STORE_BAD_ARGUMENT');
    });

    withStore('passive DNS accumulates across ingests (first, last, count) and follows CNAME chains', async (s) => {
      await ingestRecords(s, 'd1', { dns: [dns({ ts: T0, orig_h: '10.0.0.5', query: 'WWW.Evil.Example.', answers: ['cdn.evil.example', '203.0.113.10'] })] });
      await ingestRecords(s, 'd2', { dns: [
        dns({ ts: T0 + 1000, orig_h: '10.0.0.6', query: 'www.evil.example', answers: ['cdn.evil.example', '203.0.113.10'] }),
        dns({ ts: T0 - 50, orig_h: '10.0.0.6', query: 'www.evil.example', answers: ['203.0.113.10'] }),
      ] });
      assert.deepEqual(await s.pdnsByIp('203.0.113.10'), [
        { fqdn: 'www.evil.example', ip: '203.0.113.10', first: T0 - 50, last: T0 + 1000, count: 3 },
        { fqdn: 'cdn.evil.example', ip: '203.0.113.10', first: T0, last: T0 + 1000, count: 2 },
      ]);
      assert.deepEqual(await s.pdnsByName('evil.example'), []);
      assert.equal((await s.pdnsByName('evil.example', { subdomains: true })).length, 2);
      assert.deepEqual((await s.pdnsByIp('203.0.113.10', { since: T0 + 1001 })), []);
      assert.equal((await s.pdnsForIps(['203.0.113.10', '192.0.2.1'])).length, 2);
    });

    withStore('first seen: the earliest connection to each address over every ingest', async (s) => {
      await ingestRecords(s, 'fs1', { conn: [conn({ ts: T0 + 500, orig_h: '10.0.0.1', resp_h: '203.0.113.7', resp_p: 443 })] });
      await ingestRecords(s, 'fs2', { conn: [
        conn({ ts: T0 + 100, orig_h: '10.0.0.2', resp_h: '203.0.113.7', resp_p: 80 }),
        conn({ ts: T0 + 900, orig_h: '10.0.0.1', resp_h: '2001:db8::7', resp_p: 443 }),
        conn({ ts: T0 + 50, orig_h: '203.0.113.9', resp_h: '10.0.0.1', resp_p: 22 }),
      ] });
      const m = await s.firstSeen(['203.0.113.7', '2001:db8::7', '203.0.113.9', '192.0.2.200']);
      assert.deepEqual([...m.entries()].sort(), [['2001:db8::7', T0 + 900], ['203.0.113.7', T0 + 100]], 'originator-only and unseen addresses are absent');
      assert.equal((await s.firstSeen([])).size, 0);
    });

    withStore('interim connections: the latest is kept until the final record arrives, across ingests', async (s) => {
      const base = { ts: T0, uid: 'Copen1', orig_h: '10.0.0.5', resp_h: '203.0.113.10', resp_p: 443 };
      await ingestRecords(s, 'i1', { conn: [conn({ ...base, interim: true, duration: 600 }), conn({ ...base, interim: true, duration: 1200 }), conn({ ...base, uid: 'Cother', duration: 1 })] });
      let rows = await s.records('conn');
      assert.deepEqual(rows.map((r) => [r.uid, r.duration, r.interim]).sort(), [['Copen1', 1200, true], ['Cother', 1, undefined]]);
      await ingestRecords(s, 'i2', { conn: [conn({ ...base, interim: true, duration: 1800 })] });
      rows = await s.records('conn');
      assert.deepEqual(rows.map((r) => [r.uid, r.duration, r.interim]).sort(), [['Copen1', 1800, true], ['Cother', 1, undefined]]);
      await ingestRecords(s, 'i3', { conn: [conn({ ...base, duration: 2000, interim: false })] });
      rows = await s.records('conn');
      assert.deepEqual(rows.map((r) => [r.uid, r.duration, r.interim]).sort(), [['Copen1', 2000, false], ['Cother', 1, undefined]]);
    });

    withStore('lookback ip: names, internal hosts with exact statistics, external peers, connections', async (s) => {
      await ingestRecords(s, 'fixture', fixture());
      const r = await lookbackIp(s, '203.0.113.10', { conns: true });
      assert.equal(r.internal, false);
      assert.deepEqual(r.names, [
        { fqdn: 'c2.evil.example', ip: '203.0.113.10', first: T0 - 5, last: T0 + 100, count: 2 },
        { fqdn: 'cdn.evil.example', ip: '203.0.113.10', first: T0 + 900, last: T0 + 900, count: 1 },
        { fqdn: 'www.evil.example', ip: '203.0.113.10', first: T0 + 900, last: T0 + 900, count: 1 },
      ]);
      assert.deepEqual(r.hosts, [
        { host: '10.0.0.5', direction: 'out', conns: 5, ports: [443], protos: ['tcp'], first: T0, last: T0 + 250, median_interval: 60, interval_mad: 2.5, bytes_sent: 500, bytes_received: 5000, max_duration: 10, total_duration: 20 },
        { host: '10.0.0.6', direction: 'out', conns: 3, ports: [443, 8080], protos: ['tcp', 'udp'], first: T0 + 1000, last: T0 + 1150.5, median_interval: 75, interval_mad: 25, bytes_sent: 25, bytes_received: 40, max_duration: 0.5, total_duration: 1 },
        { host: '10.0.0.5', direction: 'in', conns: 1, ports: [22], protos: ['tcp'], first: T0 + 500, last: T0 + 530, median_interval: null, interval_mad: null, bytes_sent: 400, bytes_received: 300, max_duration: 30, total_duration: 30 },
      ]);
      assert.equal(r.external_peers, 1);
      assert.equal(r.conns?.length, 10);
      assert.deepEqual(r.conns?.map((c) => c.ts - T0), [0, 60, 120, 185, 240, 500, 1000, 1100, 1150, 1300]);

      const w = await lookbackIp(s, '203.0.113.10', { window: { since: T0 + 900 } });
      assert.deepEqual(w.names.map((n) => n.fqdn), ['cdn.evil.example', 'www.evil.example']);
      assert.deepEqual(w.hosts.map((h) => [h.host, h.conns]), [['10.0.0.6', 3]]);

      const v6 = await lookbackIp(s, '2001:DB8:0:0::99');
      assert.equal(v6.ip, '2001:db8::99');
      assert.deepEqual(v6.names.map((n) => n.fqdn), ['v6.example.org']);
      assert.deepEqual(v6.hosts.map((h) => [h.host, h.conns, h.median_interval, h.interval_mad]), [['fd00::7', 2, 60, 0]]);
    });

    withStore('lookback domain: addresses, subdomains, lookups, hosts connecting with and without a lookup', async (s) => {
      await ingestRecords(s, 'fixture', fixture());
      const c2 = await lookbackDomain(s, 'C2.evil.example.');
      assert.equal(c2.name, 'c2.evil.example');
      assert.deepEqual(c2.ips, [{ fqdn: 'c2.evil.example', ip: '203.0.113.10', first: T0 - 5, last: T0 + 100, count: 2 }]);
      assert.deepEqual(c2.subdomains, []);
      assert.deepEqual(c2.lookups, [{ key: '10.0.0.5', lookups: 2, distinct: 1, first: T0 - 5, last: T0 + 100, nxdomain: 0, answers: ['203.0.113.10'] }]);
      assert.deepEqual(c2.connected.map((c) => [c.host, c.looked_up, c.conns]), [['10.0.0.5', true, 5], ['10.0.0.6', false, 3], ['198.51.100.1', false, 1]]);
      assert.deepEqual(c2.connected[0], { host: '10.0.0.5', looked_up: true, conns: 5, ips: 1, ports: [443], first: T0, last: T0 + 250, bytes_sent: 500, bytes_received: 5000 });

      const d = await lookbackDomain(s, 'evil.example');
      assert.deepEqual(d.ips, []);
      assert.deepEqual(d.subdomains, [
        { name: 'c2.evil.example', lookups: 2, nxdomain: 0, ips: 1, first: T0 - 5, last: T0 + 100 },
        { name: 'www.evil.example', lookups: 1, nxdomain: 0, ips: 2, first: T0 + 900, last: T0 + 900 },
        { name: 'x1.evil.example', lookups: 1, nxdomain: 1, ips: 0, first: T0 + 950, last: T0 + 950 },
        { name: 'cdn.evil.example', lookups: 0, nxdomain: 0, ips: 2, first: T0 + 900, last: T0 + 900 },
      ]);
      assert.deepEqual(d.lookups, [
        { key: '10.0.0.5', lookups: 2, distinct: 1, first: T0 - 5, last: T0 + 100, nxdomain: 0, answers: ['203.0.113.10'] },
        { key: '10.0.0.6', lookups: 2, distinct: 2, first: T0 + 900, last: T0 + 950, nxdomain: 1, answers: ['203.0.113.10', '203.0.113.11', 'cdn.evil.example'] },
      ]);
      assert.deepEqual(d.connected.map((c) => [c.host, c.looked_up, c.conns, c.ips]), [
        ['10.0.0.5', true, 5, 1], ['10.0.0.6', true, 3, 1], ['10.0.0.8', false, 1, 1], ['198.51.100.1', false, 1, 1],
      ]);
      const none = await lookbackDomain(s, 'nothing.example');
      assert.deepEqual([none.ips, none.subdomains, none.lookups, none.connected], [[], [], [], []]);
    });

    withStore('lookback host: destinations with names, lookups, TLS names, findings', async (s) => {
      await ingestRecords(s, 'fixture', fixture());
      const finding: Finding = {
        id: 'Ftest0000000001', detector: 'beacon', kind: 'ip', title: 'beacon to 203.0.113.10', src: '10.0.0.5', dst: '203.0.113.10',
        first: T0, last: T0 + 240, score: 0.9, severity: 'high', evidence: { period: 60 }, reasons: ['every 60 s'], uids: [], attack: ['T1071'],
      };
      await s.saveFindings([finding]);
      const h = await lookbackHost(s, '10.0.0.5');
      assert.equal(h.internal, true);
      assert.deepEqual(h.destinations, [{
        key: '203.0.113.10', conns: 5, peers: 1, ports: [443], protos: ['tcp'], first: T0, last: T0 + 250, median_interval: 60, interval_mad: 2.5,
        orig_bytes: 500, resp_bytes: 5000, max_duration: 10, total_duration: 20, names: ['c2.evil.example', 'cdn.evil.example', 'www.evil.example'],
      }]);
      assert.deepEqual(h.lookups, [{ key: 'c2.evil.example', lookups: 2, distinct: 1, first: T0 - 5, last: T0 + 100, nxdomain: 0, answers: ['203.0.113.10'] }]);
      assert.deepEqual(h.tls, [{ server_name: 'c2.evil.example', handshakes: 2, first: T0 + 0.01, last: T0 + 60.01, servers: 1, ja3: ['abc'], ja4: ['t13d'], self_signed: true }]);
      assert.deepEqual(h.findings, [finding]);
      const other = await lookbackHost(s, '10.0.0.6');
      assert.deepEqual(other.tls.map((t) => [t.server_name, t.handshakes]), [['', 1]]);
      assert.deepEqual(other.findings, []);
    });

    withStore('hostile lookback arguments give clean errors or empty results, and change nothing', async (s) => {
      await ingestRecords(s, 'fixture', fixture());
      const before = await s.counts();
      const bad = (e: unknown): boolean => e instanceof StoreError && e.code === 'STORE_BAD_ARGUMENT';
      for (const ip of ["203.0.113.10' OR '1'='1", '203.0.113.10; DROP TABLE conn', '1.2.3.4 --', "'", '', '999.1.1.1', '1.2.3']) {
        await assert.rejects(lookbackIp(s, ip), bad, ip);
        await assert.rejects(lookbackHost(s, ip), bad, ip);
      }
      for (const n of ["evil.example' OR '1'='1", 'evil.example\n; DROP TABLE dns', '', 'a'.repeat(300)]) await assert.rejects(lookbackDomain(s, n), bad, n);
      for (const n of ["x';DROP_TABLE_conn;--", '%', '_', '*.evil.example', "evil.example'--", '\\']) {
        const r = await lookbackDomain(s, n);
        assert.deepEqual([r.ips, r.subdomains, r.lookups, r.connected], [[], [], [], []], n);
      }
      // The primitives bind what they are given, whatever it is.
      assert.deepEqual(await s.connGroups({ resp_h: "' OR 1=1 --" }, 'orig_h'), []);
      assert.deepEqual(await s.connGroups({ resp_h: ["') OR 1=1 --", '203.0.113.10'] }, 'orig_h').then((g) => g.map((x) => x.key)), ['10.0.0.5', '10.0.0.6', '198.51.100.1']);
      assert.deepEqual(await s.conns({ any_h: "1' OR '1'='1" }), []);
      assert.deepEqual(await s.pdnsByIp("' OR 1=1 --"), []);
      assert.deepEqual(await s.tlsGroups("10.0.0.5' OR 1=1 --"), []);
      assert.deepEqual(await s.findings({ host: "' OR 1=1 --" }), []);
      await assert.rejects(s.records("conn; DROP TABLE conn" as 'conn'), bad);
      await assert.rejects(s.conns({}), bad);
      await assert.rejects(s.connGroups({ orig_h: '10.0.0.5' }, 'orig_h', { limit: 0 }), bad);
      await assert.rejects(s.records('conn', { since: Number.NaN }), bad);
      assert.deepEqual(await s.counts(), before);
    });

    withStore('findings: saved, replaced by id (first/last widened), filtered by host and window', async (s) => {
      const f: Finding = { id: 'Fa', detector: 'scan', kind: 'horizontal', title: 't1', src: '10.0.0.9', dsts: ['203.0.113.1', '203.0.113.2'], port: 445, proto: 'tcp', first: 100, last: 200, score: 0.6, severity: 'low', evidence: { hosts: 2, nested: { a: [1, 2] } }, reasons: ['r1'], uids: ['C1'], attack: ['T1046'] };
      await s.saveFindings([f, { ...f, id: 'Fb', src: '10.0.0.10', score: 0.99, severity: 'critical', first: 500, last: 600 }]);
      await s.saveFindings([{ ...f, title: 't2', first: 150, last: 300, score: 0.8, severity: 'medium' }]);
      const all = await s.findings();
      assert.deepEqual(all.map((x) => [x.id, x.title, x.first, x.last, x.severity]), [['Fb', 't1', 500, 600, 'critical'], ['Fa', 't2', 100, 300, 'medium']]);
      assert.deepEqual(all[1]!.evidence, { hosts: 2, nested: { a: [1, 2] } });
      assert.deepEqual((await s.findings({ host: '203.0.113.2' })).map((x) => x.id), ['Fb', 'Fa']);
      assert.deepEqual((await s.findings({ host: '10.0.0.9' })).map((x) => x.id), ['Fa']);
      assert.deepEqual((await s.findings({ window: { since: 400 } })).map((x) => x.id), ['Fb']);
    });

    withStore('retention deletes old raw records and keeps passive DNS, findings and ingests', async (s) => {
      await ingestRecords(s, 'fixture', fixture());
      await s.saveFindings([{ id: 'Fr', detector: 'beacon', kind: 'ip', title: 'old', src: '10.0.0.5', first: T0, last: T0 + 10, score: 0.5, severity: 'low', evidence: {}, reasons: [], uids: [], attack: [] }]);
      const pdnsBefore = await s.pdnsByIp('203.0.113.10');
      const r = await s.retain(400);
      assert.equal(r.cutoff, T0 + 1300 - 400);
      assert.deepEqual(r.deleted, { conn: 8, dns: 3, tls: 2, http: 0, mining: 0, ssh: 0, weird: 0 });
      const left = await s.records('conn');
      assert.ok(left.every((c) => c.ts >= T0 + 900));
      assert.equal(left.length, 5);
      assert.deepEqual(await s.pdnsByIp('203.0.113.10'), pdnsBefore);
      assert.equal((await s.findings()).length, 1);
      assert.equal((await s.ingests()).length, 1);
      await assert.rejects(s.retain(-1), (e: unknown) => e instanceof StoreError && e.code === 'STORE_BAD_ARGUMENT');
    });

    withStore('loadDataset gives the detectors the stored records, with passive DNS from earlier ingests', async (s) => {
      await ingestRecords(s, 'old-dns', { dns: [dns({ ts: T0 - 86400 * 30, orig_h: '10.0.0.5', query: 'c2.evil.example', answers: ['203.0.113.10'] })] });
      await ingestRecords(s, 'today', { conn: [conn({ ts: T0, orig_h: '10.0.0.5', resp_h: '203.0.113.10', resp_p: 443 }), conn({ ts: T0 + 60, orig_h: '10.0.0.5', resp_h: '203.0.113.10', resp_p: 443 })] });
      const ds = await loadDataset(s, { since: T0 - 10 });
      assert.equal(ds.conns.length, 2);
      assert.equal(ds.dns.length, 0);
      assert.equal(ds.start, T0);
      assert.deepEqual(ds.namesOf('203.0.113.10').map((e) => e.fqdn), ['c2.evil.example']);
      assert.equal(ds.nameOfConn(ds.conns[0]!), 'c2.evil.example');
      assert.deepEqual([...ds.internalHosts()], ['10.0.0.5']);
    });

    withStore('records of a partition of the sources: halfMD5(orig_h) % count, filtered by the store; the partitions together are the whole', async (s) => {
      const recs = varied(1500);
      await ingestRecords(s, 'varied', recs);
      const key = (r: { ts: number; uid: string }): string => `${r.ts}\x1f${r.uid}\x1f${JSON.stringify(r)}`;
      for (const count of [2, 3]) {
        for (const kind of ['conn', 'dns', 'tls', 'http', 'mining', 'weird'] as const) {
          const whole = (await s.records(kind)).map(key).sort();
          const union: string[] = [];
          for (let index = 0; index < count; index++) {
            const part = await s.records(kind, undefined, { partition: { index, count } });
            for (const r of part) {
              const src = (r as { orig_h?: string }).orig_h ?? '';
              assert.equal(partitionOf(src, count), index, `${kind} of ${src} in partition ${index} of ${count}`);
              union.push(key(r));
            }
            if (kind === 'conn') assert.ok(part.length > 0 && part.length < whole.length, `conn partition ${index}/${count}: ${part.length} of ${whole.length}`);
          }
          assert.deepEqual(union.sort(), whole, `${kind}: partitions of ${count} together`);
        }
      }
      const inWindow = await s.records('conn', { since: T0 + 100, until: T0 + 200 }, { partition: { index: 1, count: 2 } });
      assert.ok(inWindow.length > 0 && inWindow.every((c) => c.ts >= T0 + 100 && c.ts < T0 + 200 && partitionOf(c.orig_h, 2) === 1));
      await assert.rejects(s.records('conn', undefined, { partition: { index: 2, count: 2 } }), /Cannot partition/);
    });

    withStore('connPairs: distinct (source, destination, announced name) of a window with first start and last end', async (s) => {
      const a = '10.0.0.1', b = 'fd00::2', x = '203.0.113.1', y = '2001:db8::9';
      const c1 = conn({ ts: T0, orig_h: a, resp_h: x, resp_p: 443, duration: 5 });
      const c2 = conn({ ts: T0 + 10, orig_h: a, resp_h: x, resp_p: 443, duration: 100 });
      const c3 = conn({ ts: T0 + 20, orig_h: b, resp_h: y, resp_p: 80, duration: 1.5 });
      const c4 = conn({ ts: T0 + 30, orig_h: b, resp_h: y, resp_p: 443, duration: 2 });
      const c5 = conn({ ts: T0 + 40, orig_h: a, resp_h: x, resp_p: 443, duration: 3 });
      const c6 = conn({ ts: T0 + 5000, orig_h: a, resp_h: y, resp_p: 443 });
      const http = (c: ConnRecord, ts: number, host: string, depth: number): HttpRecord => ({ ts, uid: c.uid, orig_h: c.orig_h, orig_p: c.orig_p, resp_h: c.resp_h, resp_p: c.resp_p, trans_depth: depth, method: 'GET', host, uri: '/', request_body_len: 0, response_body_len: 0 });
      await ingestRecords(s, 'pairs', {
        conn: [c1, c2, c3, c4, c5, c6],
        tls: [tls({ ts: T0, uid: c1.uid, orig_h: a, resp_h: x, server_name: 'C2.Example' }), tls({ ts: T0 + 30, uid: c4.uid, orig_h: b, resp_h: y, server_name: 'tls.example' }),
          tls({ ts: T0 + 40, uid: c5.uid, orig_h: a, resp_h: x })],
        http: [http(c3, T0 + 20, 'Web.Example:8080', 1), http(c3, T0 + 21, 'later.example', 2), http(c4, T0 + 30, 'http.example', 1)],
      });
      const sorted = (l: ConnPair[]): ConnPair[] => plain(l).sort((p, q) => `${p.orig_h} ${p.resp_h} ${p.name ?? ''}`.localeCompare(`${q.orig_h} ${q.resp_h} ${q.name ?? ''}`));
      assert.deepEqual(sorted(await s.connPairs({ until: T0 + 1000 })), [
        { orig_h: a, resp_h: x, first: T0 + 10, last: T0 + 110 },
        { orig_h: a, resp_h: x, name: 'c2.example', first: T0, last: T0 + 5 },
        { orig_h: b, resp_h: y, name: 'tls.example', first: T0 + 30, last: T0 + 32 },
        { orig_h: b, resp_h: y, name: 'web.example', first: T0 + 20, last: T0 + 21.5 },
      ]);
      assert.equal((await s.connPairs()).length, 5);
      assert.deepEqual(plain(await s.connPairs({ since: T0 + 4000 })), [{ orig_h: a, resp_h: y, first: T0 + 5000, last: T0 + 5000 }]);
    });

    withStore('dataRange and counts of an empty store', async (s) => {
      assert.equal(await s.dataRange(), undefined);
      assert.deepEqual(await s.counts(), { conn: 0, dns: 0, tls: 0, http: 0, mining: 0, ssh: 0, weird: 0 });
      assert.deepEqual(await s.retain(10), { deleted: {} });
    });
  });
}
