import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import path from 'node:path';
import fc from 'fast-check';
import { findJsonMethod, loginHash, miningAnalyzer, MINING_MAX_BAD_LINES, MINING_MAX_LINE, MINING_MAX_RECORDS } from './mining.js';
import { collectingContext, dataDir, firstPayload, runStream, skipUnlessData, tcpStreams, TEST_ID } from '../http/pcap-fixtures.js';
import type { MiningRecord } from '../../../records/schema.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);
const te = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));
const sha16 = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);

function brief(r: MiningRecord): string {
  return [r.is_orig ? '>' : '<', r.protocol, r.method, r.agent ?? '-', r.login_hash ?? '-', r.algo ?? '-'].join(' ');
}

test('probe: JSON-RPC with a miner method, by content only', () => {
  const p = (s: string) => miningAnalyzer.probe(te(s), true, TEST_ID, 'tcp');
  assert.equal(p('{"id": 1, "method": "mining.subscribe", "params": []}\n'), true);
  assert.equal(p('  {"worker": "x", "jsonrpc": "2.0", "params": ["0xabc"], "id": 2, "method": "eth_submitLogin"}'), true);
  assert.equal(p('{"method":"login","params":{"login":"w","pass":"x","agent":"xmrig/6"},"id":1}'), true);
  assert.equal(p('{"id":1,"method" : "mining.hello","params":{}}'), true);
  assert.equal(p('{"id":1,"method":"getblockcount"}'), false);
  assert.equal(p('{"id":1,"result":true}'), false);
  assert.equal(p('GET / HTTP/1.1\r\n\r\n{"method":"login"}'), false);
  assert.equal(p('{"method":'), false);
  assert.equal(p(''), false);
});

test('findJsonMethod reads the value without a full parse', () => {
  const f = (s: string) => findJsonMethod(te(s), 0, te(s).length);
  assert.equal(f('{"params":{"method":"x"},"method":"y"}'), 'x'); // first one, by design
  assert.equal(f('{ "method"\t:\n "getwork" , "params": [] }'), 'getwork');
  assert.equal(f('{"method":1}'), undefined);
  assert.equal(f('{"method":"unterminated'), undefined);
  assert.equal(f('{"methods":"x"}'), undefined);
  assert.equal(f('{"method":"a\\"b"}'), undefined);
});

const STRATUM = [
  '{"id": 1, "method": "mining.subscribe", "params": ["cgminer/4.10.0", null]}',
  '{"id": 1, "result": [[["mining.notify", "ae6812eb4cd7735a302a8a9dd95cf71f"]], "08000002", 4], "error": null}',
  '{"id": 2, "method": "mining.authorize", "params": ["slush.miner1", "password"]}',
  '{"id": 2, "result": true, "error": null}',
  '{"id": null, "method": "mining.set_difficulty", "params": [2]}',
  '{"params": ["bf", "4d16b6f85af6e219", "01000000", "", [], "00000002", "1c2ac4af", "504e86b9", false], "id": null, "method": "mining.notify"}',
  '{"params": ["slush.miner1", "bf", "00000001", "504e86ed", "b2957c02"], "id": 4, "method": "mining.submit"}',
];
const XMR = [
  '{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx","pass":"x","agent":"XMRig/6.21.0 (Linux x86_64)","algo":["rx/0","cn/r"]}}',
  '{"id":1,"jsonrpc":"2.0","error":null,"result":{"id":"1","job":{"blob":"0707","job_id":"9","target":"b88d0600","algo":"rx/0"},"status":"OK"}}',
  '{"jsonrpc":"2.0","method":"job","params":{"blob":"0808","job_id":"10","target":"b88d0600","algo":"rx/0"}}',
  '{"id":2,"jsonrpc":"2.0","method":"submit","params":{"id":"1","job_id":"10","nonce":"aabbccdd","result":"00"}}',
  '{"id":3,"jsonrpc":"2.0","method":"keepalived","params":{"id":"1"}}',
];

/** Lines in order, each marked with its direction. */
function session(lines: string[], origFirst = true): [boolean, string][] {
  return lines.map((l) => {
    const o = JSON.parse(l) as Record<string, unknown>;
    const fromPool = 'result' in o || o.method === 'mining.set_difficulty' || o.method === 'mining.notify' || o.method === 'job';
    return [origFirst ? !fromPool : fromPool, l + '\n'];
  });
}

function run(msgs: [boolean, string][]) {
  const ctx = collectingContext({ ...TEST_ID, resp_p: 3333 });
  const a = miningAnalyzer.create(ctx);
  for (const [o, l] of msgs) a.data(o, te(l), 1);
  a.end(2);
  return ctx;
}

