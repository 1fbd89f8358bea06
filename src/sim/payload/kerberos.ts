/**
 * Kerberos 5 messages (RFC 4120) as a Windows client and domain controller exchange them:
 * AS-REQ/AS-REP for the logon, TGS-REQ/TGS-REP for service tickets, and the GSS-API AP-REQ
 * token that SMB and LDAP carry. Encrypted parts are random bytes of realistic size.
 */
import type { Rng } from '../rng.js';
import { app, bitString, ctx, generalString, generalizedTime, int, octets, seq, oid, tlv } from './asn1.js';
import { be, concat, type BytePool } from './bytes.js';

const AES256 = 18;

function principal(type: number, ...names: string[]): Uint8Array {
  return seq(ctx(0, int(type)), ctx(1, seq(...names.map(generalString))));
}

function encData(rng: Rng, pool: BytePool, etype: number, len: number, kvno?: number): Uint8Array {
  const parts = [ctx(0, int(etype))];
  if (kvno !== undefined) parts.push(ctx(1, int(kvno)));
  parts.push(ctx(2, octets(pool.copy(rng, len))));
  return seq(...parts);
}

/** A ticket for `sname` (encrypted part of `len` random bytes). Clients reuse one until it expires. */
export function makeTicket(rng: Rng, pool: BytePool, realm: string, sname: string[], len = 1100 + rng.int(0, 300)): Uint8Array {
  return ticket(rng, pool, realm, sname, len);
}

function ticket(rng: Rng, pool: BytePool, realm: string, sname: string[], len: number): Uint8Array {
  return app(1, seq(ctx(0, int(5)), ctx(1, generalString(realm)), ctx(2, principal(2, ...sname)), ctx(3, encData(rng, pool, AES256, len, 4))));
}

function reqBody(rng: Rng, realm: string, cname: string[] | null, sname: string[], till: number): Uint8Array {
  const parts = [ctx(0, bitString(Uint8Array.of(0x40, 0x81, 0x00, 0x10)))];
  if (cname) parts.push(ctx(1, principal(1, ...cname)));
  parts.push(ctx(2, generalString(realm)), ctx(3, principal(2, ...sname)), ctx(5, generalizedTime(till)),
    ctx(7, int(rng.u32() & 0x7fffffff)), ctx(8, seq(int(18), int(17), int(23), int(24))));
  return seq(...parts);
}

/** Kerberos over TCP prefixes each message with its 4-byte length. */
export function krbTcp(msg: Uint8Array): Uint8Array {
  return concat([be(msg.length, 4), msg]);
}

/** AS-REQ with encrypted-timestamp pre-authentication for `user` in `realm`. */
export function asReq(rng: Rng, pool: BytePool, realm: string, user: string, nowSec: number): Uint8Array {
  const pa = seq(seq(ctx(1, int(2)), ctx(2, octets(encData(rng, pool, AES256, 56)))), seq(ctx(1, int(128)), ctx(2, octets(seq(ctx(0, tlv(0x01, Uint8Array.of(0xff))))))));
  return app(10, seq(ctx(1, int(5)), ctx(2, int(10)), ctx(3, pa), ctx(4, reqBody(rng, realm, [user], ['krbtgt', realm], nowSec + 36000))));
}

/** AS-REP carrying the TGT `tgt` (a fresh one when absent). */
export function asRep(rng: Rng, pool: BytePool, realm: string, user: string, tgt?: Uint8Array): Uint8Array {
  return app(11, seq(ctx(0, int(5)), ctx(1, int(11)), ctx(3, generalString(realm)), ctx(4, principal(1, user)),
    ctx(5, tgt ?? ticket(rng, pool, realm, ['krbtgt', realm], 1100 + rng.int(0, 200))), ctx(6, encData(rng, pool, AES256, 300, 2))));
}

