import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fc from 'fast-check';
import { sshAnalyzer, SSH_MAX_BANNER, SSH_MAX_PRE_BANNER_LINES } from './ssh.js';
import { collectingContext, dataDir, firstPayload, runStream, skipUnlessData, tcpStreams, tsharkFields, TEST_ID } from '../http/pcap-fixtures.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);
const te = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

function run(ops: [boolean, string][]) {
  const ctx = collectingContext({ ...TEST_ID, resp_p: 22 });
  const a = sshAnalyzer.create(ctx);
  for (const [o, s] of ops) a.data(o, te(s), 5);
  a.end(9);
  return { ctx, a };
}

test('probe: SSH- from either side', () => {
  assert.equal(sshAnalyzer.probe(te('SSH-2.0-OpenSSH_9.6\r\n'), false, TEST_ID, 'tcp'), true);
  assert.equal(sshAnalyzer.probe(te('SSH-1.99-x'), true, TEST_ID, 'tcp'), true);
  assert.equal(sshAnalyzer.probe(te('SSH'), true, TEST_ID, 'tcp'), false);
  assert.equal(sshAnalyzer.probe(te('ssh-2.0-x'), true, TEST_ID, 'tcp'), false);
});

test('both banners make one record, and the analyzer is done', () => {
  const ctx = collectingContext({ ...TEST_ID, resp_p: 22 });
  const a = sshAnalyzer.create(ctx);
  a.data(false, te('SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6\r\n'), 5);
  assert.equal(a.done, false);
  a.data(true, te('SSH-2.0-libssh2_1.10.0\r\n\x00\x00\x05\xdc\x08\x14binary kexinit'), 6);
  assert.equal(a.done, true);
  a.end(9);
  assert.deepEqual(ctx.out, [
    {
      kind: 'ssh',
      rec: { ts: 5, uid: 'Ctest', ...TEST_ID, resp_p: 22, client: 'SSH-2.0-libssh2_1.10.0', server: 'SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6' },
    },
  ]);
});

test('server lines before its banner are skipped; bare LF ends a line', () => {
  const { ctx } = run([
    [false, 'Welcome\r\nauthorised use only\n'],
    [false, 'SSH-2.0-dropbear_2022.83\n'],
    [true, 'SSH-2.0-PuTTY_Release_0.80\n'],
  ]);
  assert.deepEqual(ctx.weirdNames(), []);
  assert.deepEqual(ctx.of('ssh').map((r) => [r.client, r.server]), [['SSH-2.0-PuTTY_Release_0.80', 'SSH-2.0-dropbear_2022.83']]);
});

test('only one side seen: emitted at end', () => {
  const { ctx } = run([[false, 'SSH-2.0-Go\r\n']]);
  assert.deepEqual(ctx.of('ssh').map((r) => [r.client, r.server, r.ts]), [[undefined, 'SSH-2.0-Go', 5]]);
  const cut = run([[true, 'SSH-2.0-cut-by-capt']]);
  assert.deepEqual(cut.ctx.of('ssh').map((r) => r.client), ['SSH-2.0-cut-by-capt']);
  const none = run([[true, '']]);
  assert.deepEqual(none.ctx.out, []);
});

test('malformed: a bad client line, an over-long banner, too many server lines, gaps', () => {
  const bad = run([[true, 'GET / HTTP/1.1\r\n'], [false, 'SSH-2.0-x\r\n']]);
  assert.deepEqual(bad.ctx.weirdNames(), ['ssh_bad_banner']);
  assert.deepEqual(bad.ctx.of('ssh').map((r) => [r.client, r.server]), [[undefined, 'SSH-2.0-x']]);
  assert.equal(bad.a.done, true);

  const long = run([[true, 'SSH-2.0-' + 'x'.repeat(SSH_MAX_BANNER)]]);
  assert.deepEqual(long.ctx.weirdNames(), ['ssh_banner_too_long']);
  assert.deepEqual(long.ctx.of('ssh'), []);
  // Exactly at the limit (255 bytes with CR LF) is fine.
  const edge = 'SSH-2.0-' + 'y'.repeat(SSH_MAX_BANNER - 10);
  const ok = run([[true, edge + '\r\n'], [false, 'SSH-2.0-s\r\n']]);
  assert.deepEqual(ok.ctx.of('ssh').map((r) => r.client), [edge]);

  const chatty = run([[false, 'hello\r\n'.repeat(SSH_MAX_PRE_BANNER_LINES + 1) + 'SSH-2.0-late\r\n']]);
  assert.deepEqual(chatty.ctx.weirdNames(), ['ssh_too_many_pre_banner_lines']);

  const ctx = collectingContext();
  const a = sshAnalyzer.create(ctx);
  a.data(true, te('SSH-2.0-a\r\n'), 1);
  a.gap(false, 100, 1);
  assert.equal(a.done, true);
  assert.deepEqual(ctx.weirdNames(), ['ssh_gap']);
  assert.deepEqual(ctx.of('ssh').map((r) => [r.client, r.server]), [['SSH-2.0-a', undefined]]);
});

