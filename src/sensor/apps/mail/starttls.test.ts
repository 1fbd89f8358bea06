/**
 * IMAP/SMTP/POP3/FTP STARTTLS: whole synthetic connections through the Sensor (default
 * analyzers) upgrade to TLS on the same uid (service `imap,ssl` ...), refused or absent upgrades
 * do not hand over, probes claim only their own greetings/commands, random lines never throw,
 * and the shared capture's IMAP STARTTLS connection yields its SNI.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { CLIENT_HELLO, SERVER_HELLO, connection, decode, type Seg } from '../http/tunnel-fixtures.js';
import { collectingContext } from '../http/pcap-fixtures.js';
import { dataPath, skipUnless } from '../../../testing/data.js';
import { MemorySink } from '../../../records/writers.js';
import { decodeCapture } from '../../decode-file.js';
import {
  ftpAnalyzer, imapAnalyzer, MAIL_MAX_LINE, pop3Analyzer, probeFtp, probeImap, probePop3, probeSmtp, smtpAnalyzer,
} from './index.js';
import type { AppAnalyzerFactory } from '../types.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);
const te = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
const C = (s: string): Seg => [true, te(s)];
const S = (s: string): Seg => [false, te(s)];
const ID = { orig_h: '10.0.0.5', orig_p: 51000, resp_h: '10.0.0.1', resp_p: 12345 };

/** Per protocol: port, a session up to the accepted upgrade, the same refused, and a plain one. */
const CASES = {
  imap: {
    port: 143,
    upgrade: [S('* OK [CAPABILITY IMAP4rev1 STARTTLS] Dovecot ready.\r\n'), C('a1 CAPABILITY\r\n'),
      S('* CAPABILITY IMAP4rev1 LITERAL+ STARTTLS LOGINDISABLED\r\na1 OK Pre-login capabilities listed.\r\n'),
      C('a2 STARTTLS\r\n'), S('a2 OK Begin TLS negotiation now.\r\n')],
    refused: [S('* OK IMAP ready\r\n'), C('a2 STARTTLS\r\n'), S('a2 NO not now\r\n')],
    plain: [S('* OK IMAP ready\r\n'), C('a1 LOGIN bob secret\r\n'), S('a1 OK done\r\n'), C('a2 LOGOUT\r\n'), S('* BYE\r\na2 OK\r\n')],
  },
  smtp: {
    port: 25,
    upgrade: [S('220 mx.example.com ESMTP Postfix\r\n'), C('EHLO client.example.com\r\n'),
      S('250-mx.example.com\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n'), C('STARTTLS\r\n'), S('220 2.0.0 Ready to start TLS\r\n')],
    refused: [S('220 mx ESMTP\r\n'), C('EHLO c\r\n'), S('250 mx\r\n'), C('STARTTLS\r\n'), S('454 4.7.0 TLS not available\r\n')],
    plain: [S('220 mx ESMTP\r\n'), C('EHLO c\r\n'), S('250 mx\r\n'), C('MAIL FROM:<a@b>\r\n'), S('250 ok\r\n')],
  },
  pop3: {
    port: 110,
    upgrade: [S('+OK Dovecot ready.\r\n'), C('CAPA\r\n'), S('+OK\r\nSTLS\r\n+OK fake\r\nUSER\r\n.\r\n'), C('STLS\r\n'), S('+OK Begin TLS negotiation\r\n')],
    refused: [S('+OK POP3 ready\r\n'), C('STLS\r\n'), S('-ERR no TLS\r\n')],
    plain: [S('+OK POP3 ready\r\n'), C('USER bob\r\n'), S('+OK\r\n'), C('PASS x\r\n'), S('+OK\r\n')],
  },
  ftp: {
    port: 21,
    upgrade: [S('220-Welcome\r\n220-to the FTP\r\n220 server\r\n'), C('FEAT\r\n'), S('211-Features:\r\n AUTH TLS\r\n211 End\r\n'),
      C('AUTH TLS\r\n'), S('234 Proceed with negotiation.\r\n')],
    refused: [S('220 (vsFTPd 3.0.3)\r\n'), C('AUTH SSL\r\n'), S('530 Please login with USER and PASS.\r\n')],
    plain: [S('220 (vsFTPd 3.0.3)\r\n'), C('USER anonymous\r\n'), S('331 Please specify the password.\r\n'), C('PASS x\r\n'), S('230 ok\r\n')],
  },
} as const;

