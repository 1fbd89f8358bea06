import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import type { TlsRecord } from '../../../records/schema.js';
import { TLS_MAX_BUFFER_BYTES, TlsAnalyzer, probeTls, tlsAnalyzerFactory } from './analyzer.js';
import {
  FakeContext,
  alpnExt,
  cat,
  certificateBody,
  certificateDer,
  clientHelloBody,
  derTime,
  groupsExt,
  hsMsg,
  name,
  pointFormatsExt,
  rawExt,
  records,
  serverAlpnExt,
  serverHelloBody,
  serverVersionExt,
  sigAlgsExt,
  sniExt,
  u16,
  u24,
  u8,
  versionsExt,
} from './test-builder.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);
const HANDSHAKE = 22;
const CCS = 20;
const APPDATA = 23;

const LEAF = certificateDer({
  subject: name([[['2.5.4.6', 0x13, 'US']], [['2.5.4.10', 0x0c, 'Org']], [['2.5.4.3', 0x0c, 'example.com']]]),
  issuer: name([[['2.5.4.6', 0x13, 'US']], [['2.5.4.3', 0x0c, 'Test CA']]]),
  notBefore: derTime(1700000000),
  notAfter: derTime(1800000000),
});
const CA = certificateDer({ subject: name([[['2.5.4.3', 0x0c, 'Test CA']]]), issuer: name([[['2.5.4.3', 0x0c, 'Test CA']]]), notBefore: derTime(0), notAfter: derTime(1) });

const CH = clientHelloBody({
  ciphers: [0x3a3a, 0x1301, 0x1302, 0xc02f, 0xc030, 0x002f],
  extensions: [rawExt(0x2a2a), sniExt('www.example.com'), rawExt(0x0017), alpnExt(['h2', 'http/1.1']), groupsExt([0x4a4a, 29, 23]), pointFormatsExt([0]), sigAlgsExt([0x0403, 0x0804]), versionsExt([0x5a5a, 0x0304, 0x0303])],
});
const SH12 = serverHelloBody({ cipher: 0xc02f, extensions: [rawExt(0xff01, 1), serverAlpnExt('h2'), rawExt(0x000b, 2)] });
const SH13 = serverHelloBody({ cipher: 0x1301, extensions: [serverVersionExt(0x0304), rawExt(0x0033, 36)] });

const CLIENT = records(HANDSHAKE, hsMsg(1, CH), 16384, 0x0301);
const SERVER12 = cat(records(HANDSHAKE, cat(hsMsg(2, SH12), hsMsg(11, certificateBody([LEAF, CA])), hsMsg(14, new Uint8Array(0)))));

/** Feeds client bytes then server bytes, each in the given segments; returns the context. */
function run(client: Uint8Array[], server: Uint8Array[], end = true): { ctx: FakeContext; a: TlsAnalyzer } {
  const ctx = new FakeContext();
  const a = tlsAnalyzerFactory.create(ctx) as TlsAnalyzer;
  let ts = 1000;
  for (const s of client) if (!a.done) a.data(true, s, ts++);
  for (const s of server) if (!a.done) a.data(false, s, ts++);
  if (end) a.end(ts);
  return { ctx, a };
}

/** Cuts bytes at the given offsets (sorted, deduplicated). */
function split(b: Uint8Array, cuts: number[]): Uint8Array[] {
  const pts = [...new Set(cuts.map((c) => c % (b.length + 1)))].sort((x, y) => x - y);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of pts) {
    out.push(b.subarray(prev, p));
    prev = p;
  }
  out.push(b.subarray(prev));
  return out.filter((s) => s.length > 0);
}

const EXPECTED_12: Partial<TlsRecord> = {
  ts: 1000,
  uid: 'Ctest',
  orig_h: '10.0.0.1',
  resp_p: 443,
  established: true,
  version: 'TLSv12',
  cipher: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  server_name: 'www.example.com',
  alpn: ['h2', 'http/1.1'],
  next_protocol: 'h2',
  client_versions: ['TLSv13', 'TLSv12'],
  ja3_string: '771,4865-4866-49199-49200-47,0-23-16-10-11-13-43,29-23,0',
  ja3s_string: '771,49199,65281-16-11',
  subject: 'CN=example.com,O=Org,C=US',
  issuer: 'CN=Test CA,C=US',
  not_valid_before: 1700000000,
  not_valid_after: 1800000000,
  self_signed: false,
  cert_sha1: createHash('sha1').update(LEAF).digest('hex'),
};