test('stratum v1 session: methods, agent, hashed login', () => {
  const ctx = run(session(STRATUM));
  assert.deepEqual(ctx.weirdNames(), []);
  assert.deepEqual(ctx.of('mining').map(brief), [
    '> stratum mining.subscribe cgminer/4.10.0 - -',
    '< stratum result - - -',
    `> stratum mining.authorize - ${sha16('slush.miner1')} -`,
    '< stratum result - - -',
    '< stratum mining.set_difficulty - - -',
    '< stratum mining.notify - - -',
    '> stratum mining.submit - - -',
  ]);
  const r = ctx.of('mining')[0]!;
  assert.equal(r.uid, 'Ctest');
  assert.equal(r.resp_p, 3333);
  assert.equal(r.ts, 1);
});

test('monero stratum session: login agent/algo, job algo in the reply and notifications', () => {
  const ctx = run(session(XMR));
  assert.deepEqual(ctx.weirdNames(), []);
  assert.deepEqual(ctx.of('mining').map(brief), [
    `> xmr-stratum login XMRig/6.21.0 (Linux x86_64) ${loginHash('4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx')} rx/0,cn/r`,
    '< xmr-stratum result - - rx/0',
    '< xmr-stratum job - - rx/0',
    '> xmr-stratum submit - - -',
    '> xmr-stratum keepalived - - -',
  ]);
  // The wallet itself never appears in a record.
  assert.ok(!JSON.stringify(ctx.out).includes('4AdUnd'));
});

test('eth proxy: eth_submitLogin login hashed, eth_getWork', () => {
  const ctx = run([
    [true, '{"worker": "eth1.0", "jsonrpc": "2.0", "params": ["0xabcdef", "x"], "id": 2, "method": "eth_submitLogin"}\n'],
    [false, '{"jsonrpc":"2.0","id":2,"result":true}\n'],
    [true, '{"worker": "", "jsonrpc": "2.0", "params": [], "id": 3, "method": "eth_getWork"}\r\n'],
  ]);
  assert.deepEqual(ctx.of('mining').map(brief), [`> eth eth_submitLogin - ${sha16('0xabcdef')} -`, '< eth result - - -', '> eth eth_getWork - - -']);
});

test('malformed lines: bad JSON, non-objects, no method; then too many', () => {
  const ctx = run([
    [true, '{"id":1,"method":"mining.subscribe","params":[]}\n'],
    [false, 'HTTP/1.1 400 Bad Request\r\n'],
    [false, '[1,2]\n\n   \n'],
    [false, '{"id":5}\n'],
  ]);
  assert.deepEqual(ctx.weirdNames(), ['mining_bad_json', 'mining_bad_json', 'mining_no_method']);
  assert.equal(ctx.of('mining').length, 1);

  const many = run(Array.from({ length: MINING_MAX_BAD_LINES + 5 }, () => [true, 'not json\n'] as [boolean, string]));
  const names = many.weirdNames();
  assert.equal(names.filter((n) => n === 'mining_bad_json').length, MINING_MAX_BAD_LINES + 1);
  assert.equal(names.at(-1), 'mining_too_many_bad_lines');
});

test('an over-long line is a weird and the next line still parses', () => {
  const ctx = collectingContext();
  const a = miningAnalyzer.create(ctx);
  const chunk = te('x'.repeat(16 * 1024));
  for (let i = 0; i * chunk.length <= MINING_MAX_LINE; i++) a.data(true, chunk, 1);
  a.data(true, te('tail of the long line\n{"id":1,"method":"mining.subscribe","params":["a"]}\n'), 1);
  a.end(2);
  assert.deepEqual(ctx.weirdNames(), ['mining_line_too_long']);
  assert.deepEqual(ctx.of('mining').map(brief), ['> stratum mining.subscribe a - -']);
});

test('records are capped per connection; the rest are counted in one weird', () => {
  const ctx = collectingContext();
  const a = miningAnalyzer.create(ctx);
  const line = te('{"id":1,"method":"mining.submit","params":[]}\n'.repeat(100));
  for (let i = 0; i < MINING_MAX_RECORDS / 100 + 3; i++) a.data(true, line, 1);
  a.end(2);
  assert.equal(ctx.of('mining').length, MINING_MAX_RECORDS);
  assert.deepEqual(ctx.of('weird').map((w) => [w.name, w.addl]), [['mining_record_limit', `300 messages over ${MINING_MAX_RECORDS}`]]);
});

test('a gap drops the line in progress; the next line parses', () => {
  const ctx = collectingContext();
  const a = miningAnalyzer.create(ctx);
  a.data(true, te('{"id":1,"method":"mining.subscribe","par'), 1);
  a.gap(true, 40, 1);
  a.data(true, te('rest"]}\n{"id":2,"method":"mining.authorize","params":["u"]}\n'), 1);
  a.data(false, te('{"id":1,"result":true}'), 1); // no newline: flushed at end
  a.end(2);
  assert.deepEqual(ctx.weirdNames(), ['mining_gap']);
  assert.deepEqual(ctx.of('mining').map((r) => r.method), ['mining.authorize', 'result']);
});

