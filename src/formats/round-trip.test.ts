/**
 * Our own writers' output read back: records written with DirectoryWriter (json and zeek) and
 * read with listLogFiles + readLogFile must come back field for field. Strings include tabs,
 * commas, newlines, backslashes, `-`, non-ASCII; addresses IPv4 and IPv6; optional fields unset.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { addrToString } from '../sensor/packet/packet.js';
import { RECORD_KINDS, type RecordKind, type RecordMap } from '../records/schema.js';
import { DirectoryWriter, MemorySink, type OutputFormat } from '../records/writers.js';
import { listLogFiles, readLogFile } from './index.js';

const RUNS = Math.max(5, Math.round(Number(process.env.C2HUNT_FUZZ_RUNS ?? 300) / 10));

/**
 * Strings the writers can carry. Excluded, because the writers cannot tell them from their
 * placeholders (reported to the writers' owner): exactly `(empty)` as a string, and a
 * one-item vector whose item is `-` or `(empty)`.
 */
const str = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom('', '-', '\t', ',', '\n', '\\', '\\x09', 'a\tb,c\nd\\e', ' - ', '(empty) ', 'caf\u00e9 \u65e5\u672c', '\r\n', '\x7f\x00'),
).filter((s) => s !== '(empty)');
const strs = fc.array(str, { maxLength: 4 }).filter((a) => !(a.length === 1 && (a[0] === '-' || a[0] === '(empty)')));
const micros = fc.integer({ min: 0, max: 4_000_000_000_000_000 }).map((n) => n / 1e6);
const count = fc.nat({ max: 2 ** 40 });
const port = fc.nat({ max: 65535 });
const addr = fc.oneof(
  fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => b.join('.')),
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => {
    const dv = new DataView(b.buffer, b.byteOffset);
    return addrToString(new Uint32Array([dv.getUint32(0), dv.getUint32(4), dv.getUint32(8), dv.getUint32(12)]));
  }),
);
const transport = fc.constantFrom('tcp', 'udp', 'icmp', 'unknown_transport') as fc.Arbitrary<'tcp'>;
/** Plain objects (fast-check makes null-prototype ones by default; deepStrictEqual compares prototypes). */
const NNP = { noNullPrototype: true } as const;
const opt = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined });

/** Drop properties whose value is undefined (records never carry them). */
function clean<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

const flow = { orig_h: addr, orig_p: port, resp_h: addr, resp_p: port };
const head = { ts: micros, uid: str, ...flow };

const arbs: { [K in RecordKind]: fc.Arbitrary<RecordMap[K]> } = {
  conn: fc.record({
    ...head, community_id: str, proto: transport, service: str, duration: micros, orig_bytes: count, resp_bytes: count,
    conn_state: str, missed_bytes: count, history: str, orig_pkts: count, orig_ip_bytes: count, resp_pkts: count,
    resp_ip_bytes: count, vlan: opt(fc.nat({ max: 4095 })), interim: opt(fc.constant(true as const)),
  }, NNP).map(clean),
  dns: fc.record({
    ...head, proto: transport, trans_id: fc.nat({ max: 65535 }), rtt: opt(micros), query: str, qclass: opt(fc.nat({ max: 65535 })),
    qclass_name: opt(str), qtype: opt(fc.nat({ max: 65535 })), qtype_name: opt(str), rcode: opt(fc.nat({ max: 15 })),
    rcode_name: opt(str), AA: fc.boolean(), TC: fc.boolean(), RD: fc.boolean(), RA: fc.boolean(), Z: fc.nat({ max: 7 }),
    answers: strs, TTLs: fc.array(micros, { maxLength: 4 }), rejected: fc.boolean(),
  }, NNP).map(clean),
  tls: fc.record({
    ...head, version: opt(str), cipher: opt(str), server_name: opt(str), alpn: opt(strs), next_protocol: opt(str),
    client_versions: opt(strs), ja3: opt(str), ja3s: opt(str), ja4: opt(str), established: fc.boolean(), subject: opt(str),
    issuer: opt(str), not_valid_before: opt(micros), not_valid_after: opt(micros), self_signed: opt(fc.boolean()),
    cert_sha1: opt(str),
  }, NNP).map((r) => {
    // The reader derives self_signed when subject and issuer are known and it is not.
    if (r.subject !== undefined && r.issuer !== undefined && r.self_signed === undefined) r.self_signed = r.subject === r.issuer;
    return clean(r);
  }),
  http: fc.record({
    ...head, trans_depth: fc.nat({ max: 1000 }), method: opt(str), host: opt(str), uri: opt(str), referrer: opt(str),
    version: opt(str), user_agent: opt(str), request_body_len: count, response_body_len: count,
    status_code: opt(fc.nat({ max: 999 })), status_msg: opt(str),
  }, NNP).map(clean),
  mining: fc.record({
    ...head, protocol: str, method: str, is_orig: fc.boolean(), agent: opt(str), login_hash: opt(str), algo: opt(str),
  }, NNP).map(clean),
  ssh: fc.record({ ...head, client: opt(str), server: opt(str) }, NNP).map(clean),
  weird: fc.record({
    ts: micros, uid: str, orig_h: opt(addr), orig_p: opt(port), resp_h: opt(addr), resp_p: opt(port), name: str, addl: opt(str),
  }, NNP).map(clean),
};

