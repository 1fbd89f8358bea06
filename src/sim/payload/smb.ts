/**
 * SMB over NetBIOS session service (TCP 445): SMB2 NEGOTIATE and SESSION_SETUP (with
 * SPNEGO/Kerberos blobs), then signed SMB2 tree connects, creates, reads, writes and closes, as a
 * Windows client talks to a file share; SMB 3 encrypted messages (TRANSFORM_HEADER + ciphertext)
 * for shares that require encryption. Also the SMB1 NEGOTIATE and ECHO messages a worm exploiting
 * SMBv1 sends when it probes and infects a host.
 */
import type { Rng } from '../rng.js';
import { concat, le, utf8, type BytePool } from './bytes.js';
import { spnegoClientInit, spnegoServerAccept, spnegoServerInit } from './kerberos.js';

/** NBSS session message framing (type 0, 24-bit length). */
export function nbss(msg: Uint8Array): Uint8Array {
  return concat([Uint8Array.of(0, (msg.length >> 16) & 0xff, (msg.length >> 8) & 0xff, msg.length & 0xff), msg]);
}

function smb2Header(cmd: number, response: boolean, msgId: number, sessionId: Uint8Array, credits: number, treeId = 0, signature: Uint8Array | null = null): Uint8Array {
  const h = new Uint8Array(64);
  h.set([0xfe, 0x53, 0x4d, 0x42], 0);
  h.set(le(64, 2), 4);
  h.set(le(cmd === 0 ? 0 : 1, 2), 6);
  h.set(le(cmd, 2), 12);
  h.set(le(credits, 2), 14);
  h.set(le((response ? 1 : 0) | (signature ? 8 : 0), 4), 16);
  h.set(le(msgId, 8), 24);
  h.set(le(0xfeff, 4), 32);
  h.set(le(treeId, 4), 36);
  h.set(sessionId, 40);
  if (signature) h.set(signature, 48);
  return h;
}

const NO_SESSION = new Uint8Array(8);

/** FILETIME (100 ns since 1601) of epoch microseconds. */
function filetime(us: number): Uint8Array {
  return le(Math.floor(us * 10) + 116444736000000000, 8);
}

/** Client NEGOTIATE (dialects 2.0.2 to 3.0.2). */
export function smb2NegotiateReq(rng: Rng, pool: BytePool): Uint8Array {
  const dialects = [0x0202, 0x0210, 0x0300, 0x0302];
  const body = concat([le(36, 2), le(dialects.length, 2), le(1, 2), le(0, 2), le(0x7f, 4), pool.copy(rng, 16), new Uint8Array(8),
    ...dialects.map((d) => le(d, 2))]);
  return nbss(concat([smb2Header(0, false, 0, NO_SESSION, 1), body]));
}

/** Server NEGOTIATE response choosing 3.0.2, advertising encryption and SPNEGO. */
export function smb2NegotiateResp(rng: Rng, pool: BytePool, serverGuid: Uint8Array, nowUs: number): Uint8Array {
  const blob = spnegoServerInit();
  const body = concat([le(65, 2), le(1, 2), le(0x0302, 2), le(0, 2), serverGuid, le(0x6f, 4), le(8388608, 4), le(8388608, 4), le(8388608, 4),
    filetime(nowUs), new Uint8Array(8), le(128, 2), le(blob.length, 2), le(0, 4), blob]);
  return nbss(concat([smb2Header(0, true, 0, NO_SESSION, 1), body]));
}

/** Client SESSION_SETUP with a Kerberos AP-REQ for cifs/`server` (`tkt`: the client's cached service ticket). */
export function smb2SessionSetupReq(rng: Rng, pool: BytePool, realm: string, server: string, tkt?: Uint8Array): Uint8Array {
  const blob = spnegoClientInit(rng, pool, realm, ['cifs', server], tkt);
  const body = concat([le(25, 2), Uint8Array.of(0, 1), le(1, 4), le(0, 4), le(88, 2), le(blob.length, 2), new Uint8Array(8), blob]);
  return nbss(concat([smb2Header(1, false, 1, NO_SESSION, 33), body]));
}

