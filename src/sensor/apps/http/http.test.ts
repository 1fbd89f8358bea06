import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { httpAnalyzer, HTTP_MAX_HEADER_BYTES } from './http.js';
import { collectingContext, TEST_ID, type CollectingContext } from './pcap-fixtures.js';
import type { HttpRecord } from '../../../records/schema.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);
const te = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

/** Feed whole streams: every orig piece, then every resp piece, then end. */
function run(orig: (string | Uint8Array)[], resp: (string | Uint8Array)[] = []): CollectingContext {
  const ctx = collectingContext();
  const a = httpAnalyzer.create(ctx);
  for (const p of orig) a.data(true, typeof p === 'string' ? te(p) : p, 1);
  for (const p of resp) a.data(false, typeof p === 'string' ? te(p) : p, 2);
  a.end(3);
  return ctx;
}

/** The fields that matter, for compact comparisons. */
function brief(r: HttpRecord): string {
  return [r.trans_depth, r.method ?? '-', r.host ?? '-', r.uri ?? '-', r.status_code ?? '-', r.request_body_len, r.response_body_len].join(' ');
}

test('probe: request methods from the originator, HTTP/1. from the responder', () => {
  const p = (s: string, o: boolean) => httpAnalyzer.probe(te(s), o, TEST_ID, 'tcp');
  assert.equal(p('GET / HTTP/1.1\r\n', true), true);
  assert.equal(p('PROPFIND /x HTTP/1.1\r\n', true), true);
  assert.equal(p('CONNECT a:443 HTTP/1.1\r\n', true), true);
  assert.equal(p('HTTP/1.1 200 OK\r\n', false), true);
  assert.equal(p('GETX / HTTP/1.1', true), false);
  assert.equal(p('GE', true), false);
  assert.equal(p('get / HTTP/1.1', true), false);
  assert.equal(p('HTTP/2.0 200', false), false);
  assert.equal(p('HTTP/1.1 200 OK', true), false);
  assert.equal(p('\x16\x03\x01\x02\x00', true), false);
  assert.equal(p('', true), false);
});

const REQ1 =
  'GET /index.html?q=1 HTTP/1.1\r\nHost: example.com:8080\r\nUser-Agent: curl/8.0\r\nReferer: http://r.example/\r\n\r\n';
const RESP1 = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello';

test('a simple GET and its response', () => {
  const ctx = run([REQ1], [RESP1]);
  assert.deepEqual(ctx.weirdNames(), []);
  assert.deepEqual(ctx.of('http'), [
    {
      ts: 1,
      uid: 'Ctest',
      ...TEST_ID,
      trans_depth: 1,
      method: 'GET',
      host: 'example.com:8080',
      uri: '/index.html?q=1',
      referrer: 'http://r.example/',
      version: '1.1',
      user_agent: 'curl/8.0',
      request_body_len: 0,
      response_body_len: 5,
      status_code: 200,
      status_msg: 'OK',
    },
  ]);
});

test('the record is emitted when the response ends, not before', () => {
  const ctx = collectingContext();
  const a = httpAnalyzer.create(ctx);
  a.data(true, te(REQ1), 1);
  assert.equal(ctx.of('http').length, 0);
  a.data(false, te(RESP1.slice(0, -2)), 2);
  assert.equal(ctx.of('http').length, 0);
  a.data(false, te(RESP1.slice(-2)), 2);
  assert.equal(ctx.of('http').length, 1);
  a.end(3);
  assert.equal(ctx.of('http').length, 1);
});

test('pipelined requests pair with responses in order', () => {
  const ctx = run(
    [
      'GET /a HTTP/1.1\r\nHost: h\r\n\r\n',
      'POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nxyz',
      'HEAD /c HTTP/1.1\r\nHost: h\r\n\r\n',
    ],
    [
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
      'HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\n',
    ],
  );
  assert.deepEqual(ctx.of('http').map(brief), ['1 GET h /a 200 0 2', '2 POST h /b 201 3 0', '3 HEAD h /c 200 0 0']);
  assert.deepEqual(ctx.weirdNames(), []);
});

