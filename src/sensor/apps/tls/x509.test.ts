import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { certificateDer, derTime, name, oid, seq, set, tlv, type Attr } from './test-builder.js';
import { MAX_RDNS, parseCertificate } from './x509.js';

const RUNS = Number(process.env.C2HUNT_FUZZ_RUNS ?? 300);

// Made for this test with OpenSSL 3.0: `openssl req -x509 -newkey ec -pkeyopt
// ec_paramgen_curve:P-256 -days 36500 -multivalue-rdn -subj '/C=US/ST=California/O=Org\, Inc./
// OU=Unit A+OU=Unit B/CN=example.com/emailAddress=admin@example.com'`. Its notAfter (2126) is a
// GeneralizedTime, its notBefore a UTCTime. `openssl x509 -nameopt RFC2253` prints the subject
// as below; the dates are Nov 26 22:31:26 2026 GMT and Nov 2 22:31:26 2126 GMT.
const OPENSSL_CERT = Buffer.from(
  'MIICYzCCAgmgAwIBAgICEjQwCgYIKoZIzj0EAwIwgY4xCzAJBgNVBAYTAlVTMRMwEQYDVQQIDApDYWxpZm9ybmlhMRIwEAYDVQQKDAlPcmcsIEluYy4xHjANBgNVBAsMBlVuaXQgQTANBgNVBAsMBlVuaXQgQjEUMBIGA1UEAwwLZXhhbXBsZS5jb20xIDAeBgkqhkiG9w0BCQEWEWFkbWluQGV4YW1wbGUuY29tMCAXDTI2MTEyNjIyMzEyNloYDzIxMjYxMTAyMjIzMTI2WjCBjjELMAkGA1UEBhMCVVMxEzARBgNVBAgMCkNhbGlmb3JuaWExEjAQBgNVBAoMCU9yZywgSW5jLjEeMA0GA1UECwwGVW5pdCBBMA0GA1UECwwGVW5pdCBCMRQwEgYDVQQDDAtleGFtcGxlLmNvbTEgMB4GCSqGSIb3DQEJARYRYWRtaW5AZXhhbXBsZS5jb20wWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARLzke1LlexjT8VQVNs37LJt8BaPr3h69h94i3NqO2tybGqSGxEkGcVttPnT10uJpy/sXwj1V64GgFXPKGduP0No1MwUTAdBgNVHQ4EFgQUBkaMwPy9th96ga706P/nTjGo+nkwHwYDVR0jBBgwFoAUBkaMwPy9th96ga706P/nTjGo+nkwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEA3f/f5z4eqCE9rjrTeEMm2DVWTumWSS6FTBemw1+hkcYCIFMUHzyyKckSXeQ4TVNNybQF8B3fOSshl5iBdMzs3HSg',
  'base64',
);
const OPENSSL_SUBJECT = 'emailAddress=admin@example.com,CN=example.com,OU=Unit B+OU=Unit A,O=Org\\, Inc.,ST=California,C=US';

test('an OpenSSL-made certificate: names as OpenSSL prints them, UTCTime and GeneralizedTime', () => {
  const { cert, error } = parseCertificate(OPENSSL_CERT);
  assert.equal(error, undefined);
  assert.ok(cert);
  assert.equal(cert.subject, OPENSSL_SUBJECT);
  assert.equal(cert.issuer, OPENSSL_SUBJECT);
  assert.equal(cert.notBefore, Date.UTC(2026, 10, 26, 22, 31, 26) / 1000);
  assert.equal(cert.notAfter, Date.UTC(2126, 10, 2, 22, 31, 26) / 1000);
  // Independent oracle: node's OpenSSL binding.
  const x = new X509Certificate(OPENSSL_CERT);
  assert.equal(cert.notBefore, Date.parse(x.validFrom) / 1000);
  assert.equal(cert.notAfter, Date.parse(x.validTo) / 1000);
});

const CN = '2.5.4.3';
const O = '2.5.4.10';
const C = '2.5.4.6';

