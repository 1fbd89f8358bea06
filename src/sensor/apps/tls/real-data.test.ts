/**
 * Real captures through the TLS analyzer, compared with independent tools: tshark (SNI, JA3,
 * JA3S, certificate bytes), node's X509Certificate, i.e. OpenSSL (certificate names, validity),
 * nDPI's published results (JA4), and optionally FoxIO's JA4 reference outputs.
 *
 * tshark lists every TCP segment (stream index, direction, sequence number, payload); a small
 * in-order reassembler here feeds the analyzer the way the flow layer will. Skips cleanly when
 * the shared data or tshark is absent.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { TlsRecord } from '../../../records/schema.js';
import { TlsAnalyzer, probeTls } from './analyzer.js';
import { cipherName, knownCipherNames } from './names.js';
import { FakeContext } from './test-builder.js';
import { DATA_DIR } from '../../../testing/data.js';

const DATA = DATA_DIR;
const NDPI = path.join(DATA, 'parsers/ndpi-tests');
const HAVE_TSHARK = spawnSync('tshark', ['-v'], { stdio: 'ignore' }).status === 0;
const HAVE_MERGECAP = spawnSync('mergecap', ['-v'], { stdio: 'ignore' }).status === 0;
const SKIP = !existsSync(DATA) ? `shared data absent (${DATA})` : !HAVE_TSHARK ? 'tshark absent' : false;

/**
 * Captures with TLS handshakes (ndpi-tests, Malcolm's SSL sample, a C2 sample). Malcolm's
 * SSL.pcap also holds copies of a few ndpi-tests flows and all of zeek-traces/ssl.v3.pcap
 * (SSLv2 hellos, an SSLv2 server); in the merged run tshark sees each such flow once.
 */
const CAPTURES = [
  'parsers/ndpi-tests/pcap/443-chrome.pcap',
  'parsers/ndpi-tests/pcap/443-firefox.pcap',
  'parsers/ndpi-tests/pcap/google_ssl.pcap',
  'parsers/ndpi-tests/pcap/anydesk.pcapng',
  'parsers/ndpi-tests/pcap/dns_dot.pcap',
  'parsers/ndpi-tests/pcap/dns_doh.pcap',
  'parsers/ndpi-tests/pcap/doh.pcapng',
  'parsers/ndpi-tests/pcap/emotet.pcap',
  'parsers/ndpi-tests/pcap/malware.pcap',
  'parsers/ndpi-tests/pcap/ookla.pcap',
  'parsers/ndpi-tests/pcap/tls_malicious_sha1.pcapng',
  'parsers/ndpi-tests/pcap/tor.pcap',
  'parsers/ndpi-tests/pcap/dns2tcp_tunnel.pcap',
  'parsers/malcolm-protocols/SSL.pcap',
  'parsers/suricata-verify-sample/bug-5713-01/TLSv1-Extracted-MaliciousC2.pcap',
];

/** What tshark says about one TCP stream. */
interface Expect {
  sni?: string;
  ja3Full?: string;
  ja3?: string;
  ja3sFull?: string;
  ja3s?: string;
  leafHex?: string;
}

/** One stream: endpoints, our record, weirds, tshark's view. */
interface StreamResult {
  stream: number;
  orig: string;
  resp: string;
  rec?: TlsRecord;
  /** The probe accepted a first payload (false e.g. for TLS inside a SOCKS tunnel). */
  attached: boolean;
  weirds: string[];
  expect: Expect;
}

const FIELDS = [
  'tcp.stream',
  'ip.src',
  'ipv6.src',
  'tcp.srcport',
  'ip.dst',
  'ipv6.dst',
  'tcp.dstport',
  'tcp.flags.syn',
  'tcp.flags.ack',
  'tcp.seq',
  'tcp.len',
  'tcp.payload',
  'frame.time_epoch',
  'tls.handshake.extensions_server_name',
  'tls.handshake.ja3_full',
  'tls.handshake.ja3',
  'tls.handshake.ja3s_full',
  'tls.handshake.ja3s',
  'tls.handshake.certificate',
  'tls.handshake.random',
];

/** The random of a HelloRetryRequest (RFC 8446 4.1.3), as tshark prints it. */
const HRR_RANDOM = 'cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c';

interface Dir {
  next: number | undefined;
  pending: { seq: number; data: Uint8Array; ts: number }[];
  first: boolean;
}

