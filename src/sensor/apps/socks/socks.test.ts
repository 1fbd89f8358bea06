/**
 * SOCKS 4/4a/5: the probe, the handshake steps, and the hand-over of the tunnel (TLS inside a
 * SOCKS connection gets its tls record; the conn's service reads `socks,ssl`). Whole connections
 * run through the Sensor from frames built byte by byte; one test reads the SOCKS5 connection of
 * the shared SSL.pcap when present.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { probeSocks, SOCKS_MAX_BUFFER } from './socks.js';
import { CLIENT_HELLO, SERVER_HELLO, connection, decode, type Seg } from '../http/tunnel-fixtures.js';
import { cat } from '../tls/test-builder.js';
import { MemorySink } from '../../../records/writers.js';
import { decodeCapture } from '../../decode-file.js';
import { dataPath, skipUnless } from '../../../testing/data.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);
const b = (...v: number[]): Uint8Array => Uint8Array.from(v);
const te = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

/** SOCKS5 messages (RFC 1928, RFC 1929). */
const GREET_NOAUTH = b(5, 1, 0);
const GREET_USERPASS = b(5, 2, 0, 2);
const CHOOSE = (m: number): Uint8Array => b(5, m);
const AUTH = cat(b(1, 4), te('user'), b(6), te('secret'));
const AUTH_OK = b(1, 0);
const REQ_DOMAIN = cat(b(5, 1, 0, 3, 15), te('www.example.com'), b(1, 187));
const REQ_V6 = cat(b(5, 1, 0, 4), new Uint8Array(16).fill(1), b(1, 187));
const REPLY = (rep: number): Uint8Array => b(5, rep, 0, 1, 10, 0, 0, 1, 0x04, 0x38);
/** SOCKS4 and 4a CONNECT to port 443. */
const REQ4 = cat(b(4, 1, 1, 187, 93, 184, 216, 34), te('bob'), b(0));
const REQ4A = cat(b(4, 1, 1, 187, 0, 0, 0, 1), te('bob'), b(0), te('www.example.com'), b(0));
const GRANT4 = b(0, 90, 0, 0, 0, 0, 0, 0);
const REJECT4 = b(0, 91, 0, 0, 0, 0, 0, 0);

test('probe: whole SOCKS greetings and requests from the client only', () => {
  const yes = [GREET_NOAUTH, GREET_USERPASS, cat(GREET_NOAUTH, REQ_DOMAIN), cat(GREET_USERPASS, AUTH), b(5, 1, 0x80), REQ4, REQ4A, cat(REQ4, CLIENT_HELLO)];
  for (const ok of yes) {
    assert.equal(probeSocks(ok, true), true, Buffer.from(ok).toString('hex'));
  }
  for (const no of [
    b(5, 0), b(5, 0, 0), b(5, 2, 0), b(5, 1, 7), b(5, 1, 0xff), cat(GREET_NOAUTH, b(2)), b(4, 3, 0, 80, 1, 2, 3, 4, 0),
    b(4, 1, 0, 80, 1, 2, 3, 4), cat(b(4, 1, 0, 80, 1, 2, 3, 4), new Uint8Array(300).fill(65), b(0)),
    cat(b(4, 1, 0, 80, 0, 0, 0, 1), te('u'), b(0), te('host-without-nul')), b(6, 1, 0), CLIENT_HELLO, te('GET / HTTP/1.1\r\n'),
  ]) {
    assert.equal(probeSocks(no, true), false, Buffer.from(no).toString('hex'));
  }
  assert.equal(probeSocks(GREET_NOAUTH, false), false);
});

test('SOCKS5 without authentication, a domain name: TLS in the tunnel gets its tls record; service socks,ssl', () => {
  const { r, stats } = decode(connection([[true, GREET_NOAUTH], [false, CHOOSE(0)], [true, REQ_DOMAIN], [false, REPLY(0)],
    [true, CLIENT_HELLO], [false, SERVER_HELLO]], 1080));
  assert.equal(r.conn.length, 1);
  assert.equal(r.conn[0]!.service, 'socks,ssl');
  assert.equal(r.tls.length, 1);
  assert.equal(r.tls[0]!.uid, r.conn[0]!.uid);
  assert.equal(r.tls[0]!.server_name, 'www.example.com');
  assert.equal(r.tls[0]!.established, true);
  assert.deepEqual(Object.keys(stats.weirds), []);
});

test('SOCKS5 with username/password and an IPv6 address; SOCKS4 and 4a: all hand the tunnel over', () => {
  const cases: Seg[][] = [
    [[true, GREET_USERPASS], [false, CHOOSE(2)], [true, AUTH], [false, AUTH_OK], [true, REQ_V6], [false, REPLY(0)], [true, CLIENT_HELLO]],
    [[true, REQ4], [false, GRANT4], [true, CLIENT_HELLO]],
    [[true, REQ4A], [false, GRANT4], [true, CLIENT_HELLO]],
    // An optimistic client: greeting, request and ClientHello before any reply.
    [[true, cat(GREET_NOAUTH, REQ_DOMAIN, CLIENT_HELLO)], [false, cat(CHOOSE(0), REPLY(0))]],
    // A BIND: the tunnel opens after the second reply.
    [[true, cat(b(5, 1, 0), b(5, 2, 0, 1, 0, 0, 0, 0, 0, 0))], [false, cat(CHOOSE(0), REPLY(0))], [false, REPLY(0)], [true, CLIENT_HELLO]],
  ];
  for (const segs of cases) {
    const { r, stats } = decode(connection(segs, 1080));
    assert.equal(r.conn[0]!.service, 'socks,ssl');
    assert.equal(r.tls[0]?.server_name, 'www.example.com');
    assert.deepEqual(Object.keys(stats.weirds), []);
  }
});