test('chunked bodies: sizes, extensions, trailers; counted as entity bytes', () => {
  const ctx = run(
    ['POST /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n', 'GET /n HTTP/1.1\r\n\r\n'],
    [
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1a;name=v\r\nabcdefghijklmnopqrstuvwxyz\r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n',
      'HTTP/1.1 404 Not Found\r\nContent-Length: 1\r\n\r\nx',
    ],
  );
  assert.deepEqual(ctx.of('http').map(brief), ['1 POST h /up 200 3 36', '2 GET - /n 404 0 1']);
  assert.deepEqual(ctx.weirdNames(), []);
});

test('HEAD, 1xx, 204 and 304 responses have no body', () => {
  const ctx = run(
    ['HEAD / HTTP/1.1\r\n\r\n', 'GET /a HTTP/1.1\r\n\r\n', 'GET /b HTTP/1.1\r\n\r\n', 'GET /c HTTP/1.1\r\n\r\n'],
    [
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n',
      'HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n',
      'HTTP/1.1 204 No Content\r\n\r\n',
      'HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz',
    ],
  );
  assert.deepEqual(ctx.of('http').map(brief), ['1 HEAD - / 200 0 0', '2 GET - /a 304 0 0', '3 GET - /b 204 0 0', '4 GET - /c 200 0 1']);
});

test('100-continue: the interim response does not take the request', () => {
  const ctx = collectingContext();
  const a = httpAnalyzer.create(ctx);
  a.data(true, te('PUT /f HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n'), 1);
  a.data(false, te('HTTP/1.1 100 Continue\r\n\r\n'), 2);
  a.data(true, te('data'), 3);
  a.data(false, te('HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n'), 4);
  assert.deepEqual(ctx.of('http').map(brief), ['1 PUT h /f 201 4 0']);
  assert.equal(ctx.of('http')[0]!.status_msg, 'Created');
});

test('a body delimited by the connection close is counted until end()', () => {
  const ctx = collectingContext();
  const a = httpAnalyzer.create(ctx);
  a.data(true, te('GET / HTTP/1.0\r\n\r\n'), 1);
  a.data(false, te('HTTP/1.0 200 OK\r\nServer: x\r\n\r\n'), 2);
  a.data(false, new Uint8Array(1000), 2);
  a.data(false, te('HTTP/1.1 200 OK\r\n\r\n'), 2); // just more body
  assert.equal(ctx.of('http').length, 0);
  a.end(3);
  assert.deepEqual(ctx.of('http').map(brief), ['1 GET - / 200 0 1019']);
  assert.equal(ctx.of('http')[0]!.version, '1.0');
});

test('CONNECT: a 2xx opens a tunnel and the analyzer is done', () => {
  const ctx = collectingContext();
  const a = httpAnalyzer.create(ctx);
  a.data(true, te('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n\x16\x03\x01'), 1);
  a.data(false, te('HTTP/1.1 200 Connection established\r\n\r\n'), 2);
  assert.equal(a.done, true);
  assert.deepEqual(ctx.of('http').map(brief), ['1 CONNECT example.com:443 example.com:443 200 0 0']);
  assert.deepEqual(ctx.weirdNames(), []);
});

test('CONNECT refused: parsing goes on', () => {
  const ctx = collectingContext();
  const a = httpAnalyzer.create(ctx);
  a.data(true, te('CONNECT a:443 HTTP/1.1\r\n\r\n'), 1);
  a.data(false, te('HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 3\r\n\r\nno!'), 2);
  a.data(true, te('GET http://a/x HTTP/1.1\r\n\r\n'), 3);
  a.data(false, te('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'), 4);
  assert.equal(a.done, false);
  assert.deepEqual(ctx.of('http').map(brief), ['1 CONNECT - a:443 407 0 3', '2 GET - http://a/x 200 0 0']);
});