/** Runs a capture through tshark and the analyzer; one result per TCP stream with payload. */
function analyzeCapture(file: string): StreamResult[] {
  const args = ['-r', file, '-n', '-o', 'tcp.reassemble_out_of_order:TRUE', '-Y', 'tcp', '-T', 'fields', '-E', 'occurrence=f', ...FIELDS.flatMap((f) => ['-e', f])];
  const out = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(out.status, 0, out.stderr);
  const streams = new Map<number, { res: StreamResult; ctx: FakeContext; a?: TlsAnalyzer; rejected: boolean; dirs: [Dir, Dir] }>();
  const newDir = (): Dir => ({ next: undefined, pending: [], first: true });

  const deliver = (s: NonNullable<ReturnType<typeof streams.get>>, isOrig: boolean, data: Uint8Array, ts: number): void => {
    const d = s.dirs[isOrig ? 0 : 1];
    if (d.first) {
      d.first = false;
      if (s.a === undefined && !s.rejected) {
        if (probeTls(data, isOrig)) s.a = new TlsAnalyzer(s.ctx);
        else if (!s.dirs[isOrig ? 1 : 0].first) s.rejected = true; // both first payloads said no
      }
    }
    if (s.a !== undefined && !s.a.done) s.a.data(isOrig, data, ts);
  };
  const drain = (s: NonNullable<ReturnType<typeof streams.get>>, isOrig: boolean): void => {
    const d = s.dirs[isOrig ? 0 : 1];
    for (let progress = true; progress; ) {
      progress = false;
      for (let i = 0; i < d.pending.length; i++) {
        const p = d.pending[i]!;
        if (p.seq > d.next!) continue;
        d.pending.splice(i, 1);
        const end = p.seq + p.data.length;
        if (end > d.next!) {
          deliver(s, isOrig, p.data.subarray(d.next! - p.seq), p.ts);
          d.next = end;
        }
        progress = true;
        break;
      }
    }
  };

  for (const line of out.stdout.split('\n')) {
    if (line.length === 0) continue;
    const f = line.split('\t');
    const get = (name: string): string => f[FIELDS.indexOf(name)] ?? '';
    const id = Number(get('tcp.stream'));
    const src = `${get('ip.src') || get('ipv6.src')}:${get('tcp.srcport')}`;
    const dst = `${get('ip.dst') || get('ipv6.dst')}:${get('tcp.dstport')}`;
    const syn = get('tcp.flags.syn') === '1' || get('tcp.flags.syn') === 'True';
    const ack = get('tcp.flags.ack') === '1' || get('tcp.flags.ack') === 'True';
    let s = streams.get(id);
    if (s === undefined) {
      const synAck = syn && ack;
      const res: StreamResult = { stream: id, orig: synAck ? dst : src, resp: synAck ? src : dst, attached: false, weirds: [], expect: {} };
      s = { res, ctx: new FakeContext(), rejected: false, dirs: [newDir(), newDir()] };
      streams.set(id, s);
    }
    const isOrig = src === s.res.orig;
    const d = s.dirs[isOrig ? 0 : 1];
    const seq = Number(get('tcp.seq'));
    if (syn) d.next = seq + 1;
    const e = s.res.expect;
    const sni = get('tls.handshake.extensions_server_name');
    if (sni && e.sni === undefined) e.sni = sni;
    if (get('tls.handshake.ja3') && e.ja3 === undefined) {
      e.ja3 = get('tls.handshake.ja3');
      e.ja3Full = get('tls.handshake.ja3_full');
    }
    if (get('tls.handshake.ja3s') && get('tls.handshake.random').replace(/:/g, '') !== HRR_RANDOM) {
      e.ja3s = get('tls.handshake.ja3s'); // not a HelloRetryRequest's
      e.ja3sFull = get('tls.handshake.ja3s_full');
    }
    const cert = get('tls.handshake.certificate');
    if (cert && e.leafHex === undefined && !isOrig) e.leafHex = cert.replace(/:/g, '');
    const payload = get('tcp.payload');
    if (!payload) continue;
    const data = Uint8Array.from(Buffer.from(payload.replace(/:/g, ''), 'hex'));
    const ts = Number(get('frame.time_epoch'));
    if (d.next === undefined) d.next = seq;
    if (seq + data.length <= d.next) continue; // retransmission
    if (seq > d.next) {
      d.pending.push({ seq, data, ts });
      continue;
    }
    deliver(s, isOrig, data.subarray(d.next - seq), ts);
    d.next = seq + data.length;
    drain(s, isOrig);
  }
  const results: StreamResult[] = [];
  for (const s of streams.values()) {
    for (const isOrig of [true, false]) {
      const d = s.dirs[isOrig ? 0 : 1];
      // Holes never filled: report them as gaps and deliver what follows.
      while (d.pending.length > 0 && s.a !== undefined && !s.a.done) {
        d.pending.sort((x, y) => x.seq - y.seq);
        const p = d.pending[0]!;
        if (p.seq > d.next!) {
          s.a.gap(isOrig, p.seq - d.next!, p.ts);
          d.next = p.seq;
        }
        drain(s, isOrig);
      }
    }
    s.a?.end(0);
    s.res.attached = s.a !== undefined;
    s.res.rec = s.ctx.tls[0];
    s.res.weirds = s.ctx.weirdNames();
    assert.ok(s.ctx.tls.length <= 1);
    results.push(s.res);
  }
  return results;
}

