/**
 * HTTP CONNECT tunnels: after a 2xx the tunnel's payload is identified by content (the HTTP
 * analyzer hands the connection over, `AppContext.handOver`), so TLS inside a proxy connection
 * gets its tls record on the same uid and the conn's service reads `http,ssl`.
 * Analyzer-level tests use the collecting context; the rest run whole connections through the
 * Sensor with the default analyzers, from frames built byte by byte.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { HTTP_MAX_TUNNEL_EARLY_BYTES, httpAnalyzer } from './http.js';
import { collectingContext } from './pcap-fixtures.js';
import { CLIENT_HELLO, SERVER_HELLO, connection, decode, PPORT, type Seg } from './tunnel-fixtures.js';
import { cat } from '../tls/test-builder.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);
const te = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

const CONNECT_REQ = te('CONNECT www.example.com:443 HTTP/1.1\r\nHost: www.example.com:443\r\nUser-Agent: curl/8.5.0\r\n\r\n');
const OK_200 = te('HTTP/1.1 200 Connection established\r\n\r\n');

// ---- analyzer level -------------------------------------------------------------------------

test('analyzer: a 2xx hands over, passing on early client bytes and the rest of the response segment', () => {
  const ctx = collectingContext();
  const a = httpAnalyzer.create(ctx);
  a.data(true, cat(CONNECT_REQ, te('early')), 1);
  a.data(true, te('-more'), 2);
  assert.equal(ctx.tunnel, null);
  a.data(false, cat(OK_200, te('server-bytes')), 3);
  assert.equal(a.done, true);
  assert.deepEqual(ctx.of('http').map((h) => `${h.method} ${h.uri} ${h.status_code}`), ['CONNECT www.example.com:443 200']);
  assert.deepEqual(ctx.tunnel!.map((c) => `${c.isOrig ? 'o' : 'r'} ${Buffer.from(c.bytes).toString('latin1')} ${c.gap}`),
    ['o early-more 0', 'r server-bytes 0']);
  assert.deepEqual(ctx.weirdNames(), []);
});

test('analyzer: a 2xx with nothing after it hands over with nothing passed on', () => {
  const ctx = collectingContext();
  const a = httpAnalyzer.create(ctx);
  a.data(true, CONNECT_REQ, 1);
  a.data(false, te('HTTP/1.0 200 OK\r\nProxy-Agent: x\r\n\r\n'), 2);
  assert.deepEqual(ctx.tunnel, []);
});

test('analyzer: early client bytes are bounded; the excess and gaps are passed on as a gap', () => {
  const ctx = collectingContext();
  const a = httpAnalyzer.create(ctx);
  a.data(true, CONNECT_REQ, 1);
  a.data(true, new Uint8Array(HTTP_MAX_TUNNEL_EARLY_BYTES - 100).fill(7), 2);
  a.data(true, new Uint8Array(300).fill(8), 3);
  a.gap(true, 50, 4);
  a.data(true, new Uint8Array(10), 5);
  a.data(false, OK_200, 6);
  assert.deepEqual(ctx.weirdNames(), ['http_tunnel_early_data_too_long']);
  const t = ctx.tunnel!;
  assert.deepEqual(t.map((c) => [c.isOrig, c.bytes.length, c.gap]), [[true, HTTP_MAX_TUNNEL_EARLY_BYTES, 0], [true, 0, 200 + 50 + 10]]);
  assert.equal(t[0]!.bytes[HTTP_MAX_TUNNEL_EARLY_BYTES - 101], 7);
  assert.equal(t[0]!.bytes[HTTP_MAX_TUNNEL_EARLY_BYTES - 1], 8);
});

test('analyzer: refused CONNECT, 101 and a 2xx to another method do not hand over', () => {
  for (const [req, resp] of [
    [CONNECT_REQ, te('HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n')],
    [te('GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n'), te('HTTP/1.1 101 Switching Protocols\r\n\r\n')],
    [te('GET / HTTP/1.1\r\n\r\n'), te('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')],
  ] as const) {
    const ctx = collectingContext();
    const a = httpAnalyzer.create(ctx);
    a.data(true, cat(req, CLIENT_HELLO), 1);
    a.data(false, resp, 2);
    assert.equal(ctx.tunnel, null);
  }
});

test('analyzer: after a refused CONNECT the held bytes are dropped, a retried CONNECT hands over only its own', () => {
  const ctx = collectingContext();
  const a = httpAnalyzer.create(ctx);
  a.data(true, cat(CONNECT_REQ, te('stale')), 1);
  a.data(false, te('HTTP/1.1 407 No\r\nContent-Length: 0\r\n\r\n'), 2);
  a.data(true, cat(CONNECT_REQ, te('fresh')), 3);
  a.data(false, OK_200, 4);
  assert.deepEqual(ctx.of('http').map((h) => `${h.trans_depth} ${h.status_code}`), ['1 407', '2 200']);
  assert.deepEqual(ctx.tunnel!.map((c) => Buffer.from(c.bytes).toString('latin1')), ['fresh']);
});

// ---- through the sensor ---------------------------------------------------------------------

test('sensor: CONNECT, 200, then a TLS handshake in the tunnel gives a tls record on the same uid; service http,ssl', () => {
  const { r, stats } = decode(connection([[true, CONNECT_REQ], [false, OK_200], [true, CLIENT_HELLO], [false, SERVER_HELLO]]));
  assert.equal(r.conn.length, 1);
  const c = r.conn[0]!;
  assert.equal(c.service, 'http,ssl');
  assert.equal(r.http.length, 1);
  assert.equal(r.http[0]!.method, 'CONNECT');
  assert.equal(r.http[0]!.uid, c.uid);
  assert.equal(r.tls.length, 1);
  const t = r.tls[0]!;
  assert.equal(t.uid, c.uid);
  assert.equal(t.server_name, 'www.example.com');
  assert.equal(t.resp_p, PPORT);
  assert.equal(t.established, true);
  assert.equal(t.subject, 'CN=www.example.com');
  assert.match(t.ja3 ?? '', /^[0-9a-f]{32}$/);
  assert.deepEqual(Object.keys(stats.weirds), []);
});

test('sensor: a ClientHello sent before the 200 (and the server hello in the 200\'s segment) is still analysed', () => {
  const { r } = decode(connection([[true, cat(CONNECT_REQ, CLIENT_HELLO)], [false, cat(OK_200, SERVER_HELLO)]]));
  assert.equal(r.conn[0]!.service, 'http,ssl');
  assert.equal(r.tls.length, 1);
  assert.equal(r.tls[0]!.server_name, 'www.example.com');
  assert.equal(r.tls[0]!.cipher, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
});

test('sensor: a tunnel\'s first bytes in a short piece wait for the next piece before they are judged', () => {
  const { r } = decode(connection([[true, cat(CONNECT_REQ, CLIENT_HELLO.subarray(0, 3))], [false, OK_200], [true, CLIENT_HELLO.subarray(3)]]));
  assert.equal(r.conn[0]!.service, 'http,ssl');
  assert.equal(r.tls[0]?.server_name, 'www.example.com');
});

test('sensor: a tunnel of non-TLS bytes gives no other record and no weird; service stays http', () => {
  const junk = te('\x00\x01\x02 not a protocol anyone claims \xff\xfe');
  const { r, stats } = decode(connection([[true, CONNECT_REQ], [false, OK_200], [true, junk], [false, junk], [true, CLIENT_HELLO]]));
  assert.equal(r.conn.length, 1);
  assert.equal(r.conn[0]!.service, 'http');
  assert.equal(r.http.length, 1);
  assert.equal(r.tls.length, 0, 'a ClientHello after unclaimed first bytes is mid-stream, not a new protocol');
  assert.deepEqual(Object.keys(stats.weirds), []);
  assert.equal(r.conn[0]!.orig_bytes, CONNECT_REQ.length + junk.length + CLIENT_HELLO.length);
});

test('sensor: plain HTTP through a tunnel is parsed too and the service is not repeated', () => {
  const { r } = decode(connection([[true, te('CONNECT h:80 HTTP/1.1\r\n\r\n')], [false, OK_200],
    [true, te('GET /x HTTP/1.1\r\nHost: h\r\n\r\n')], [false, te('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi')]]));
  assert.equal(r.conn[0]!.service, 'http');
  assert.deepEqual(r.http.map((h) => `${h.method} ${h.uri} ${h.status_code} ${h.response_body_len}`), ['CONNECT h:80 200 0', 'GET /x 200 2']);
  assert.ok(r.http.every((h) => h.uid === r.conn[0]!.uid));
});

test('sensor: a refused CONNECT keeps parsing HTTP and does not look for TLS', () => {
  const { r } = decode(connection([[true, cat(CONNECT_REQ, CLIENT_HELLO)], [false, te('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n')],
    [true, te('GET http://a/ HTTP/1.1\r\n\r\n')], [false, te('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n')]]));
  assert.equal(r.conn[0]!.service, 'http');
  assert.equal(r.tls.length, 0);
  assert.deepEqual(r.http.map((h) => `${h.method} ${h.status_code}`), ['CONNECT 403', 'GET 200']);
});

/** Cut `b` at the given offsets into non-empty pieces. */
function cut(b: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const pts = [...new Set(cuts.map((c) => c % (b.length + 1)))].sort((x, y) => x - y);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...pts, b.length]) {
    if (p > prev) out.push(b.subarray(prev, p));
    prev = p;
  }
  return out;
}