test('101 Switching Protocols ends the analysis after the record', () => {
  const ctx = collectingContext();
  const a = httpAnalyzer.create(ctx);
  a.data(true, te('GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'), 1);
  a.data(false, te('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello'), 2);
  assert.equal(a.done, true);
  assert.deepEqual(ctx.of('http').map(brief), ['1 GET h /ws 101 0 0']);
});

test('requests never answered are emitted at end()', () => {
  const ctx = run(['GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n'], ['HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n']);
  assert.deepEqual(ctx.of('http').map(brief), ['1 GET - /a 200 0 0', '2 GET - /b - 0 0']);
});

test('a gap inside a body is counted and parsing continues', () => {
  const ctx = collectingContext();
  const a = httpAnalyzer.create(ctx);
  a.data(true, te('GET /big HTTP/1.1\r\n\r\nGET /next HTTP/1.1\r\n\r\n'), 1);
  a.data(false, te('HTTP/1.1 200 OK\r\nContent-Length: 10000\r\n\r\n0123'), 2);
  a.gap(false, 9000, 2);
  a.data(false, new Uint8Array(996), 2);
  a.data(false, te('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx'), 2);
  assert.deepEqual(ctx.of('http').map(brief), ['1 GET - /big 200 0 10000', '2 GET - /next 200 0 1']);
  assert.deepEqual(ctx.weirdNames(), []);
});

test('a gap in headers is a weird; the side resynchronises on the next request line', () => {
  const ctx = collectingContext();
  const a = httpAnalyzer.create(ctx);
  a.data(true, te('GET /lost HTTP/1.1\r\nHost: h'), 1);
  a.gap(true, 100, 1);
  a.data(true, te('der: junk\r\nMore: junk\r\n\r\nGET /found HTTP/1.1\r\nHost: h2\r\n\r\n'), 1);
  a.data(false, te('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'), 2);
  a.end(3);
  assert.deepEqual(ctx.weirdNames(), ['http_gap']);
  assert.deepEqual(ctx.of('http').map(brief), ['1 GET h2 /found 200 0 0']);
});

test('a gap running past a body resynchronises on the next response', () => {
  const ctx = collectingContext();
  const a = httpAnalyzer.create(ctx);
  a.data(true, te('GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\nGET /3 HTTP/1.1\r\n\r\n'), 1);
  a.data(false, te('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234'), 2);
  a.gap(false, 50, 2); // the rest of body 1 and part of response 2
  a.data(false, te('\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'), 2);
  a.end(3);
  assert.deepEqual(ctx.weirdNames(), ['http_gap']);
  // Response 2 was lost in the gap, so 404 pairs with request 2 (the next unanswered): as Zeek.
  assert.deepEqual(ctx.of('http').map(brief), ['1 GET - /1 200 0 10', '2 GET - /2 404 0 0', '3 GET - /3 - 0 0']);
});

test('an over-long header block is a weird and the analyzer stops', () => {
  const ctx = collectingContext();
  const a = httpAnalyzer.create(ctx);
  a.data(true, te('GET / HTTP/1.1\r\n'), 1);
  const line = te('X-Pad: ' + 'a'.repeat(1000) + '\r\n');
  for (let i = 0; i < HTTP_MAX_HEADER_BYTES / line.length + 2 && !a.done; i++) a.data(true, line, 1);
  assert.equal(a.done, true);
  assert.deepEqual(ctx.weirdNames(), ['http_header_too_long']);
});

test('non-HTTP bytes on a claimed connection are a weird, then resync', () => {
  const ctx = run(['\x16\x03\x01\x00\x05hello\nGET /ok HTTP/1.1\r\n\r\n'], ['HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n']);
  assert.deepEqual(ctx.weirdNames(), ['http_bad_request_line']);
  assert.deepEqual(ctx.of('http').map(brief), ['1 GET - /ok 200 0 0']);
});