/** AP-REQ presenting a ticket for `sname` (used inside TGS-REQ and GSS-API tokens); `tkt`: a cached ticket. */
export function apReq(rng: Rng, pool: BytePool, realm: string, sname: string[], tkt?: Uint8Array): Uint8Array {
  return app(14, seq(ctx(0, int(5)), ctx(1, int(14)), ctx(2, bitString(Uint8Array.of(0x20, 0, 0, 0))),
    ctx(3, tkt ?? ticket(rng, pool, realm, sname, 1100 + rng.int(0, 200))), ctx(4, encData(rng, pool, AES256, 180))));
}

/** AP-REP (mutual authentication answer). */
export function apRep(rng: Rng, pool: BytePool): Uint8Array {
  return app(15, seq(ctx(0, int(5)), ctx(1, int(15)), ctx(2, encData(rng, pool, AES256, 120))));
}

/** TGS-REQ for a service ticket to `sname` (e.g. ['cifs', 'fs01.corp.example.com']), presenting the TGT `tgt`. */
export function tgsReq(rng: Rng, pool: BytePool, realm: string, sname: string[], nowSec: number, tgt?: Uint8Array): Uint8Array {
  const pa = seq(seq(ctx(1, int(1)), ctx(2, octets(apReq(rng, pool, realm, ['krbtgt', realm], tgt)))));
  return app(12, seq(ctx(1, int(5)), ctx(2, int(12)), ctx(3, pa), ctx(4, reqBody(rng, realm, null, sname, nowSec + 36000))));
}

/** TGS-REP carrying the service ticket `tkt` (a fresh one when absent). */
export function tgsRep(rng: Rng, pool: BytePool, realm: string, user: string, sname: string[], tkt?: Uint8Array): Uint8Array {
  return app(13, seq(ctx(0, int(5)), ctx(1, int(13)), ctx(3, generalString(realm)), ctx(4, principal(1, user)),
    ctx(5, tkt ?? ticket(rng, pool, realm, sname, 1100 + rng.int(0, 300))), ctx(6, encData(rng, pool, AES256, 280))));
}

const KRB5_OID = '1.2.840.113554.1.2.2';
const MS_KRB5_OID = '1.2.840.48018.1.2.2';
const NTLMSSP_OID = '1.3.6.1.4.1.311.2.2.10';
const SPNEGO_OID = '1.3.6.1.5.5.2';

/** SPNEGO negTokenInit as a server advertises it (SMB2 NEGOTIATE response). */
export function spnegoServerInit(): Uint8Array {
  return app(0, oid(SPNEGO_OID), ctx(0, seq(ctx(0, seq(oid(MS_KRB5_OID), oid(KRB5_OID), oid(NTLMSSP_OID))),
    ctx(3, seq(ctx(0, generalString('not_defined_in_RFC4178@please_ignore')))))));
}

/** SPNEGO negTokenInit carrying a Kerberos AP-REQ for `sname` (client's session setup); `tkt`: the cached ticket. */
export function spnegoClientInit(rng: Rng, pool: BytePool, realm: string, sname: string[], tkt?: Uint8Array): Uint8Array {
  const krbToken = app(0, oid(KRB5_OID), Uint8Array.of(1, 0), apReq(rng, pool, realm, sname, tkt));
  return app(0, oid(SPNEGO_OID), ctx(0, seq(ctx(0, seq(oid(MS_KRB5_OID), oid(KRB5_OID), oid(NTLMSSP_OID))), ctx(2, octets(krbToken)))));
}

/** SPNEGO negTokenResp accepting the context, with the Kerberos AP-REP. */
export function spnegoServerAccept(rng: Rng, pool: BytePool): Uint8Array {
  const krbToken = app(0, oid(KRB5_OID), Uint8Array.of(2, 0), apRep(rng, pool));
  return ctx(1, seq(ctx(0, tlv(0x0a, Uint8Array.of(0))), ctx(1, oid(MS_KRB5_OID)), ctx(2, octets(krbToken))));
}