type Batch = { [K in RecordKind]: RecordMap[K][] };
const batch: fc.Arbitrary<Batch> = fc.record(
  Object.fromEntries(RECORD_KINDS.map((k) => [k, fc.array(arbs[k] as fc.Arbitrary<unknown>, { maxLength: 6 })])) as never,
  NNP,
);

async function roundTrip(b: Batch, format: OutputFormat): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'c2hunt-rt-'));
  try {
    const w = new DirectoryWriter(dir, format, 1700000000);
    for (const k of RECORD_KINDS) for (const r of b[k]) w.write(k, r as never);
    w.close();
    const { files, skipped } = listLogFiles([dir]);
    assert.deepEqual(skipped, []);
    const sink = new MemorySink();
    for (const f of files) {
      const res = await readLogFile(f, sink);
      assert.equal(res.badLineCount, 0, `${f}: ${JSON.stringify(res.badLines)}`);
      assert.equal(res.format, format === 'json' ? 'zeek-json' : 'zeek-tsv');
    }
    for (const k of RECORD_KINDS) {
      let expected: unknown[] = b[k];
      // conn.log is listed before open_conn.log.
      if (k === 'conn') expected = [...b.conn.filter((r) => !r.interim), ...b.conn.filter((r) => r.interim)];
      assert.deepStrictEqual(sink.records[k], expected, k);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('records written as Zeek TSV read back field for field', async () => {
  await fc.assert(fc.asyncProperty(batch, (b) => roundTrip(b, 'zeek')), { numRuns: RUNS });
});

test('records written as JSON lines read back field for field', async () => {
  await fc.assert(fc.asyncProperty(batch, (b) => roundTrip(b, 'json')), { numRuns: RUNS });
});

test('a hand-picked record with every awkward value survives both formats', async () => {
  const conn: RecordMap['conn'] = {
    ts: 1714420106.229305, uid: 'C\t,\n\\x', community_id: '', orig_h: '2601:19e:8200:91e0::1ec7', orig_p: 56058,
    resp_h: '10.0.0.1', resp_p: 443, proto: 'tcp', service: '', duration: 0, orig_bytes: 0, resp_bytes: 5, conn_state: '-',
    missed_bytes: 0, history: '', orig_pkts: 1, orig_ip_bytes: 60, resp_pkts: 0, resp_ip_bytes: 0,
  };
  const dns: RecordMap['dns'] = {
    ts: 1, uid: 'Cd', orig_h: '::1', orig_p: 1, resp_h: '::', resp_p: 53, proto: 'udp', trans_id: 7, query: 'a,b\tc',
    AA: false, TC: true, RD: true, RA: false, Z: 0, answers: ['x,y', '', '-', '\\x2c'], TTLs: [1.5, 0], rejected: false,
  };
  for (const format of ['zeek', 'json'] as const) {
    await roundTrip({ conn: [conn], dns: [dns], tls: [], http: [], mining: [], ssh: [], weird: [] }, format);
  }
});