test('TLS 1.2 handshake: one record with hello fields, fingerprints and the leaf certificate', () => {
  const { ctx, a } = run([CLIENT], [SERVER12], false);
  assert.equal(a.done, true, 'done after the Certificate');
  assert.deepEqual(ctx.weirds, []);
  assert.equal(ctx.tls.length, 1);
  const r = ctx.tls[0]!;
  for (const [k, v] of Object.entries(EXPECTED_12)) assert.deepEqual(r[k as keyof TlsRecord], v, k);
  assert.equal(r.ja3, createHash('md5').update(EXPECTED_12.ja3_string!).digest('hex'));
  assert.equal(r.ja3s, createHash('md5').update(EXPECTED_12.ja3s_string!).digest('hex'));
  const sha = (x: string): string => createHash('sha256').update(x).digest('hex').slice(0, 12);
  assert.equal(r.ja4, `t13d0507h2_${sha('002f,1301,1302,c02f,c030')}_${sha('000a,000b,000d,0017,002b_0403,0804')}`);
  a.end(2000);
  assert.equal(ctx.tls.length, 1, 'end() after done emits nothing more');
});

test('property: any segmentation of either direction gives the same record', () => {
  const reference = run([CLIENT], [SERVER12]).ctx.tls;
  fc.assert(
    fc.property(fc.array(fc.nat(), { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 30 }), (cc, sc) => {
      const { ctx } = run(split(CLIENT, cc), split(SERVER12, sc));
      assert.deepEqual(ctx.weirds, []);
      assert.deepEqual(ctx.tls, reference);
    }),
    { numRuns: RUNS },
  );
});

test('one-byte segments and handshake messages spread over many small records', () => {
  const reference = run([CLIENT], [SERVER12]).ctx.tls;
  const bytes = (b: Uint8Array): Uint8Array[] => Array.from(b, (x) => Uint8Array.of(x));
  assert.deepEqual(run(bytes(CLIENT), bytes(SERVER12)).ctx.tls, reference);
  // Every message fragmented into 7-byte records (several records per message), and records
  // holding the tail of one message and the head of the next.
  const client = records(HANDSHAKE, hsMsg(1, CH), 7, 0x0301);
  const server = records(HANDSHAKE, cat(hsMsg(2, SH12), hsMsg(11, certificateBody([LEAF, CA])), hsMsg(14, new Uint8Array(0))), 7);
  const { ctx } = run(split(client, [3, 50, 51, 52]), split(server, [1, 2, 100, 101, 333]));
  assert.deepEqual(ctx.weirds, []);
  assert.deepEqual(ctx.tls, reference);
});

test('TLS 1.3: done after the ServerHello, version from supported_versions', () => {
  const { ctx, a } = run([CLIENT], [records(HANDSHAKE, hsMsg(2, SH13))], false);
  assert.equal(a.done, true);
  const r = ctx.tls[0]!;
  assert.equal(r.version, 'TLSv13');
  assert.equal(r.cipher, 'TLS_AES_128_GCM_SHA256');
  assert.equal(r.ja3s_string, '771,4865,43-51');
  assert.equal(r.subject, undefined);
  assert.equal(r.established, true);
});

