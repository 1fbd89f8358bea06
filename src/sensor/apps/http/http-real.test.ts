/**
 * HTTP against real captures: what the analyzer yields from tshark-reassembled payloads must
 * match tshark's own HTTP dissection (method, Host, URI per connection, in order; status codes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { httpAnalyzer } from './http.js';
import { dataDir, firstPayload, runStream, skipUnlessData, tcpStreams, tsharkFields } from './pcap-fixtures.js';

const D = dataDir();
const CASES: { file: string; decodeAs?: string; minRequests: number }[] = [
  { file: 'parsers/chrissanders-packets/http_google.pcapng', minRequests: 1 },
  { file: 'parsers/chrissanders-packets/http_espn.pcapng', minRequests: 50 },
  { file: 'parsers/chrissanders-packets/cryptowall4_c2.pcapng', minRequests: 3 },
  { file: 'parsers/chrissanders-packets/ek_to_cryptowall4.pcapng', minRequests: 10 },
  { file: 'beacon/caldera/testing/Traces/sandcat.pcap', decodeAs: 'tcp.port==8888,http', minRequests: 58 },
];

for (const c of CASES) {
  const file = path.join(D, c.file);
  test(`http real data: ${c.file} matches tshark`, { skip: skipUnlessData(file) }, () => {
    // tshark's view: requests and response codes per TCP stream, in order.
    const extra = c.decodeAs ? ['-d', c.decodeAs] : [];
    const rows = tsharkFields(
      file,
      ['tcp.stream', 'http.request.method', 'http.host', 'http.request.uri', 'http.response.code'],
      'http.request || http.response',
      extra,
    );
    const wantReq = new Map<number, string[]>();
    const wantCodes = new Map<number, string[]>();
    for (const [st, m, h, u, code] of rows) {
      const k = Number(st);
      if (m) (wantReq.get(k) ?? wantReq.set(k, []).get(k)!).push(`${m} ${h || '-'} ${u}`);
      if (code) (wantCodes.get(k) ?? wantCodes.set(k, []).get(k)!).push(code);
    }

    // Ours: every connection the analyzer claims by content.
    const gotReq = new Map<number, string[]>();
    const gotCodes = new Map<number, string[]>();
    let requests = 0;
    for (const s of tcpStreams(file)) {
      const o = firstPayload(s, true);
      const r = firstPayload(s, false);
      if (!(o && httpAnalyzer.probe(o, true, s.id, 'tcp')) && !(r && httpAnalyzer.probe(r, false, s.id, 'tcp'))) continue;
      const ctx = runStream(httpAnalyzer, s);
      assert.deepEqual(ctx.weirdNames(), [], `stream ${s.stream}`);
      for (const rec of ctx.of('http')) {
        if (rec.method !== undefined) {
          (gotReq.get(s.stream) ?? gotReq.set(s.stream, []).get(s.stream)!).push(`${rec.method} ${rec.host ?? '-'} ${rec.uri}`);
          requests++;
        }
        if (rec.status_code !== undefined) (gotCodes.get(s.stream) ?? gotCodes.set(s.stream, []).get(s.stream)!).push(String(rec.status_code));
      }
    }
    assert.ok(requests >= c.minRequests, `${requests} requests`);
    assert.deepEqual([...gotReq.entries()].sort((a, b) => a[0] - b[0]), [...wantReq.entries()].sort((a, b) => a[0] - b[0]));
    // tshark leaves out responses it could not finish (a body cut by the capture's end); every
    // response it shows must be ours, in the same order.
    for (const [k, codes] of wantCodes) assert.deepEqual((gotCodes.get(k) ?? []).slice(0, codes.length), codes, `stream ${k}`);
  });
}