for (const [svc, c] of Object.entries(CASES)) {
  test(`${svc}: an accepted upgrade hands over: tls record with the SNI on the conn's uid, service ${svc},ssl`, () => {
    const { r, stats } = decode(connection([...c.upgrade, [true, CLIENT_HELLO], [false, SERVER_HELLO]], c.port));
    assert.equal(r.conn.length, 1);
    assert.equal(r.conn[0]!.service, `${svc},ssl`);
    assert.equal(r.tls.length, 1);
    assert.equal(r.tls[0]!.uid, r.conn[0]!.uid);
    assert.equal(r.tls[0]!.server_name, 'www.example.com');
    assert.equal(r.tls[0]!.established, true);
    assert.deepEqual(Object.keys(stats.weirds), []);
  });

  test(`${svc}: the same on a port that says nothing (content only; a POP3 greeting without POP in it needs port 110)`, () => {
    const { r } = decode(connection([...c.upgrade, [true, CLIENT_HELLO], [false, SERVER_HELLO]], 40000));
    if (svc === 'pop3') {
      assert.equal(r.conn[0]!.service, '');
      assert.equal(r.tls.length, 0);
    } else {
      assert.equal(r.conn[0]!.service, `${svc},ssl`);
      assert.equal(r.tls[0]?.server_name, 'www.example.com');
    }
  });

  test(`${svc}: a refused upgrade does not hand over`, () => {
    const { r } = decode(connection([...c.refused, [true, CLIENT_HELLO], [false, SERVER_HELLO]], c.port));
    assert.equal(r.conn[0]!.service, svc);
    assert.equal(r.tls.length, 0);
  });

  test(`${svc}: a plain session has service ${svc} and no tls`, () => {
    const { r, stats } = decode(connection([...c.plain], c.port));
    assert.equal(r.conn[0]!.service, svc);
    assert.equal(r.tls.length, 0);
    assert.deepEqual(Object.keys(stats.weirds), []);
  });

  test(`${svc}: byte-by-byte delivery finds the same upgrade`, () => {
    const f = ({ imap: imapAnalyzer, smtp: smtpAnalyzer, pop3: pop3Analyzer, ftp: ftpAnalyzer } as Record<string, AppAnalyzerFactory>)[svc]!;
    const ctx = collectingContext(ID);
    const a = f.create(ctx);
    for (const [o, b] of c.upgrade) for (let i = 0; i < b.length; i++) a.data(o, b.subarray(i, i + 1), 1);
    assert.deepEqual(ctx.tunnel, []);
    assert.equal(a.done, true);
  });
}

test('analyzer: bytes after the accepting reply and client bytes sent early are passed on', () => {
  const ctx = collectingContext(ID);
  const a = imapAnalyzer.create(ctx);
  a.data(false, te('* OK hi\r\n'), 1);
  a.data(true, te('t7 STARTTLS\r\nEARLY'), 2);
  a.data(true, te('-MORE'), 3);
  assert.equal(ctx.tunnel, null);
  a.data(false, te('* junk\r\nt7 OK go\r\nSRV'), 4);
  assert.deepEqual(ctx.tunnel!.map((t) => `${t.isOrig ? 'o' : 'r'} ${Buffer.from(t.bytes).toString('latin1')}`), ['o EARLY-MORE', 'r SRV']);
});

test('analyzer: after a refused upgrade the held client bytes are commands again', () => {
  const ctx = collectingContext(ID);
  const a = smtpAnalyzer.create(ctx);
  a.data(false, te('220 x ESMTP\r\n'), 1);
  a.data(true, te('STARTTLS\r\nNOOP\r\n'), 2);
  a.data(false, te('454 no\r\n'), 3);
  a.data(true, te('STARTTLS\r\n'), 4);
  a.data(false, te('250 noop ok\r\n'), 5);
  assert.equal(ctx.tunnel, null, 'the NOOP reply does not answer the second STARTTLS');
  a.data(false, te('220 go\r\n'), 6);
  assert.deepEqual(ctx.tunnel, []);
});