/**
 * Several captures in one tshark run (tshark's start-up dominates): concatenated with mergecap
 * when it is there (stream numbers then count across files), else one by one.
 */
function analyzeCaptures(files: string[]): StreamResult[] {
  if (files.length > 1 && HAVE_MERGECAP) {
    const dir = mkdtempSync(path.join(tmpdir(), 'c2hunt-tls-'));
    try {
      const merged = path.join(dir, 'all.pcapng');
      const m = spawnSync('mergecap', ['-a', '-w', merged, ...files], { encoding: 'utf8' });
      assert.equal(m.status, 0, m.stderr);
      return analyzeCapture(merged);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return files.flatMap(analyzeCapture);
}

/**
 * Node's X509Certificate prints a name one RDN per line, forward order, RFC 2253 escaping,
 * multi-valued RDNs joined by " + ". Reversed, that is the OpenSSL RFC 2253 form we emit.
 */
function nodeNameToRfc4514(multiline: string): string {
  return multiline
    .split('\n')
    .reverse()
    .map((rdn) => rdn.split(' + ').reverse().join('+'))
    .join(',');
}

/** JA4 per flow from nDPI's published result file: key `a:p-b:p` (both orders). */
function ndpiJa4(capture: string): Map<string, string> {
  const file = path.join(NDPI, 'result', `${path.basename(capture)}.out`);
  const m = new Map<string, string>();
  if (!existsSync(file)) return m;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const flow = /TCP (\S+) <-> (\S+) /.exec(line);
    const ja4 = /\[JA4: ([^\]]+)\]/.exec(line);
    if (flow && ja4) {
      m.set(`${flow[1]}-${flow[2]}`, ja4[1]!);
      m.set(`${flow[2]}-${flow[1]}`, ja4[1]!);
    }
  }
  return m;
}

test('real captures: SNI, JA3, JA3S, certificates and JA4 agree with tshark, OpenSSL and nDPI', { skip: SKIP }, () => {
  const tally = { streams: 0, tunnelled: 0, records: 0, sni: 0, ja3: 0, ja3s: 0, certs: 0, ja4: 0, ja4NdpiHostNotSni: 0, ja4NdpiAlpnFirstTwo: 0 };
  const certs: { der: Buffer; rec: TlsRecord; where: string }[] = [];
  const weirds = new Map<string, number>();
  const files = CAPTURES.map((rel) => path.join(DATA, rel)).filter((f) => existsSync(f));
  const ndpi = new Map<string, string>();
  for (const f of files) for (const [k, v] of ndpiJa4(f)) ndpi.set(k, v);
  {
    for (const r of analyzeCaptures(files)) {
      tally.streams++;
      const where = `stream ${r.stream} ${r.orig} -> ${r.resp}`;
      for (const w of r.weirds) weirds.set(w, (weirds.get(w) ?? 0) + 1);
      const e = r.expect;
      if (r.rec) tally.records++;
      if (!r.attached) {
        // Not TLS from the first byte (a SOCKS or HTTP CONNECT preamble): not ours to parse.
        if (e.ja3 !== undefined) tally.tunnelled++;
        continue;
      }
      if (e.ja3 !== undefined) {
        assert.ok(r.rec, `${where}: tshark saw a ClientHello, we emitted nothing (${r.weirds})`);
        assert.equal(r.rec.ja3_string, e.ja3Full, where);
        assert.equal(r.rec.ja3, e.ja3, where);
        assert.equal(r.rec.server_name, e.sni, where);
        tally.ja3++;
        if (e.sni !== undefined) tally.sni++;
      }
      if (e.ja3s !== undefined) {
        assert.ok(r.rec, `${where}: tshark saw a ServerHello, we emitted nothing (${r.weirds})`);
        assert.equal(r.rec.ja3s_string, e.ja3sFull, where);
        assert.equal(r.rec.ja3s, e.ja3s, where);
        tally.ja3s++;
      }
      if (e.leafHex !== undefined && r.rec !== undefined) {
        const der = Buffer.from(e.leafHex, 'hex');
        assert.equal(r.rec.cert_sha1, createHash('sha1').update(der).digest('hex'), where);
        certs.push({ der, rec: r.rec, where });
      }
      let want = ndpi.get(`${r.orig}-${r.resp}`);
      if (want !== undefined && r.rec?.ja4 !== undefined) {
        // nDPI sets JA4's 'd' from any host name it knows for the flow (e.g. from DNS), not
        // only from the SNI extension as the JA4 spec says: compare the rest in that case.
        const hasSni = r.rec.ja3_string!.split(',')[2]!.split('-').includes('0');
        if (!hasSni && want[3] === 'd') {
          want = `${want.slice(0, 3)}i${want.slice(4)}`;
          tally.ja4NdpiHostNotSni++;
        }
        // nDPI prints the first two characters of a long first ALPN value ("anydesk/6.2.0/linux"
        // gives "an"); the spec takes the first and the last ("ax").
        const alpn0 = r.rec.alpn?.[0] ?? '';
        if (alpn0.length > 2 && want.slice(8, 10) === alpn0.slice(0, 2) && r.rec.ja4.slice(8, 10) === alpn0[0]! + alpn0.at(-1)!) {
          want = `${want.slice(0, 8)}${r.rec.ja4.slice(8, 10)}${want.slice(10)}`;
          tally.ja4NdpiAlpnFirstTwo++;
        }
        assert.equal(r.rec.ja4, want, `${where} JA4 vs nDPI`);
        tally.ja4++;
      }
    }
  }
  {
    for (const c of certs) {
      const x = new X509Certificate(c.der);
      assert.equal(c.rec.subject, nodeNameToRfc4514(x.subject), `${c.where} subject`);
      assert.equal(c.rec.issuer, nodeNameToRfc4514(x.issuer), `${c.where} issuer`);
      assert.equal(c.rec.not_valid_before, Date.parse(x.validFrom) / 1000, `${c.where} notBefore`);
      assert.equal(c.rec.not_valid_after, Date.parse(x.validTo) / 1000, `${c.where} notAfter`);
      assert.equal(c.rec.self_signed, x.subject === x.issuer, `${c.where} self_signed`);
      tally.certs++;
    }
  }
  console.log(`tls real data: ${JSON.stringify(tally)} weirds ${JSON.stringify(Object.fromEntries(weirds))}`);
  assert.ok(tally.ja3 >= 200 && tally.ja3s >= 150 && tally.certs >= 100 && tally.ja4 >= 15, JSON.stringify(tally));
});