test('names: reversed RDN order, RFC 4514 escaping, string types, unknown attributes', () => {
  const subject = name([
    [[C, 0x13, 'US']],
    [[O, 0x0c, 'A+B, "C" <d>; e\\f']],
    [[CN, 0x0c, ' #lead and trail ']],
    [['1.2.3.4.5', 0x0c, 'x']],
    [['2.5.4.11', 0x0c, 'tab\there']],
  ]);
  const issuer = seq(set(seq(oid(CN), tlv(0x1e, Uint8Array.of(0x00, 0x52, 0x04, 0x10)))), set(seq(oid(O), tlv(0x0c, Buffer.from('Ünïcødé', 'utf8')))));
  const der = certificateDer({ subject, issuer, notBefore: derTime(0), notAfter: derTime(2524608000) });
  const { cert, error } = parseCertificate(der);
  assert.equal(error, undefined);
  assert.equal(cert!.subject, 'OU=tab\\09here,1.2.3.4.5=#0c0178,CN=\\ #lead and trail\\ ,O=A\\+B\\, \\"C\\" \\<d\\>\\; e\\\\f,C=US');
  assert.equal(cert!.issuer, 'O=Ünïcødé,CN=RА'); // BMPString U+0052 U+0410
  assert.equal(cert!.notBefore, 0);
  assert.equal(cert!.notAfter, 2524608000); // 2050-01-01: GeneralizedTime
});

test('validity: UTCTime years 50..99 are 19xx, 00..49 are 20xx; other forms are reported', () => {
  const mk = (nb: Uint8Array, na: Uint8Array) => parseCertificate(certificateDer({ subject: name([[[CN, 0x0c, 's']]]), issuer: name([[[CN, 0x0c, 'i']]]), notBefore: nb, notAfter: na }));
  const ut = (s: string) => tlv(0x17, Buffer.from(s));
  const r = mk(ut('500101000000Z'), ut('491231235959Z'));
  assert.equal(r.cert!.notBefore, Date.UTC(1950, 0, 1) / 1000);
  assert.equal(r.cert!.notAfter, Date.UTC(2049, 11, 31, 23, 59, 59) / 1000);
  const g = mk(tlv(0x18, Buffer.from('20240229120000.5Z')), ut('2401010000Z')); // no seconds: not DER
  assert.equal(g.cert!.notBefore, Date.UTC(2024, 1, 29, 12) / 1000);
  assert.equal(g.cert!.notAfter, undefined);
  assert.equal(g.error, 'validity time form');
  assert.equal(g.cert!.subject, 'CN=s');
});

test('malformed DER: every truncation and a wrong outer tag give an error, never a throw', () => {
  for (let n = 0; n < OPENSSL_CERT.length; n++) {
    const r = parseCertificate(OPENSSL_CERT.subarray(0, n));
    assert.equal(r.cert, undefined, `cut at ${n}`);
    assert.ok(r.error, `cut at ${n}`);
  }
  const bad = Buffer.from(OPENSSL_CERT);
  bad[0] = 0x31;
  assert.match(parseCertificate(bad).error!, /certificate: tag 0x31/);
  assert.match(parseCertificate(Uint8Array.of(0x30, 0x80, 0, 0)).error!, /length form/);
  assert.match(parseCertificate(Uint8Array.of(0x30, 0x84, 1, 0, 0, 0)).error!, /length form/);
  assert.match(parseCertificate(new Uint8Array(70000)).error!, /70000 bytes/);
});

test('limits: too many RDNs is reported', () => {
  const rdns: Attr[][] = Array.from({ length: MAX_RDNS + 1 }, () => [[CN, 0x0c, 'x']]);
  const der = certificateDer({ subject: name(rdns), issuer: name([[[CN, 0x0c, 'i']]]), notBefore: derTime(0), notAfter: derTime(1) });
  assert.equal(parseCertificate(der).error, 'too many RDNs');
});

test('property: mutated and random bytes never throw', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(OPENSSL_CERT.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), (muts) => {
      const b = Uint8Array.from(OPENSSL_CERT);
      for (const [i, v] of muts) b[i] = v;
      const r = parseCertificate(b);
      assert.ok(r.cert !== undefined || r.error !== undefined);
    }),
    { numRuns: RUNS },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
      const r = parseCertificate(b);
      assert.ok(r.cert !== undefined || r.error !== undefined);
    }),
    { numRuns: RUNS },
  );
});
