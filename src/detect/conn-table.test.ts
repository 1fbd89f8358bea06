import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ConnRecord, Transport } from '../records/schema.js';
import { connColumns, connNames, internalSources, talkersIndex, PROTO_ICMP, PROTO_TCP, PROTO_UDP } from './conn-table.js';
import { buildDataset } from './dataset.js';
import { Networks } from './networks.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);

const conn = (i: number, orig_h: string, resp_h: string, proto: Transport): ConnRecord => ({
  ts: 1000 + i, uid: `C${i}`, community_id: '', orig_h, orig_p: 1000 + i, resp_h, resp_p: 443, proto, service: i % 3 === 0 ? 'ssl' : '',
  duration: i / 10, orig_bytes: i, resp_bytes: 2 * i, conn_state: i % 4 === 0 ? 'S0' : 'SF', missed_bytes: 0, history: '', orig_pkts: 0,
  orig_ip_bytes: 0, resp_pkts: 0, resp_ip_bytes: 0, ...(i % 9 === 0 ? { interim: true } : {}),
});

test('the columns hold each record field in its row, rows grouped by source in list order', () => {
  const conns = [conn(0, '10.0.0.1', '8.8.8.8', 'udp'), conn(1, '8.8.8.8', '10.0.0.1', 'tcp'), conn(2, '10.0.0.1', '1.1.1.1', 'icmp')];
  const c = connColumns(conns);
  assert.equal(connColumns(conns), c, 'cached per array');
  assert.deepEqual(Array.from(c.conn), [0, 2, 1], 'rows of 10.0.0.1, then of 8.8.8.8');
  assert.deepEqual(Array.from(c.blockStart), [0, 2, 3], 'sources take the first ids');
  assert.deepEqual(Array.from(c.src, (a) => c.strs.values[a]), ['10.0.0.1', '10.0.0.1', '8.8.8.8']);
  assert.deepEqual(Array.from(c.dst, (a) => c.strs.values[a]), ['8.8.8.8', '1.1.1.1', '10.0.0.1']);
  assert.deepEqual(Array.from(c.proto), [PROTO_UDP, PROTO_ICMP, PROTO_TCP]);
  assert.deepEqual(Array.from(c.bytes), [0, 6, 3]);
  assert.deepEqual(Array.from(c.state, (s) => c.states.values[s]), ['S0', 'SF', 'SF']);
  assert.deepEqual(Array.from(c.interim), [1, 0, 0]);
  assert.equal(c.ascending, true);
  assert.equal(connColumns([conn(5, 'a', 'b', 'tcp'), conn(1, 'a', 'b', 'tcp')]).ascending, false);
});

test('a dataset\'s columns, read from the records in input order, hold the same as columns read in list order', () => {
  let x = 7;
  const rnd = (m: number): number => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) % m);
  const records = Array.from({ length: 3000 }, (_, i) => ({ ...conn(i, `10.0.0.${rnd(20)}`, `1.2.3.${rnd(50)}`, (['tcp', 'udp', 'icmp'] as Transport[])[rnd(3)]!), ts: 1000 + rnd(100000) / 7 }));
  const ds = buildDataset({ conn: records }, new Networks());
  const a = connColumns(ds.conns, ds.nameOfConn);
  const b = connColumns([...ds.conns], ds.nameOfConn); // a copy: no input order known
  /** Each connection's row, by list index; each source's connections, by address. */
  const view = (c: typeof a): { rows: unknown[][]; blocks: Map<string, number[]> } => {
    const rows: unknown[][] = [];
    for (let p = 0; p < c.n; p++) {
      rows[c.conn[p]!] = [c.strs.values[c.src[p]!], c.strs.values[c.dst[p]!], c.ts[p], c.duration[p], c.bytes[p], c.port[p], c.proto[p], c.interim[p],
        c.states.values[c.state[p]!], c.services.values[c.service[p]!], c.names.get(ds.nameOfConn)![p]! < 0 ? null : c.strs.values[c.names.get(ds.nameOfConn)![p]!]];
    }
    const blocks = new Map<string, number[]>();
    for (let s = 0; s + 1 < c.blockStart.length; s++) blocks.set(c.strs.values[s]!, Array.from(c.conn.subarray(c.blockStart[s], c.blockStart[s + 1])));
    return { rows, blocks };
  };
  assert.deepEqual(view(a), view(b));
  assert.deepEqual([...internalSources(ds.conns, ds.internal)], [...internalSources([...ds.conns], ds.internal)]);
});

test('internal sources and talkers per destination match the Set-of-strings definition (property)', () => {
  const addr = fc.constantFrom('10.0.0.1', '10.0.0.2', '192.168.7.7', '8.8.8.8', '1.2.3.4', 'fe80::1', '2001:db8::1');
  const nameOf = (c: ConnRecord): string | undefined => (c.resp_p === 443 && Number(c.uid.slice(1)) % 2 === 0 ? (c.resp_h === '1.2.3.4' ? '1.2.3.4' : `n${c.uid.length}.example`) : undefined);
  fc.assert(
    fc.property(fc.array(fc.tuple(addr, addr), { maxLength: 80 }), (pairs) => {
      const conns = pairs.map(([a, b], i) => conn(i, a, b, 'tcp'));
      const net = new Networks();
      const hosts = new Set<string>();
      const talkers = new Map<string, Set<string>>();
      const add = (k: string, s: string) => { let t = talkers.get(k); if (t === undefined) talkers.set(k, (t = new Set())); t.add(s); };
      for (const c of conns) {
        if (!net.contains(c.orig_h)) continue;
        hosts.add(c.orig_h);
        add(c.resp_h, c.orig_h);
        const n = nameOf(c);
        if (n !== undefined) add(n, c.orig_h);
      }
      assert.deepEqual([...internalSources(conns, net)], [...hosts]);
      const t = talkersIndex(conns, net, nameOf);
      for (const k of ['10.0.0.1', '8.8.8.8', '1.2.3.4', 'n2.example', 'n3.example', 'absent']) assert.deepEqual([...t(k)].sort(), [...(talkers.get(k) ?? [])].sort(), k);
      const names = connNames(conns, nameOf);
      assert.equal(connNames(conns, nameOf), names, 'cached per naming function');
      const cols = connColumns(conns);
      assert.deepEqual(Array.from(names, (id) => (id < 0 ? undefined : cols.strs.values[id])), Array.from(cols.conn, (i) => nameOf(conns[i]!)));
      // Each source's rows are its connections, in list order.
      const { conn: rows, blockStart } = cols;
      for (let s = 0; s + 1 < blockStart.length; s++) {
        const want = conns.map((c, i) => [c, i] as const).filter(([c]) => c.orig_h === cols.strs.values[s]).map(([, i]) => i);
        assert.deepEqual(Array.from(rows.subarray(blockStart[s], blockStart[s + 1])), want);
      }
    }),
    { numRuns: RUNS },
  );
});