test('property: any split of the streams gives identical records', () => {
  const o = te(STRATUM.filter((_, i) => i % 2 === 0).join('\n') + '\n' + XMR[0] + '\r\n');
  const r = te(STRATUM.filter((_, i) => i % 2 === 1).join('\r\n') + '\n');
  const feed = (a: ReturnType<typeof miningAnalyzer.create>, isOrig: boolean, b: Uint8Array, cuts: number[]) => {
    const pts = [...new Set(cuts.map((c) => c % (b.length + 1)))].sort((x, y) => x - y);
    let prev = 0;
    for (const c of [...pts, b.length]) {
      if (c > prev) a.data(isOrig, b.subarray(prev, c), 1);
      prev = c;
    }
  };
  const whole = collectingContext();
  const w = miningAnalyzer.create(whole);
  feed(w, true, o, []);
  feed(w, false, r, []);
  w.end(1);
  assert.equal(whole.of('mining').length, 8);
  fc.assert(
    fc.property(fc.array(fc.nat(), { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 40 }), (oc, rc) => {
      const ctx = collectingContext();
      const a = miningAnalyzer.create(ctx);
      feed(a, true, o, oc);
      feed(a, false, r, rc);
      a.end(1);
      assert.deepEqual(ctx.out, whole.out);
    }),
    { numRuns: RUNS },
  );
});

test('fuzz: random and JSON-ish input never throws', () => {
  const piece = fc.oneof(
    fc.uint8Array({ maxLength: 200 }),
    fc.constantFrom('{', '}', '"method"', ':', '"login"', '"params"', '{"agent":', '[', ']', '\n', '"', '\\', ',', 'null', '"algo":[1,"x"]', '"result":{"job":{"algo":7}}').map(te),
    fc.jsonValue().map((v) => te(JSON.stringify(v) + '\n')),
  );
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), piece, fc.nat(50)), { maxLength: 40 }), (ops) => {
      const ctx = collectingContext();
      const a = miningAnalyzer.create(ctx);
      for (const [o, b, g] of ops) {
        if (g === 0) a.gap(o, 10, 1);
        else a.data(o, b, 1);
      }
      a.end(2);
      for (const r of ctx.of('mining')) assert.ok(r.method.length <= 256 && (r.agent?.length ?? 0) <= 256);
    }),
    { numRuns: RUNS },
  );
});

// ---- real captures -------------------------------------------------------------------------

const D = dataDir();
/** Methods each capture must show (the pools named by the file names, and nDPI's mining test). */
const REAL: { file: string; methods: string[]; protocol: string }[] = [
  { file: 'mining/nesfit/PCAPs/xmr-eu1.nanopool.org.pcapng', methods: ['login', 'job', 'result'], protocol: 'xmr-stratum' },
  { file: 'mining/nesfit/PCAPs/xmr.suprnova.cc.pcapng', methods: ['login', 'submit', 'job'], protocol: 'xmr-stratum' },
  { file: 'mining/nesfit/PCAPs/zec-eu1.nanopool.org.pcapng', methods: ['mining.subscribe', 'mining.authorize', 'mining.notify'], protocol: 'stratum' },
  { file: 'mining/nesfit/PCAPs/zec-eu.suprnova.cc.pcapng', methods: ['mining.subscribe', 'mining.submit'], protocol: 'stratum' },
  { file: 'mining/nesfit/PCAPs/eth-eu1.nanopool.org.pcapng', methods: ['eth_submitLogin', 'eth_getWork', 'eth_submitHashrate'], protocol: 'eth' },
  { file: 'mining/nesfit/PCAPs/cgminer.s0.pcapng', methods: ['mining.subscribe', 'mining.authorize', 'mining.notify'], protocol: 'stratum' },
  { file: 'parsers/ndpi-tests/pcap/mining.pcapng', methods: ['eth_submitLogin', 'login', 'mining.subscribe', 'mining.submit'], protocol: 'stratum' },
];

for (const c of REAL) {
  const file = path.join(D, c.file);
  test(`mining real data: ${c.file}`, { skip: skipUnlessData(file) }, () => {
    const methods = new Set<string>();
    const protocols = new Set<string>();
    let agents = 0;
    let logins = 0;
    for (const s of tcpStreams(file)) {
      const o = firstPayload(s, true);
      if (!o || !miningAnalyzer.probe(o, true, s.id, 'tcp')) continue;
      const ctx = runStream(miningAnalyzer, s);
      // A pool that answers a miner with HTTP (cgminer tried wrong ports) is malformed input.
      for (const w of ctx.of('weird')) assert.equal(w.name, 'mining_bad_json');
      for (const r of ctx.of('mining')) {
        methods.add(r.method);
        protocols.add(r.protocol);
        if (r.agent) agents++;
        if (r.login_hash) {
          logins++;
          assert.match(r.login_hash, /^[0-9a-f]{16}$/);
        }
      }
    }
    for (const m of c.methods) assert.ok(methods.has(m), `${m} in ${[...methods].join(',')}`);
    assert.ok(protocols.has(c.protocol), [...protocols].join(','));
    assert.ok(logins >= 1 && (agents >= 1 || c.protocol === 'eth'), `logins ${logins}, agents ${agents}`);
  });
}