test('TLS 1.3 HelloRetryRequest with compatibility CCS records: the final ServerHello counts', () => {
  const hrr = serverHelloBody({ cipher: 0x1301, helloRetry: true, extensions: [serverVersionExt(0x0304), rawExt(0x0033, 2)] });
  const ctx = new FakeContext();
  const a = new TlsAnalyzer(ctx);
  a.data(true, CLIENT, 1);
  a.data(false, cat(records(HANDSHAKE, hsMsg(2, hrr)), records(CCS, u8(1))), 2);
  a.data(true, cat(records(CCS, u8(1)), records(HANDSHAKE, hsMsg(1, CH))), 3);
  assert.equal(a.done, false);
  assert.equal(ctx.tls.length, 0);
  a.data(false, records(HANDSHAKE, hsMsg(2, SH13)), 4);
  assert.equal(a.done, true);
  assert.equal(ctx.tls[0]!.version, 'TLSv13');
  assert.equal(ctx.tls[0]!.ja3s_string, '771,4865,43-51');
  assert.deepEqual(ctx.weirds, []);
});

test('client early data does not end the analyzer; the ServerHello still counts', () => {
  const ctx = new FakeContext();
  const a = new TlsAnalyzer(ctx);
  a.data(true, cat(CLIENT, records(CCS, u8(1)), records(APPDATA, new Uint8Array(40))), 1);
  a.data(true, records(APPDATA, new Uint8Array(40)), 2); // ignored: direction closed
  assert.equal(a.done, false);
  a.data(false, records(HANDSHAKE, hsMsg(2, SH13)), 3);
  assert.equal(ctx.tls[0]!.established, true);
});

test('TLS 1.2 resumption: ServerHello then ChangeCipherSpec ends it without a certificate', () => {
  const { ctx, a } = run([CLIENT], [cat(records(HANDSHAKE, hsMsg(2, SH12)), records(CCS, u8(1)))], false);
  assert.equal(a.done, true);
  assert.equal(ctx.tls[0]!.version, 'TLSv12');
  assert.equal(ctx.tls[0]!.cert_sha1, undefined);
});

test('a client whose server never answers is emitted at end(), not established', () => {
  const { ctx, a } = run([CLIENT], [], false);
  assert.equal(a.done, false);
  assert.equal(ctx.tls.length, 0);
  a.end(5);
  a.end(6);
  assert.equal(ctx.tls.length, 1);
  assert.equal(ctx.tls[0]!.established, false);
  assert.equal(ctx.tls[0]!.server_name, 'www.example.com');
});

test('roles come from the messages: a ClientHello from the responder is reported and parsed', () => {
  const ctx = new FakeContext();
  const a = new TlsAnalyzer(ctx);
  a.data(false, CLIENT, 1);
  a.data(true, SERVER12, 2);
  assert.deepEqual(ctx.weirdNames(), ['tls_client_hello_from_responder']);
  assert.equal(ctx.tls[0]!.subject, EXPECTED_12.subject);
});

test('probe: content signatures only', () => {
  assert.equal(probeTls(CLIENT, true), true);
  assert.equal(probeTls(CLIENT, false), true);
  assert.equal(probeTls(SERVER12, false), true);
  assert.equal(probeTls(SERVER12, true), false);
  assert.equal(probeTls(Buffer.from('GET / HTTP/1.1\r\n'), true), false);
  assert.equal(probeTls(CLIENT.subarray(0, 5), true), false);
  assert.equal(probeTls(records(APPDATA, new Uint8Array(10)), true), false);
  assert.equal(probeTls(Uint8Array.of(0x16, 0x03, 0x01, 0xff, 0xff, 0x01), true), false, 'record too long');
  assert.equal(probeTls(Uint8Array.of(0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15), true), true, 'SSLv2 hello');
  assert.equal(tlsAnalyzerFactory.service, 'ssl');
  assert.deepEqual(tlsAnalyzerFactory.transports, ['tcp']);
});