/** Server SESSION_SETUP success (`encrypt`: the server requires encryption for the session). */
export function smb2SessionSetupResp(rng: Rng, pool: BytePool, sessionId: Uint8Array, encrypt = false): Uint8Array {
  const blob = spnegoServerAccept(rng, pool);
  const body = concat([le(9, 2), le(encrypt ? 0x0004 : 0, 2), le(72, 2), le(blob.length, 2), blob]);
  return nbss(concat([smb2Header(1, true, 1, sessionId, 33), body]));
}

/** One encrypted SMB 3 message of `size` plaintext bytes (TRANSFORM_HEADER + ciphertext), as chunks. */
export function smb3Encrypted(rng: Rng, pool: BytePool, sessionId: Uint8Array, size: number): Uint8Array[] {
  const th = concat([Uint8Array.of(0xfd, 0x53, 0x4d, 0x42), pool.copy(rng, 16), pool.copy(rng, 11), new Uint8Array(5), le(size, 4), le(0, 2), le(1, 2), sessionId]);
  const total = th.length + size;
  return [Uint8Array.of(0, (total >> 16) & 0xff, (total >> 8) & 0xff, total & 0xff), th, ...pool.views(rng, size)];
}

const utf16 = (str: string): Uint8Array => new Uint8Array(Buffer.from(str, 'utf16le'));

/**
 * A signed SMB2 session after authentication: tree connects, file opens, reads, writes and
 * closes in clear (signatures are random bytes: nobody can check them without the keys).
 */
export class Smb2Session {
  private msgId = 2;
  private tree = 0;
  constructor(private readonly rng: Rng, private readonly pool: BytePool, private readonly sessionId: Uint8Array) {}

  private hdr(cmd: number, response: boolean, id: number): Uint8Array {
    return smb2Header(cmd, response, id, this.sessionId, response ? 1 : 1, this.tree, this.pool.copy(this.rng, 16));
  }

  /** TREE_CONNECT to `\\server\share`: [request, response]. */
  treeConnect(server: string, share: string): [Uint8Array, Uint8Array] {
    const id = this.msgId++;
    const path = utf16(`\\\\${server}\\${share}`);
    const req = nbss(concat([this.hdr(3, false, id), le(9, 2), le(0, 2), le(72, 2), le(path.length, 2), path]));
    this.tree = 1 + this.rng.int(0, 0x7ffff) * 4;
    const resp = nbss(concat([this.hdr(3, true, id), le(16, 2), Uint8Array.of(1, 0), le(0x800, 4), le(0, 4), le(0x1f01ff, 4)]));
    return [req, resp];
  }

  /** CREATE (open) of `name` for reading or writing: [request, response, fileId]. */
  create(name: string, write: boolean, nowUs: number, size: number): [Uint8Array, Uint8Array, Uint8Array] {
    const id = this.msgId++;
    const n = name.length ? utf16(name) : new Uint8Array(1);
    const req = nbss(concat([this.hdr(5, false, id), le(57, 2), Uint8Array.of(0, 0), le(2, 4), new Uint8Array(16),
      le(write ? 0x12019f : 0x120089, 4), le(0, 4), le(write ? 1 : 7, 4), le(write ? 5 : 1, 4), le(0x40, 4),
      le(120, 2), le(name.length ? n.length : 0, 2), le(0, 4), le(0, 4), n]));
    const fileId = this.pool.copy(this.rng, 16);
    const t = filetime(nowUs - this.rng.int(1, 400) * 86400e6);
    const resp = nbss(concat([this.hdr(5, true, id), le(89, 2), Uint8Array.of(0, 0), le(write ? 2 : 1, 4), t, t, t, t,
      le(Math.ceil(size / 4096) * 4096, 8), le(size, 8), le(0x20, 4), le(0, 4), fileId, le(0, 4), le(0, 4)]));
    return [req, resp, fileId];
  }