test('property: any split gives the same record', () => {
  const c = te('SSH-2.0-OpenSSH_9.6p1 Debian-4\r\nafter');
  const s = te('banner line\r\nSSH-2.0-OpenSSH_9.2\r\n');
  const feed = (a: ReturnType<typeof sshAnalyzer.create>, o: boolean, b: Uint8Array, cuts: number[]) => {
    let prev = 0;
    for (const x of [...new Set(cuts.map((k) => k % (b.length + 1)))].sort((p, q) => p - q).concat(b.length)) {
      if (x > prev) a.data(o, b.subarray(prev, x), 1);
      prev = x;
    }
  };
  fc.assert(
    fc.property(fc.array(fc.nat(), { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 20 }), fc.boolean(), (cc, sc, serverFirst) => {
      const ctx = collectingContext();
      const a = sshAnalyzer.create(ctx);
      if (serverFirst) feed(a, false, s, sc);
      feed(a, true, c, cc);
      feed(a, false, s, sc);
      a.end(2);
      assert.deepEqual(ctx.of('ssh').map((r) => [r.client, r.server]), [['SSH-2.0-OpenSSH_9.6p1 Debian-4', 'SSH-2.0-OpenSSH_9.2']]);
      assert.deepEqual(ctx.weirdNames(), []);
    }),
    { numRuns: RUNS },
  );
});

test('fuzz: random input never throws and banners stay bounded', () => {
  const piece = fc.oneof(fc.uint8Array({ maxLength: 400 }), fc.constantFrom('SSH-', '2.0-', '\r\n', '\n', 'x'.repeat(100)).map(te));
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), piece, fc.nat(20)), { maxLength: 30 }), (ops) => {
      const ctx = collectingContext();
      const a = sshAnalyzer.create(ctx);
      for (const [o, b, g] of ops) {
        if (g === 0) a.gap(o, 5, 1);
        else a.data(o, b, 1);
      }
      a.end(2);
      assert.ok(ctx.of('ssh').length <= 1);
      for (const r of ctx.of('ssh')) assert.ok((r.client?.length ?? 0) < SSH_MAX_BANNER && (r.server?.length ?? 0) < SSH_MAX_BANNER);
    }),
    { numRuns: RUNS },
  );
});

const SSH_PCAP = path.join(dataDir(), 'parsers/ndpi-tests/pcap/ssh.pcap');
test('ssh real data: banners match tshark', { skip: skipUnlessData(SSH_PCAP) }, () => {
  // Stream 1 runs on port 8000, which tshark only dissects when told.
  const rows = tsharkFields(SSH_PCAP, ['tcp.stream', 'tcp.srcport', 'ssh.protocol'], 'ssh.protocol', ['-d', 'tcp.port==8000,ssh']);
  const want: string[] = [];
  const got: string[] = [];
  const streams = tcpStreams(SSH_PCAP);
  for (const [st, sport, proto] of rows) {
    const s = streams.find((x) => x.stream === Number(st))!;
    want.push(`${st} ${Number(sport) === s.id.orig_p ? 'client' : 'server'} ${proto}`);
  }
  for (const s of streams) {
    const o = firstPayload(s, true) ?? firstPayload(s, false)!;
    if (!sshAnalyzer.probe(o, true, s.id, 'tcp')) continue;
    const ctx = runStream(sshAnalyzer, s);
    assert.deepEqual(ctx.weirdNames(), []);
    for (const r of ctx.of('ssh')) {
      if (r.client) got.push(`${s.stream} client ${r.client}`);
      if (r.server) got.push(`${s.stream} server ${r.server}`);
    }
  }
  assert.ok(want.length >= 4, want.join('; '));
  assert.deepEqual(got.sort(), want.sort());
});