test('SSLv2-compatible ClientHello: weird, then the TLS server side is still read', () => {
  // CLIENT-HELLO: type 1, version 3.1, cipher specs 3 bytes, no session id, 16-byte challenge.
  const v2hello = cat(u16(0x8000 | 28), Uint8Array.of(1, 3, 1), u16(3), u16(0), u16(16), Uint8Array.of(0, 0, 0x35), new Uint8Array(16));
  const { ctx, a } = run([v2hello], [SERVER12], false);
  assert.equal(a.done, true);
  assert.deepEqual(ctx.weirdNames(), ['tls_sslv2_hello']);
  const r = ctx.tls[0]!;
  assert.deepEqual(r.client_versions, ['TLSv10']);
  assert.equal(r.ja3, undefined);
  assert.equal(r.subject, EXPECTED_12.subject);
  // An SSLv2 SERVER-HELLO carries the certificate, read whatever the segmentation.
  const v2server = cat(u16(0x8000 | (11 + LEAF.length + 3 + 16)), Uint8Array.of(4, 0, 1, 0, 2), u16(LEAF.length), u16(3), u16(16), LEAF, Uint8Array.of(1, 0, 0x80), new Uint8Array(16));
  const v2 = run(split(v2hello, [1, 5]), split(v2server, [1, 2, 3, 200]), false);
  assert.equal(v2.a.done, true);
  assert.deepEqual(v2.ctx.weirdNames(), ['tls_sslv2_hello']);
  assert.equal(v2.ctx.tls[0]!.version, 'SSLv2');
  assert.equal(v2.ctx.tls[0]!.established, true);
  assert.equal(v2.ctx.tls[0]!.cert_sha1, EXPECTED_12.cert_sha1);
  // Alone (no answer): emitted at end().
  const alone = run([v2hello], []);
  assert.deepEqual(alone.ctx.tls[0]!.client_versions, ['TLSv10']);
  assert.equal(alone.ctx.tls[0]!.established, false);
});

test('weirds: record too long, unexpected record type, bad record version', () => {
  const tooLong = run([cat(Uint8Array.of(22, 3, 1), u16(18433), new Uint8Array(10))], []);
  assert.deepEqual(tooLong.ctx.weirdNames(), ['tls_record_too_long']);
  assert.equal(tooLong.ctx.tls.length, 0);
  const badType = run([CLIENT], [cat(records(HANDSHAKE, hsMsg(2, SH12)), Uint8Array.of(99, 3, 3, 0, 1, 0))]);
  assert.deepEqual(badType.ctx.weirdNames(), ['tls_unexpected_record_type']);
  assert.equal(badType.ctx.tls[0]!.established, true, 'what was seen is still emitted');
  const badVersion = run([cat(CLIENT, Uint8Array.of(22, 9, 9, 0, 1, 0))], []);
  assert.deepEqual(badVersion.ctx.weirdNames(), ['tls_bad_record_version']);
});

test('weirds: truncated hello, bad extension lengths', () => {
  const t = run([records(HANDSHAKE, hsMsg(1, CH.subarray(0, 40)))], []);
  assert.deepEqual(t.ctx.weirdNames(), ['tls_handshake_truncated']);
  assert.equal(t.a.done, true);
  // The extension block claims more than is there: what is there is still read.
  const body = cat(clientHelloBody({ ciphers: [0x1301] }), u16(100), rawExt(0x0017));
  const b = run([records(HANDSHAKE, hsMsg(1, body))], []);
  assert.deepEqual(b.ctx.weirdNames(), ['tls_bad_extension_len']);
  assert.equal(b.ctx.tls[0]!.ja3_string, '771,4865,23,,');
  // An SNI extension whose inner list length is wrong.
  const exts = clientHelloBody({ ciphers: [0x1301], extensions: [rawExt(0x0000, 4)] });
  const s = run([records(HANDSHAKE, hsMsg(1, exts))], []);
  assert.deepEqual(s.ctx.weirdNames(), ['tls_bad_extension_len']);
  assert.equal(s.ctx.tls[0]!.server_name, undefined);
  assert.match(s.ctx.tls[0]!.ja4!, /^t12d0101/, 'the SNI extension still counts as present');
});

test('malformed certificate: tls_x509_malformed, the SHA-1 of its bytes is still logged', () => {
  const junk = Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x05);
  const { ctx } = run([CLIENT], [records(HANDSHAKE, cat(hsMsg(2, SH12), hsMsg(11, certificateBody([junk]))))]);
  assert.deepEqual(ctx.weirdNames(), ['tls_x509_malformed']);
  assert.equal(ctx.tls[0]!.cert_sha1, createHash('sha1').update(junk).digest('hex'));
  assert.equal(ctx.tls[0]!.subject, undefined);
});