test('refusals and unfollowable methods end the analyzer quietly; the tunnel bytes give no record', () => {
  const cases: Seg[][] = [
    [[true, GREET_NOAUTH], [false, CHOOSE(0)], [true, REQ_DOMAIN], [false, REPLY(5)], [true, CLIENT_HELLO]],
    [[true, GREET_NOAUTH], [false, CHOOSE(0xff)], [true, CLIENT_HELLO]],
    [[true, b(5, 1, 1)], [false, CHOOSE(1)], [true, CLIENT_HELLO]],
    [[true, GREET_USERPASS], [false, CHOOSE(2)], [true, AUTH], [false, b(1, 1)], [true, CLIENT_HELLO]],
    [[true, REQ4], [false, REJECT4], [true, CLIENT_HELLO]],
    // UDP ASSOCIATE: the datagrams travel elsewhere.
    [[true, GREET_NOAUTH], [false, CHOOSE(0)], [true, b(5, 3, 0, 1, 0, 0, 0, 0, 0, 0)], [false, REPLY(0)], [true, CLIENT_HELLO]],
  ];
  for (const segs of cases) {
    const { r, stats } = decode(connection(segs, 1080));
    assert.equal(r.conn[0]!.service, 'socks');
    assert.equal(r.tls.length, 0);
    assert.deepEqual(Object.keys(stats.weirds), []);
  }
});

test('malformed replies and requests are weirds; an endless handshake hits the buffer limit', () => {
  const bad = decode(connection([[true, GREET_NOAUTH], [false, b(4, 0)], [true, REQ_DOMAIN]], 1080));
  assert.deepEqual(Object.keys(bad.stats.weirds), ['socks_bad_message']);
  assert.equal(bad.r.weird[0]!.addl, 'method choice');
  const badReq = decode(connection([[true, GREET_NOAUTH], [false, CHOOSE(0)], [true, b(5, 1, 0, 9, 0, 0)]], 1080));
  assert.deepEqual(Object.keys(badReq.stats.weirds), ['socks_bad_message']);
  const flood = decode(connection([[true, GREET_NOAUTH], ...Array.from({ length: 20 }, (): Seg => [true, new Uint8Array(1000)])], 1080));
  assert.deepEqual(Object.keys(flood.stats.weirds), ['socks_buffer_limit']);
  assert.ok(20 * 1000 > SOCKS_MAX_BUFFER);
});

test('property: any segmentation of the SOCKS5 exchange gives the tls record', () => {
  const client = cat(GREET_USERPASS, AUTH, REQ_DOMAIN, CLIENT_HELLO);
  const proxy = cat(CHOOSE(2), AUTH_OK, REPLY(0), SERVER_HELLO);
  fc.assert(fc.property(
    // The client's first segment holds the whole greeting (the probe's unit).
    fc.array(fc.integer({ min: GREET_USERPASS.length, max: client.length }), { maxLength: 10 }),
    fc.array(fc.nat(proxy.length), { maxLength: 10 }),
    (cc, pc) => {
      const pieces = (x: Uint8Array, cuts: number[]): Uint8Array[] => {
        const pts = [...new Set([...cuts, x.length])].sort((p, q) => p - q);
        let prev = 0;
        return pts.flatMap((p) => (p > prev ? [x.subarray(prev, (prev = p))] : []));
      };
      // Clients send everything first (optimistic), then the proxy answers: any order per side is in order.
      const segs: Seg[] = [...pieces(client, cc).map((x): Seg => [true, x]), ...pieces(proxy, pc).map((x): Seg => [false, x])];
      const { r, stats } = decode(connection(segs, 1080));
      assert.equal(r.conn[0]!.service, 'socks,ssl');
      assert.equal(r.tls[0]?.server_name, 'www.example.com');
      assert.deepEqual(Object.keys(stats.weirds), []);
    },
  ), { numRuns: RUNS });
});

test('property: random proxy and client bytes after a greeting never throw or fail an analyzer', () => {
  fc.assert(fc.property(
    fc.array(fc.tuple(fc.boolean(), fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.constant(REPLY(0)), fc.constant(CHOOSE(0)),
      fc.constant(REQ_DOMAIN), fc.constant(CLIENT_HELLO))), { maxLength: 10 }),
    fc.constantFrom(GREET_NOAUTH, GREET_USERPASS, REQ4, REQ4A),
    (rest, first) => {
      const { r, stats } = decode(connection([[true, first], ...rest], 1080));
      assert.equal(r.conn.length, 1);
      assert.ok(r.conn[0]!.service.startsWith('socks'));
      assert.equal(stats.weirds['analyzer_exception'], undefined);
      assert.ok(r.tls.length <= 1);
    },
  ), { numRuns: RUNS });
});

const SSL_PCAP = dataPath('parsers', 'malcolm-protocols', 'SSL.pcap');
test('shared data: the SOCKS5 connection of SSL.pcap carries TLS to www.google.com', { skip: skipUnless(SSL_PCAP) }, async () => {
  const sink = new MemorySink();
  await decodeCapture(SSL_PCAP!, sink, { interimInterval: 0 });
  const conn = sink.records.conn.find((c) => c.resp_p === 1080 && c.orig_p === 59580);
  assert.ok(conn);
  assert.equal(conn.service, 'socks,ssl');
  const tls = sink.records.tls.filter((t) => t.uid === conn.uid);
  assert.deepEqual(tls.map((t) => [t.server_name, t.subject?.startsWith('CN=www.google.com')]), [['www.google.com', true]]);
});
