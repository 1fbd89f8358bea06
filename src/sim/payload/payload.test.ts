import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../rng.js';
import { BytePool } from './bytes.js';
import { int, oid, intBytes, utcTime } from './asn1.js';
import { dnsQuery, dnsResponse, QTYPE, RCODE } from './dns.js';
import { clientHello, encrypted, serverFlight, type TlsClientKind } from './tls.js';
import { StratumSession, moneroWallet } from './stratum.js';
import { sshEncrypted, sshKexinit } from './ssh.js';
import { ntpReply, ntpRequest } from './ntp.js';
import { makeCert } from './x509.js';
import { smb2NegotiateReq, smb3Encrypted } from './smb.js';

const rng = new Rng(5);
const pool = new BytePool(new Rng(6));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const total = (c: Uint8Array[]): number => c.reduce((n, x) => n + x.length, 0);

test('DER encodings match X.690 examples', () => {
  assert.equal(hex(oid('1.2.840.113549')), '06062a864886f70d');
  assert.equal(hex(int(0)), '020100');
  assert.equal(hex(int(128)), '02020080');
  assert.equal(hex(int(65537)), '0203010001');
  assert.equal(hex(intBytes(Uint8Array.of(0, 0, 0x7f))), '02017f');
  assert.equal(Buffer.from(utcTime(Date.UTC(2026, 10, 2, 8, 5, 9) / 1000).subarray(2)).toString(), '261102080509Z');
});

test('a certificate is one well-formed DER SEQUENCE', () => {
  const der = makeCert({ subject: { cn: 'a.example' }, issuer: { cn: 'a.example' }, san: ['a.example'], notBefore: 1.7e9, notAfter: 1.8e9 }, rng);
  assert.equal(der[0], 0x30);
  assert.equal(der[1], 0x82);
  assert.equal((der[2] << 8) | der[3], der.length - 4);
});

/** Minimal DNS reader for the test: header counts and the names of the answers. */
function readDns(b: Uint8Array): { id: number; flags: number; qd: number; an: number; ns: number; qname: string } {
  const labels: string[] = [];
  let o = 12;
  while (b[o] !== 0) { labels.push(Buffer.from(b.subarray(o + 1, o + 1 + b[o])).toString()); o += 1 + b[o]; }
  return { id: (b[0] << 8) | b[1], flags: (b[2] << 8) | b[3], qd: (b[4] << 8) | b[5], an: (b[6] << 8) | b[7], ns: (b[8] << 8) | b[9], qname: labels.join('.') };
}

test('DNS query and answer with CNAME chain and compression', () => {
  const q = readDns(dnsQuery(0x1234, 'www.example.com', QTYPE.A));
  assert.deepEqual([q.id, q.flags, q.qd, q.an, q.qname], [0x1234, 0x0100, 1, 0, 'www.example.com']);
  const resp = dnsResponse(0x1234, 'www.example.com', QTYPE.A, RCODE.NOERROR, [
    { name: 'www.example.com', type: QTYPE.CNAME, ttl: 60, data: 'edge.example.net' },
    { name: 'edge.example.net', type: QTYPE.A, ttl: 60, data: '192.0.2.1' },
  ]);
  const r = readDns(resp);
  assert.deepEqual([r.flags, r.an], [0x8180, 2]);
  // The first answer's owner is a pointer to the question name.
  assert.equal(hex(resp.subarray(33, 35)), 'c00c');
  assert.ok(hex(resp).endsWith('c0000201'), 'A record data last');
  const nx = readDns(dnsResponse(1, 'nope.example.com', QTYPE.A, RCODE.NXDOMAIN, [], [{ name: 'com', type: QTYPE.SOA, ttl: 900,
    data: { mname: 'a.gtld-servers.net', rname: 'nstld.verisign-grs.com', serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5 } }]));
  assert.deepEqual([nx.flags & 0xf, nx.an, nx.ns], [3, 0, 1]);
});

/** Extension types of a ClientHello record. */
function extTypes(ch: Uint8Array): number[] {
  const b = Buffer.from(ch);
  let o = 5 + 4 + 2 + 32;
  o += 1 + b[o];
  o += 2 + b.readUInt16BE(o);
  o += 1 + b[o];
  const end = o + 2 + b.readUInt16BE(o);
  o += 2;
  const out: number[] = [];
  while (o < end) {
    out.push(b.readUInt16BE(o));
    o += 4 + b.readUInt16BE(o + 2);
  }
  assert.equal(o, end);
  return out;
}