test('cipher names agree with tshark', { skip: HAVE_TSHARK ? false : 'tshark absent' }, () => {
  const out = spawnSync('tshark', ['-G', 'values'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const theirs = new Map<number, string>();
  for (const m of out.stdout.matchAll(/^V\ttls\.handshake\.ciphersuite\t(\d+)\t(\S+)$/gm)) theirs.set(Number(m[1]), m[2]!);
  assert.ok(theirs.size > 300);
  for (const [code, mine] of knownCipherNames()) assert.equal(mine, theirs.get(code), `0x${code.toString(16)}`);
  assert.equal(cipherName(0x0a0a), '0x0a0a');
});

// Optional: FoxIO's JA4 reference outputs. Point C2HUNT_JA4_REF at a checkout of
// github.com/FoxIO-LLC/ja4 (its pcap/ and python/test/testdata/ folders).
const JA4_REF = process.env.C2HUNT_JA4_REF;
test('JA4 matches FoxIO reference outputs', { skip: !JA4_REF ? 'C2HUNT_JA4_REF not set' : !HAVE_TSHARK ? 'tshark absent' : false }, () => {
  const dir = JA4_REF!;
  let compared = 0;
  let alpn99 = 0;
  for (const name of readdirSync(path.join(dir, 'pcap'))) {
    const expectFile = path.join(dir, 'python/test/testdata', `${name}.json`);
    if (!existsSync(expectFile)) continue;
    const expected = JSON.parse(readFileSync(expectFile, 'utf8')) as { stream: number; 'JA4.1'?: string; JA4?: string }[];
    const want = new Map<number, string>();
    for (const e of expected) {
      const v = e['JA4.1'] ?? e.JA4;
      if (v?.startsWith('t')) want.set(Number(e.stream), v);
    }
    if (want.size === 0) continue;
    for (const r of analyzeCapture(path.join(dir, 'pcap', name))) {
      let w = want.get(r.stream);
      if (w === undefined || r.rec?.ja4 === undefined) continue;
      // FoxIO's Python and Rust code print "99" for a non-ASCII ALPN; the spec (since August
      // 2024, as Wireshark does) prints the first and last hex digit of the value.
      if (w.slice(8, 10) === '99' && r.rec.ja4.slice(8, 10) !== '99' && /[^0-9A-Za-z]/.test(r.rec.alpn?.[0] ?? '')) {
        w = `${w.slice(0, 8)}${r.rec.ja4.slice(8, 10)}${w.slice(10)}`;
        alpn99++;
      }
      assert.equal(r.rec.ja4, w, `${name} stream ${r.stream}`);
      compared++;
    }
  }
  console.log(`ja4 reference: ${compared} handshakes compared (${alpn99} with the non-ASCII ALPN difference)`);
  assert.ok(compared > 0);
});