/**
 * Interleave client and proxy pieces as a real exchange could: the proxy answers only after the
 * whole CONNECT request, and sends its TLS bytes only after the whole ClientHello.
 * `picks` chooses the side whenever both may send.
 */
function interleave(client: Uint8Array[], proxy: Uint8Array[], reqLen: number, respLen: number, picks: readonly boolean[]): Seg[] {
  const segs: Seg[] = [];
  let ci = 0, pi = 0, cSent = 0, pSent = 0, k = 0;
  const total = client.reduce((n, b) => n + b.length, 0);
  while (ci < client.length || pi < proxy.length) {
    const proxyMay = pi < proxy.length && cSent >= reqLen && (pSent + proxy[pi]!.length <= respLen || cSent === total);
    const clientMay = ci < client.length;
    const useClient = clientMay && (!proxyMay || (picks[k++ % Math.max(1, picks.length)] ?? true));
    if (useClient) { segs.push([true, client[ci]!]); cSent += client[ci++]!.length; }
    else if (proxyMay) { segs.push([false, proxy[pi]!]); pSent += proxy[pi++]!.length; }
    else break; // unreachable: the client can always finish first
  }
  return segs;
}

test('property: any segmentation and causal interleaving gives one tls record with the SNI and service http,ssl', () => {
  const client = cat(CONNECT_REQ, CLIENT_HELLO);
  const proxy = cat(OK_200, SERVER_HELLO);
  fc.assert(fc.property(
    // The client's first segment holds at least `CONNECT ` (the flow layer identifies a
    // connection by its first segment of a direction).
    fc.array(fc.integer({ min: 8, max: client.length }), { maxLength: 12 }), fc.array(fc.nat(proxy.length), { maxLength: 12 }),
    fc.array(fc.boolean(), { maxLength: 30 }),
    (cc, pc, picks) => {
      const segs = interleave(cut(client, cc), cut(proxy, pc), CONNECT_REQ.length, OK_200.length, picks);
      const { r, stats } = decode(connection(segs));
      assert.equal(r.conn.length, 1);
      assert.equal(r.conn[0]!.service, 'http,ssl');
      assert.equal(r.http.length, 1);
      assert.equal(r.tls.length, 1);
      assert.equal(r.tls[0]!.server_name, 'www.example.com');
      assert.equal(r.tls[0]!.established, true);
      assert.deepEqual(Object.keys(stats.weirds), []);
    },
  ), { numRuns: RUNS });
});