test('ClientHellos carry the SNI and consistent record and handshake lengths', () => {
  for (const kind of ['chrome', 'firefox', 'schannel', 'openssl', 'legacy'] as TlsClientKind[]) {
    const ch = clientHello(kind, 'fget-career.com', rng, pool);
    assert.equal(ch[0], 0x16);
    assert.equal((ch[3] << 8) | ch[4], ch.length - 5, kind);
    assert.equal((ch[6] << 16) | (ch[7] << 8) | ch[8], ch.length - 9, kind);
    assert.ok(Buffer.from(ch).includes('fget-career.com'), kind);
  }
  assert.ok(extTypes(clientHello('schannel', 'x.example', rng, pool)).includes(0));
  assert.ok(!extTypes(clientHello('schannel', '', rng, pool)).includes(0), 'no server_name without a name');
  const chrome = clientHello('chrome', 'a.example', rng, pool);
  assert.ok(chrome.length - 5 >= 512, 'chrome pads to 512');
});

test('encrypted records are framed: 5-byte header + body, at most 16 KiB plaintext each', () => {
  const c = encrypted(rng, pool, 40000, true);
  let o = 0;
  let records = 0;
  const flat = Buffer.concat(c);
  while (o < flat.length) {
    assert.equal(flat[o], 0x17);
    const len = flat.readUInt16BE(o + 3);
    assert.ok(len <= 16384 + 17);
    o += 5 + len;
    records++;
  }
  assert.equal(o, flat.length);
  assert.equal(records, 3);
  const sf = Buffer.concat(serverFlight('legacy', { tls13: false, certs: [Uint8Array.of(0x30, 0)] }, rng, pool));
  assert.equal(sf[0], 0x16);
  assert.equal(sf[5], 2, 'ServerHello first');
});

test('Stratum messages are JSON lines with the XMRig fields', () => {
  const w = moneroWallet(rng);
  assert.equal(w.length, 95);
  const s = new StratumSession(rng, w, 'XMRig/6.21.0', 3_000_000);
  const login = JSON.parse(Buffer.from(s.login()).toString());
  assert.equal(login.method, 'login');
  assert.equal(login.params.login, w);
  assert.match(login.params.agent, /^XMRig\//);
  const res = JSON.parse(Buffer.from(s.loginResult()).toString());
  assert.equal(res.result.job.algo, 'rx/0');
  const job = JSON.parse(Buffer.from(s.jobNotify(true)).toString());
  assert.equal(job.method, 'job');
  const [sub, ok] = s.submit();
  assert.equal(JSON.parse(Buffer.from(sub).toString()).method, 'submit');
  assert.equal(JSON.parse(Buffer.from(ok).toString()).result.status, 'OK');
  assert.ok(Buffer.from(s.keepalive()[0]).toString().endsWith('\n'));
});

test('SSH packets are padded to the block size', () => {
  const k = sshKexinit(rng, pool, false);
  const len = Buffer.from(k).readUInt32BE(0);
  assert.equal((len + 4) % 8, 0);
  assert.equal(k.length, len + 4);
  const e = Buffer.concat(sshEncrypted(rng, pool, 100));
  assert.equal(e.readUInt32BE(0) % 16, 0);
  assert.equal(e.length, 4 + e.readUInt32BE(0) + 32);
});

test('NTP, SMB framing', () => {
  const req = ntpRequest(1.7e15, 10);
  assert.equal(req.length, 48);
  assert.equal(req[0], 0x23);
  const rep = ntpReply(1.7e15, 1.7e15 + 500, 3, '10.1.0.1', 10);
  assert.equal(hex(rep.subarray(24, 32)), hex(req.subarray(40, 48)), 'origin = client transmit');
  const neg = smb2NegotiateReq(rng, pool);
  assert.equal((neg[1] << 16) | (neg[2] << 8) | neg[3], neg.length - 4);
  assert.equal(hex(neg.subarray(4, 8)), 'fe534d42');
  const enc = Buffer.concat(smb3Encrypted(rng, pool, new Uint8Array(8), 1000));
  assert.equal(enc.readUIntBE(1, 3), enc.length - 4);
  assert.equal(enc.readUInt32LE(4 + 36), 1000);
  assert.equal(total(smb3Encrypted(rng, pool, new Uint8Array(8), 10)), 4 + 52 + 10);
});