test('malformed framing values become weirds', () => {
  const ctx = run(
    ['GET / HTTP/1.1\r\nContent-Length: 12x\r\n\r\nGET /2 HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
    ['HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
  );
  assert.deepEqual(ctx.weirdNames(), ['http_bad_content_length', 'http_te_and_cl', 'http_bad_chunk_size']);
  assert.deepEqual(ctx.of('http').map(brief), ['1 GET - / 200 0 0', '2 GET - /2 200 0 0']);
});

test('a JSON-RPC miner call over HTTP also yields a mining record', () => {
  const body = '{"id":1,"jsonrpc":"2.0","method":"eth_submitWork","params":["0x1"]}';
  const ctx = run(
    [`POST / HTTP/1.1\r\nHost: pool\r\nContent-Length: ${body.length}\r\n\r\n${body}`, 'POST /x HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}'],
    ['HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'],
  );
  assert.deepEqual(
    ctx.of('mining').map((m) => [m.protocol, m.method, m.is_orig]),
    [['eth', 'eth_submitWork', true]],
  );
  assert.equal(ctx.of('http').length, 2);
});

// ---- properties ----------------------------------------------------------------------------

/** A corpus covering every framing: lengths, chunked, HEAD, 304, 1xx, close-delimited. */
const CORPUS: [string, string][] = [
  [REQ1, RESP1],
  ['POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 7\r\n\r\n{"a":1}', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nabcd\r\n0\r\nT: 1\r\n\r\n'],
  ['HEAD /h HTTP/1.1\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n'],
  ['\r\nGET /c HTTP/1.1\r\nIf-None-Match: "x"\r\n\r\n', 'HTTP/1.1 304 Not Modified\r\n\r\n'],
  ['PUT /u HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n', 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n'],
  ['GET /last HTTP/1.0\r\nUser-Agent: x\r\n\r\n', 'HTTP/1.0 200 OK\r\n\r\nclose-delimited body\r\nHTTP/1.1 200 OK\r\n'],
];
const ORIG = te(CORPUS.map((c) => c[0]).join(''));
const RESP = te(CORPUS.map((c) => c[1]).join(''));

/** Feed `buf` cut at the given offsets. */
function feedSplit(a: ReturnType<typeof httpAnalyzer.create>, isOrig: boolean, buf: Uint8Array, cuts: number[]): void {
  const pts = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((x, y) => x - y);
  let prev = 0;
  for (const c of [...pts, buf.length]) {
    if (c > prev) a.data(isOrig, buf.subarray(prev, c), 1);
    prev = c;
  }
}

test('corpus: expected records', () => {
  const ctx = collectingContext();
  const a = httpAnalyzer.create(ctx);
  a.data(true, ORIG, 1);
  a.data(false, RESP, 1);
  a.end(1);
  assert.deepEqual(ctx.weirdNames(), []);
  assert.deepEqual(ctx.of('http').map(brief), [
    '1 GET example.com:8080 /index.html?q=1 200 0 5',
    '2 POST a /p 200 7 4',
    '3 HEAD - /h 200 0 0',
    '4 GET - /c 304 0 0',
    '5 PUT - /u 204 2 0',
    '6 GET - /last 200 0 39',
  ]);
});

test('property: any split of the streams gives identical records', () => {
  const whole = collectingContext();
  const w = httpAnalyzer.create(whole);
  w.data(true, ORIG, 1);
  w.data(false, RESP, 1);
  w.end(1);
  const cutsArb = fc.array(fc.nat(), { maxLength: 40 });
  fc.assert(
    fc.property(cutsArb, cutsArb, (oc, rc) => {
      const ctx = collectingContext();
      const a = httpAnalyzer.create(ctx);
      feedSplit(a, true, ORIG, oc);
      feedSplit(a, false, RESP, rc);
      a.end(1);
      assert.deepEqual(ctx.out, whole.out);
    }),
    { numRuns: RUNS },
  );
});

test('property: every single cut point, and byte-at-a-time, give identical records', () => {
  const whole = collectingContext();
  const w = httpAnalyzer.create(whole);
  w.data(true, ORIG, 1);
  w.data(false, RESP, 1);
  w.end(1);
  for (let i = 0; i <= Math.max(ORIG.length, RESP.length); i++) {
    const ctx = collectingContext();
    const a = httpAnalyzer.create(ctx);
    feedSplit(a, true, ORIG, [i]);
    feedSplit(a, false, RESP, [i]);
    a.end(1);
    assert.deepEqual(ctx.out, whole.out, `cut at ${i}`);
  }
  const ctx = collectingContext();
  const a = httpAnalyzer.create(ctx);
  feedSplit(a, true, ORIG, Array.from({ length: ORIG.length }, (_, i) => i));
  feedSplit(a, false, RESP, Array.from({ length: RESP.length }, (_, i) => i));
  a.end(1);
  assert.deepEqual(ctx.out, whole.out);
});

test('property: request/response interleaving per transaction gives the same records', () => {
  const whole = collectingContext();
  const w = httpAnalyzer.create(whole);
  w.data(true, ORIG, 1);
  w.data(false, RESP, 1);
  w.end(1);
  fc.assert(
    fc.property(fc.array(fc.nat(), { maxLength: 20 }), (cuts) => {
      const ctx = collectingContext();
      const a = httpAnalyzer.create(ctx);
      for (const [q, r] of CORPUS) {
        feedSplit(a, true, te(q), cuts);
        feedSplit(a, false, te(r), cuts);
      }
      a.end(1);
      assert.deepEqual(ctx.out, whole.out);
    }),
    { numRuns: RUNS },
  );
});

/** Drive an analyzer with arbitrary operations; it must never throw and must stay bounded. */
const opArb = fc.oneof(
  fc.record({ k: fc.constant('d' as const), o: fc.boolean(), b: fc.uint8Array({ maxLength: 300 }) }),
  fc.record({ k: fc.constant('g' as const), o: fc.boolean(), n: fc.integer({ min: 1, max: 100000 }) }),
);

test('fuzz: random bytes and gaps never throw', () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 30 }), (ops) => {
      const ctx = collectingContext();
      const a = httpAnalyzer.create(ctx);
      for (const op of ops) {
        if (op.k === 'd') a.data(op.o, op.b, 1);
        else a.gap(op.o, op.n, 1);
      }
      a.end(2);
      for (const r of ctx.of('http')) assert.ok(r.request_body_len >= 0 && r.response_body_len >= 0);
    }),
    { numRuns: RUNS },
  );
});