test('analyzer: a missed greeting (claimed on EHLO) does not shift the replies', () => {
  const ctx = collectingContext(ID);
  const a = smtpAnalyzer.create(ctx);
  a.data(true, te('EHLO c\r\n'), 1);
  a.data(false, te('250 hi\r\n'), 2);
  a.data(true, te('STARTTLS\r\n'), 3);
  a.data(false, te('220 go\r\n'), 4);
  assert.deepEqual(ctx.tunnel, []);
});

test('analyzer: a too long line is a weird and skipped; the session goes on', () => {
  const ctx = collectingContext(ID);
  const a = pop3Analyzer.create(ctx);
  a.data(false, te('+OK POP3\r\n'), 1);
  a.data(false, te(`-ERR ${'x'.repeat(MAIL_MAX_LINE)}`), 2);
  a.data(false, te('yyy\r\n'), 3);
  a.data(true, te('STLS\r\n'), 4);
  a.data(false, te('+OK\r\n'), 5);
  assert.deepEqual(ctx.weirdNames(), ['pop3_line_too_long']);
  assert.deepEqual(ctx.tunnel, []);
});

test('analyzer: authentication ends the analysis; non-commands are not ours', () => {
  const ctx = collectingContext(ID);
  const a = ftpAnalyzer.create(ctx);
  a.data(false, te('220 FTP\r\n'), 1);
  a.data(true, te('USER bob\r\n'), 2);
  assert.equal(a.done, true);
  const ctx2 = collectingContext(ID);
  const b = imapAnalyzer.create(ctx2);
  b.data(false, te('* OK\r\n'), 1);
  b.data(true, te('\x16\x03\x01\x00\x10binary\r\n'), 2);
  assert.equal(b.done, true);
  assert.deepEqual(ctx2.weirdNames(), ['imap_bad_command']);
});

test('probes: each claims its own greeting or first command and not the others', () => {
  const p110 = { ...ID, resp_p: 110 };
  assert.equal(probeImap(te('* OK [CAPABILITY IMAP4rev1] ready\r\n'), false), true);
  assert.equal(probeImap(te('* OK ready\r\n'), true), false);
  assert.equal(probeImap(te('+OK ready\r\n'), false), false);
  assert.equal(probeSmtp(te('220 mx.example.com ESMTP\r\n'), false), true);
  assert.equal(probeSmtp(te('220 ProFTPD Server (SMTP-free FTP)\r\n'), false), false);
  assert.equal(probeSmtp(te('220 mx.example.com\r\n'), false), false, 'an unnamed 220 waits for the client');
  assert.equal(probeSmtp(te('EHLO client\r\n'), true), true);
  assert.equal(probeFtp(te('220 mx.example.com\r\n'), false), false);
  assert.equal(probeFtp(te('220 (vsFTPd 3.0.3)\r\n'), false), true);
  assert.equal(probeFtp(te('220 mx ESMTP not FTP\r\n'), false), false);
  assert.equal(probeFtp(te('USER anonymous\r\n'), true), true);
  assert.equal(probeFtp(te('USER guest 0 * :Real Name\r\n'), true), false, 'IRC USER has four parameters');
  assert.equal(probeFtp(te('AUTH TLS\r\n'), true), true);
  assert.equal(probeFtp(te('AUTH LOGIN\r\n'), true), false);
  assert.equal(probePop3(te('+OK POP3 server ready\r\n'), false, ID), true);
  assert.equal(probePop3(te('+OK ready <1896.697170952@dbc.mtview.ca.us>\r\n'), false, ID), true);
  assert.equal(probePop3(te('+OK Dovecot ready.\r\n'), false, ID), false, 'no POP word: the port decides');
  assert.equal(probePop3(te('+OK Dovecot ready.\r\n'), false, p110), true);
  assert.equal(probePop3(te('+OK\r\n'), false, ID), false, 'a Redis reply');
});