  /** READ of `len` bytes at `offset`: [request, response (chunks: data as pool views)]. */
  read(fileId: Uint8Array, offset: number, len: number): [Uint8Array, Uint8Array[]] {
    const id = this.msgId++;
    const req = nbss(concat([this.hdr(8, false, id), le(49, 2), Uint8Array.of(0x50, 0), le(len, 4), le(offset, 8), fileId,
      le(0, 4), le(0, 4), le(0, 4), le(0, 2), le(0, 2), Uint8Array.of(0)]));
    const head = concat([this.hdr(8, true, id), le(17, 2), Uint8Array.of(0x50, 0), le(len, 4), le(0, 4), le(0, 4)]);
    const total = head.length + len;
    return [req, [Uint8Array.of(0, (total >> 16) & 0xff, (total >> 8) & 0xff, total & 0xff), head, ...this.pool.views(this.rng, len)]];
  }

  /** WRITE of `len` bytes at `offset`: [request (chunks), response]. */
  write(fileId: Uint8Array, offset: number, len: number): [Uint8Array[], Uint8Array] {
    const id = this.msgId++;
    const head = concat([this.hdr(9, false, id), le(49, 2), le(0x70, 2), le(len, 4), le(offset, 8), fileId, le(0, 4), le(0, 4), le(0, 2), le(0, 2), le(0, 4)]);
    const total = head.length + len;
    const resp = nbss(concat([this.hdr(9, true, id), le(17, 2), le(0, 2), le(len, 4), le(0, 4), le(0, 2), le(0, 2)]));
    return [[Uint8Array.of(0, (total >> 16) & 0xff, (total >> 8) & 0xff, total & 0xff), head, ...this.pool.views(this.rng, len)], resp];
  }

  /** CLOSE: [request, response]. */
  close(fileId: Uint8Array): [Uint8Array, Uint8Array] {
    const id = this.msgId++;
    const req = nbss(concat([this.hdr(6, false, id), le(24, 2), le(0, 2), le(0, 4), fileId]));
    const resp = nbss(concat([this.hdr(6, true, id), le(60, 2), le(0, 2), le(0, 4), new Uint8Array(48), le(0, 4)]));
    return [req, resp];
  }
}

function smb1Header(cmd: number, response: boolean, mid: number): Uint8Array {
  const h = new Uint8Array(32);
  h.set([0xff, 0x53, 0x4d, 0x42, cmd], 0);
  h[9] = response ? 0x98 : 0x18; // flags: case-insensitive, canonicalised paths (+ reply)
  h.set(le(0xc853, 2), 10); // flags2: unicode, NT status, extended security, long names
  h.set(le(0xfeff, 2), 26); // process id
  h.set(le(mid, 2), 30);
  return h;
}

/** SMB1 NEGOTIATE with the dialect list scanners and worms send. */
export function smb1NegotiateReq(): Uint8Array {
  const dialects = ['PC NETWORK PROGRAM 1.0', 'LANMAN1.0', 'Windows for Workgroups 3.1a', 'LM1.2X002', 'LANMAN2.1', 'NT LM 0.12'];
  const bytes = concat(dialects.map((d) => concat([Uint8Array.of(2), utf8(d), Uint8Array.of(0)])));
  const h = smb1Header(0x72, false, 0);
  h[9] = 0x18;
  h.set(le(0xc853 & ~0x0800, 2), 10);
  return nbss(concat([h, Uint8Array.of(0), le(bytes.length, 2), bytes]));
}

/** SMB1 NEGOTIATE response accepting NT LM 0.12 with extended security (server GUID + SPNEGO). */
export function smb1NegotiateResp(rng: Rng, pool: BytePool, serverGuid: Uint8Array, nowUs: number): Uint8Array {
  const blob = spnegoServerInit();
  const words = concat([le(5, 2), Uint8Array.of(3), le(50, 2), le(1, 2), le(16644, 4), le(65536, 4), le(0, 4), le(0x8001f3fd, 4),
    filetime(nowUs), le(0, 2), Uint8Array.of(0)]);
  const bytes = concat([serverGuid, blob]);
  return nbss(concat([smb1Header(0x72, true, 0), Uint8Array.of(17), words, le(bytes.length, 2), bytes]));
}

/** SMB1 ECHO carrying `data` (a worm's payload delivery is modelled as a train of these). */
export function smb1Echo(response: boolean, mid: number, data: Uint8Array): Uint8Array {
  return nbss(concat([smb1Header(0x2b, response, mid), Uint8Array.of(1), le(1, 2), le(data.length, 2), data]));
}