test('fuzz: mutated valid streams never throw and records stay ordered', () => {
  const mut = fc.array(fc.record({ at: fc.nat(), v: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 8 });
  fc.assert(
    fc.property(mut, mut, fc.array(fc.nat(), { maxLength: 10 }), (mo, mr, cuts) => {
      const o = ORIG.slice();
      const r = RESP.slice();
      for (const m of mo) o[m.at % o.length] = m.v;
      for (const m of mr) r[m.at % r.length] = m.v;
      const ctx = collectingContext();
      const a = httpAnalyzer.create(ctx);
      feedSplit(a, true, o, cuts);
      feedSplit(a, false, r, cuts);
      a.end(1);
      const depths = ctx.of('http').map((x) => x.trans_depth);
      assert.deepEqual(depths, [...depths].sort((x, y) => x - y));
      assert.equal(new Set(depths).size, depths.length);
    }),
    { numRuns: RUNS },
  );
});

test('fuzz: structured HTTP-like garbage never throws', () => {
  const piece = fc.constantFrom(
    'GET ', 'HTTP/1.1 ', '200 ', '\r\n', '\n', 'Content-Length: ', 'Transfer-Encoding: chunked', '0', '5', 'ffffffffffffffffff',
    ';', ' ', 'HEAD ', 'CONNECT ', '101 ', '100 ', 'abc', 'Host: x', ':', '\r\n\r\n',
  );
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), fc.array(piece, { maxLength: 12 })), { maxLength: 30 }), (msgs) => {
      const ctx = collectingContext();
      const a = httpAnalyzer.create(ctx);
      for (const [o, parts] of msgs) a.data(o, te(parts.join('')), 1);
      a.end(2);
    }),
    { numRuns: RUNS },
  );
});