test('property: random tunnel bytes never throw, never make an analyzer fail, and every record matches the service', () => {
  const mutate = fc.tuple(fc.nat(CLIENT_HELLO.length - 1), fc.integer({ min: 0, max: 255 }));
  fc.assert(fc.property(
    fc.array(fc.tuple(fc.boolean(), fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 200 }),
      fc.constant(CLIENT_HELLO),
      fc.array(mutate, { maxLength: 4 }).map((ms) => { const b = CLIENT_HELLO.slice(); for (const [i, v] of ms) b[i] = v; return b; }),
      fc.constant(te('GET / HTTP/1.1\r\n\r\n')),
      fc.constant(te('SSH-2.0-x\r\n')),
    )), { maxLength: 8 }),
    fc.boolean(),
    (tunnel, early) => {
      const segs: Seg[] = early && tunnel.length > 0 && tunnel[0]![0]
        ? [[true, cat(CONNECT_REQ, tunnel[0]![1])], [false, OK_200], ...tunnel.slice(1)]
        : [[true, CONNECT_REQ], [false, OK_200], ...tunnel];
      const { r, stats } = decode(connection(segs));
      assert.equal(r.conn.length, 1);
      const services = r.conn[0]!.service.split(',');
      assert.equal(services[0], 'http');
      assert.equal(new Set(services).size, services.length, 'no service twice');
      if (r.tls.length > 0) assert.ok(services.includes('ssl'));
      assert.ok(services.every((x) => ['http', 'ssl', 'ssh'].includes(x)));
      assert.ok(r.tls.length <= 1);
      assert.equal(stats.weirds['analyzer_exception'], undefined);
      assert.equal(stats.weirds['analyzer_probe_exception'], undefined);
      assert.ok(r.http[0]!.method === 'CONNECT' && r.http[0]!.status_code === 200);
    },
  ), { numRuns: RUNS });
});