test('sensor: an SMTP server with an unnamed greeting is claimed on the client\'s EHLO, FTP on USER', () => {
  const s = decode(connection([S('220 host\r\n'), C('EHLO c\r\n'), S('250 ok\r\n'), C('STARTTLS\r\n'), S('220 go\r\n'),
    [true, CLIENT_HELLO], [false, SERVER_HELLO]], 2525));
  assert.equal(s.r.conn[0]!.service, 'smtp,ssl');
  assert.equal(s.r.tls[0]?.server_name, 'www.example.com');
  const f = decode(connection([S('220 host\r\n'), C('USER bob\r\n'), S('331 pw\r\n')], 2121));
  assert.equal(f.r.conn[0]!.service, 'ftp');
});

test('fuzz: random and mutated lines never throw and stay bounded', () => {
  const line = fc.oneof(
    fc.constantFrom('* OK x\r\n', 'a1 STARTTLS\r\n', 'a1 OK\r\n', '220 ESMTP\r\n', '250-x\r\n', 'STARTTLS\r\n', 'STLS\r\n',
      '+OK\r\n', '-ERR\r\n', '.\r\n', 'CAPA\r\n', 'AUTH TLS\r\n', '234 ok\r\n', '220-x\r\n', 'EHLO x\r\n', '\r\n', '\n'),
    fc.string({ maxLength: 40 }).map((s) => `${s}\r\n`),
    fc.uint8Array({ maxLength: 3000 }).map((b) => Buffer.from(b).toString('latin1')),
  );
  const factories = [imapAnalyzer, smtpAnalyzer, pop3Analyzer, ftpAnalyzer];
  fc.assert(fc.property(fc.integer({ min: 0, max: 3 }), fc.array(fc.tuple(fc.boolean(), line, fc.nat(20)), { maxLength: 40 }), (fi, segs) => {
    const ctx = collectingContext(ID);
    const a = factories[fi]!.create(ctx);
    for (const [o, s, cut] of segs) {
      const b = te(s);
      a.data(o, b.subarray(0, cut), 1);
      a.data(o, b.subarray(cut), 1);
      if (cut === 13) a.gap(o, 5, 1);
    }
    a.end(2);
    for (const t of ctx.tunnel ?? []) assert.ok(t.bytes.length <= 16384 + 3000);
  }), { numRuns: RUNS });
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), fc.boolean(), (b, o) => {
    probeImap(b, o); probeSmtp(b, o); probeFtp(b, o); probePop3(b, o, ID);
  }), { numRuns: RUNS });
});

const SSL_PCAP = dataPath('parsers/malcolm-protocols/SSL.pcap');
test('shared data: IMAP STARTTLS in SSL.pcap gives the tls record for mail02.cyberdyne.local (service imap,ssl)',
  { skip: skipUnless(SSL_PCAP) }, async () => {
    const sink = new MemorySink();
    await decodeCapture(SSL_PCAP!, sink, { interimInterval: 0 });
    const conn = sink.records.conn.find((c) => c.orig_p === 51147 && c.resp_p === 143);
    assert.ok(conn);
    assert.equal(conn.service, 'imap,ssl');
    const t = sink.records.tls.find((x) => x.uid === conn.uid);
    assert.equal(t?.server_name, 'mail02.cyberdyne.local');
  });

test('fuzz: any split of an upgrade exchange still hands over; a mutated byte never throws', () => {
  const factories: Record<string, AppAnalyzerFactory> = { imap: imapAnalyzer, smtp: smtpAnalyzer, pop3: pop3Analyzer, ftp: ftpAnalyzer };
  const names = Object.keys(CASES) as (keyof typeof CASES)[];
  fc.assert(fc.property(fc.constantFrom(...names), fc.array(fc.nat(60), { maxLength: 8 }), fc.option(fc.tuple(fc.nat(400), fc.nat(255))),
    (svc, cuts, mut) => {
      const ctx = collectingContext(ID);
      const a = factories[svc]!.create(ctx);
      for (const [o, seg] of CASES[svc].upgrade) {
        const b = seg.slice();
        if (mut !== null && mut[0] < b.length) b[mut[0]] = mut[1];
        let p = 0;
        for (const c of cuts) {
          if (p + c >= b.length) break;
          a.data(o, b.subarray(p, p + c), 1);
          p += c;
        }
        a.data(o, b.subarray(p), 1);
      }
      if (mut === null) assert.deepEqual(ctx.tunnel, []);
    }), { numRuns: RUNS });
});