test('a huge certificate chain: the leaf is read as soon as it is whole; buffering stays bounded', () => {
  // The Certificate message claims 1 MiB; only the leaf and some of the rest ever arrive.
  const claimed = 1 << 20;
  const head = cat(u8(11), u24(claimed), u24(claimed - 3), u24(LEAF.length), LEAF);
  const ctx1 = run([CLIENT], [cat(records(HANDSHAKE, hsMsg(2, SH12)), records(HANDSHAKE, cat(head, new Uint8Array(100)), 50))]).ctx;
  assert.deepEqual(ctx1.weirds, []);
  assert.equal(ctx1.tls[0]!.subject, EXPECTED_12.subject);
  // The same when the leaf itself is larger than the buffer: tls_buffer_limit, then done.
  const big = cat(u8(11), u24(claimed), u24(claimed - 3), u24(claimed - 6));
  const chunks = [records(HANDSHAKE, hsMsg(2, SH12)), records(HANDSHAKE, big)];
  for (let sent = 0; sent < TLS_MAX_BUFFER_BYTES + 20000; sent += 16000) chunks.push(records(HANDSHAKE, new Uint8Array(16000)));
  const { ctx, a } = run([CLIENT], chunks, false);
  assert.equal(a.done, true);
  assert.deepEqual(ctx.weirdNames(), ['tls_buffer_limit']);
  assert.equal(ctx.tls[0]!.established, true);
});

test('a gap in the server direction ends the analyzer with tls_content_gap', () => {
  const ctx = new FakeContext();
  const a = new TlsAnalyzer(ctx);
  a.data(true, CLIENT, 1);
  a.data(false, SERVER12.subarray(0, 30), 2);
  a.gap(false, 1000, 3);
  assert.equal(a.done, true);
  assert.deepEqual(ctx.weirdNames(), ['tls_content_gap']);
  assert.equal(ctx.tls.length, 1);
});

test('property: random bytes and random operations never throw and always end', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.boolean(), fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.constant(CLIENT), fc.constant(SERVER12)), fc.nat(3)), { maxLength: 12 }),
      (ops) => {
        const ctx = new FakeContext();
        const a = new TlsAnalyzer(ctx);
        for (const [isOrig, bytes, kind] of ops) {
          if (kind === 0) a.gap(isOrig, bytes.length, 1);
          else a.data(isOrig, bytes, 1);
        }
        a.end(2);
        assert.equal(a.done, true);
        assert.ok(ctx.tls.length <= 1);
      },
    ),
    { numRuns: RUNS },
  );
});

test('property: a valid handshake with mutated bytes never throws', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(CLIENT.length + SERVER12.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
      fc.array(fc.nat(), { maxLength: 6 }),
      (muts, cuts) => {
        const all = cat(CLIENT, SERVER12);
        for (const [i, v] of muts) all[i] = v;
        const { ctx, a } = run(split(all.subarray(0, CLIENT.length), cuts), split(all.subarray(CLIENT.length), cuts));
        assert.equal(a.done, true);
        for (const w of ctx.weirdNames()) assert.match(w, /^tls_[a-z0-9_]+$/);
      },
    ),
    { numRuns: RUNS },
  );
});

test('property: well-framed records holding random handshake messages never throw', () => {
  const msg = fc.tuple(fc.constantFrom(1, 2, 11, 14, 4, 0, 255), fc.uint8Array({ maxLength: 300 })).map(([t, b]) => hsMsg(t, b));
  fc.assert(
    fc.property(fc.array(msg, { maxLength: 4 }), fc.array(msg, { maxLength: 4 }), fc.integer({ min: 1, max: 400 }), (cm, sm, frag) => {
      const client = records(HANDSHAKE, cat(hsMsg(1, CH), ...cm), frag);
      const server = records(HANDSHAKE, cat(...sm), frag);
      const { ctx, a } = run([client], [server]);
      assert.equal(a.done, true);
      assert.equal(ctx.tls.length, 1);
      assert.equal(ctx.tls[0]!.server_name, 'www.example.com');
    }),
    { numRuns: RUNS },
  );
});
