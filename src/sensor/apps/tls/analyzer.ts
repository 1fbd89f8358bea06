/**
 * The TLS analyzer: record layer and handshake reassembly per direction, then one `tls` record
 * per connection with SNI, ALPN, versions, cipher, JA3/JA3S/JA4 and the leaf certificate's
 * names (TLS 1.2 and older; TLS 1.3 encrypts certificates).
 *
 * Layers (RFC 8446 section 5, RFC 5246 section 6.2):
 * - records: 5-byte header (type, version, length) then up to 2^14 + 2048 bytes. Records that
 *   arrive whole in one segment are read in place; a record cut by a segment boundary is copied
 *   into a per-direction buffer until complete.
 * - handshake messages: 4-byte header (type, 24-bit length). A message may span several records
 *   and a record may hold several messages; partial messages are copied into a second
 *   per-direction buffer. Both buffers are allocated only when needed and are capped
 *   (TLS_MAX_BUFFER_BYTES per direction); hitting the cap is `tls_buffer_limit`.
 *
 * Roles come from the messages, not from the flow direction: the side that sends the ClientHello
 * is the client (a flow whose originator was guessed wrong still parses).
 *
 * The analyzer is done (and emits its record) once nothing more of interest can come: after the
 * ServerHello for TLS 1.3, after the server's Certificate (or ServerHelloDone without one) for
 * older versions, or when the server starts encrypting (ChangeCipherSpec, application data).
 * A ChangeCipherSpec that may be TLS 1.3's middlebox-compatibility dummy (RFC 8446 appendix D.4)
 * does not end anything. Otherwise the record is emitted at `end()`.
 *
 * SSLv2 framing is recognised on the first message of a direction: an SSLv2-compatible
 * ClientHello (`tls_sslv2_hello`) is noted but not decoded, an SSLv2 SERVER-HELLO gives the
 * version and the certificate.
 *
 * Record `ts` is the time of the first payload this analyzer saw (Zeek uses the connection start;
 * the conn record carries that).
 */
import type { FlowId, TlsRecord } from '../../../records/schema.js';
import type { AppAnalyzerFactory, AppContext, StreamAnalyzer } from '../types.js';
import { clientFingerprints, hexDigest, serverFingerprints } from './fingerprint.js';
import { parseClientHello, parseServerHello, type ClientHello, type ServerHello } from './hello.js';
import { cipherName, isGrease, versionName } from './names.js';
import { parseCertificate } from './x509.js';

/** Largest record body accepted, in bytes: TLSCiphertext's limit 2^14 + 2048 (RFC 5246 6.2.3). */
export const TLS_MAX_RECORD_LEN = 16384 + 2048;
/** Bytes buffered per direction (partial record plus partial handshake messages) before giving up. */
export const TLS_MAX_BUFFER_BYTES = 256 * 1024;

/** Record content types (RFC 8446 section 5.1). */
const CT_CHANGE_CIPHER_SPEC = 20;
const CT_ALERT = 21;
const CT_HANDSHAKE = 22;
const CT_APPLICATION_DATA = 23;
const CT_HEARTBEAT = 24;

/** Handshake message types (RFC 8446 section 4, RFC 5246 section 7.4). */
const HS_CLIENT_HELLO = 1;
const HS_SERVER_HELLO = 2;
const HS_CERTIFICATE = 11;
const HS_SERVER_HELLO_DONE = 14;

/** TLS 1.3 or one of its drafts (0x7f00 + draft number). */
function isTls13(v: number): boolean {
  return v === 0x0304 || v >> 8 === 0x7f;
}
const EMPTY = new Uint8Array(0);

/** A growable byte buffer with a hard cap; allocates only when something is appended. */
class ByteBuf {
  data: Uint8Array = EMPTY;
  len = 0;
  constructor(readonly cap: number) {}

  /** Appends `src[start, end)`; false (nothing appended) when that would pass the cap. */
  append(src: Uint8Array, start: number, end: number): boolean {
    const need = this.len + (end - start);
    if (need > this.cap) return false;
    if (need > this.data.length) {
      let size = Math.max(512, this.data.length * 2);
      while (size < need) size *= 2;
      const grown = new Uint8Array(Math.min(size, this.cap));
      grown.set(this.data.subarray(0, this.len));
      this.data = grown;
    }
    this.data.set(src.subarray(start, end), this.len);
    this.len = need;
    return true;
  }

  /** Drops the first `n` bytes. */
  consume(n: number): void {
    if (n >= this.len) {
      this.len = 0;
      return;
    }
    this.data.copyWithin(0, n, this.len);
    this.len -= n;
  }
}

/** Per-direction state. */
class Direction {
  /** A record cut by a segment boundary (header included). */
  readonly rec = new ByteBuf(5 + TLS_MAX_RECORD_LEN);
  /** Handshake bytes of a message not yet complete. */
  readonly hs = new ByteBuf(TLS_MAX_BUFFER_BYTES - (5 + TLS_MAX_RECORD_LEN));
  /** Nothing more is read in this direction (it is encrypted from here on, or lost). */
  closed = false;
  /** At least one byte was seen (the SSLv2 check applies to the first record only). */
  started = false;
  /** The direction started with SSLv2 framing. */
  sslv2 = false;
}

/** Big-endian u24 at `i` (the caller checked the bounds). */
function u24(b: Uint8Array, i: number): number {
  return (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
}

/**
 * Does this first payload of a direction look like TLS? A handshake record header (0x16, version
 * 3.0 to 3.4, a plausible length) holding a ClientHello, or a ServerHello from the responder; or
 * an SSLv2-compatible ClientHello from the originator.
 */
export function probeTls(bytes: Uint8Array, isOrig: boolean): boolean {
  if (bytes.length >= 6 && bytes[0] === CT_HANDSHAKE && bytes[1] === 3 && bytes[2]! <= 4) {
    const len = (bytes[3]! << 8) | bytes[4]!;
    if (len < 4 || len > TLS_MAX_RECORD_LEN) return false;
    const t = bytes[5];
    return t === HS_CLIENT_HELLO || (t === HS_SERVER_HELLO && !isOrig);
  }
  return isOrig && isSslv2Hello(bytes, 0);
}

/** An SSLv2 record header (2 bytes, high bit set) holding a CLIENT-HELLO for SSLv2 to TLS 1.3. */
function isSslv2Hello(b: Uint8Array, off: number): boolean {
  if (b.length - off < 5 || (b[off]! & 0x80) === 0) return false;
  const len = ((b[off]! & 0x7f) << 8) | b[off + 1]!;
  const major = b[off + 3];
  const minor = b[off + 4]!;
  return len >= 9 && b[off + 2] === 1 && ((major === 3 && minor <= 4) || (major === 0 && minor === 2));
}

/** The stream analyzer of one TLS connection. */
export class TlsAnalyzer implements StreamAnalyzer {
  done = false;
  private readonly orig = new Direction();
  private readonly resp = new Direction();
  private ts = -1;
  private emitted = false;
  private clientIsOrig: boolean | undefined;
  private ch: ClientHello | undefined;
  private sh: ServerHello | undefined;
  /** Version offered in an SSLv2-compatible CLIENT-HELLO. */
  private sslv2Version: number | undefined;
  /** Version of an SSLv2 SERVER-HELLO. */
  private sslv2ServerVersion: number | undefined;
  private cert: Partial<TlsRecord> | undefined;

  constructor(private readonly ctx: AppContext) {}

  data(isOrig: boolean, bytes: Uint8Array, ts: number): void {
    if (this.done) return;
    if (this.ts < 0) this.ts = ts;
    const dir = isOrig ? this.orig : this.resp;
    if (dir.closed) return;
    const n = bytes.length;
    let off = 0;
    if (!dir.started && n > 0) {
      dir.started = true;
      dir.sslv2 = (bytes[0]! & 0x80) !== 0;
    }
    if (dir.sslv2) return this.sslv2Data(isOrig, dir, bytes);
    // Every iteration consumes at least one byte or ends the loop.
    while (off < n && !this.done && !dir.closed) {
      const r = dir.rec;
      if (r.len === 0) {
        if (n - off >= 5) {
          const total = this.recordTotal(bytes, off);
          if (total < 0) return;
          if (n - off >= total) {
            this.record(isOrig, dir, bytes, off, total);
            off += total;
            continue;
          }
        }
        r.append(bytes, off, n); // at most one record: below the cap
        return;
      }
      if (r.len < 5) {
        const take = Math.min(5 - r.len, n - off);
        r.append(bytes, off, off + take);
        off += take;
        if (r.len < 5) return;
      }
      const total = this.recordTotal(r.data, 0);
      if (total < 0) return;
      const take = Math.min(total - r.len, n - off);
      r.append(bytes, off, off + take);
      off += take;
      if (r.len === total) {
        r.len = 0; // the bytes stay in r.data while the record is processed
        this.record(isOrig, dir, r.data, 0, total);
      }
    }
  }

  gap(isOrig: boolean, len: number, _ts: number): void {
    if (this.done) return;
    const dir = isOrig ? this.orig : this.resp;
    if (dir.closed) return;
    // Records have no sync marker: after lost bytes this direction cannot be read any more.
    this.ctx.weird('tls_content_gap', `${len} bytes from ${isOrig ? 'originator' : 'responder'}`);
    this.close(isOrig, dir);
  }

  end(_ts: number): void {
    this.finish();
  }

  /** 5 + body length of the record whose header is at `off`, or -1 (weird, done) if invalid. */
  private recordTotal(b: Uint8Array, off: number): number {
    const type = b[off]!;
    const len = (b[off + 3]! << 8) | b[off + 4]!;
    if (type < CT_CHANGE_CIPHER_SPEC || type > CT_HEARTBEAT) {
      this.ctx.weird('tls_unexpected_record_type', `type ${type}`);
    } else if (b[off + 1] !== 3) {
      this.ctx.weird('tls_bad_record_version', `0x${b[off + 1]!.toString(16)}${b[off + 2]!.toString(16).padStart(2, '0')}`);
    } else if (len > TLS_MAX_RECORD_LEN) {
      this.ctx.weird('tls_record_too_long', `${len} bytes`);
    } else {
      return 5 + len;
    }
    this.finish();
    return -1;
  }

  /** One complete record at `b[off, off + total)`. */
  private record(isOrig: boolean, dir: Direction, b: Uint8Array, off: number, total: number): void {
    switch (b[off]) {
      case CT_HANDSHAKE:
        this.handshake(isOrig, dir, b.subarray(off + 5, off + total));
        break;
      case CT_CHANGE_CIPHER_SPEC:
        if (!this.maybeTls13CompatCcs()) this.close(isOrig, dir);
        break;
      case CT_APPLICATION_DATA:
        this.close(isOrig, dir);
        break;
      case CT_ALERT:
      case CT_HEARTBEAT:
        break;
    }
  }

  /** The client offered TLS 1.3 and the version is not settled yet: a CCS may be a dummy. */
  private maybeTls13CompatCcs(): boolean {
    if (this.sh !== undefined) return false;
    const offered = this.ch?.supportedVersions;
    return offered !== undefined && offered.some(isTls13);
  }

  /** Is a message from this side a server's? (The side that did not send the ClientHello.) */
  private fromServer(isOrig: boolean): boolean {
    return this.clientIsOrig === undefined ? !isOrig : isOrig !== this.clientIsOrig;
  }

  /** Stops reading a direction; when it is the server's, nothing more of interest can come. */
  private close(isOrig: boolean, dir: Direction): void {
    dir.closed = true;
    dir.rec.len = 0;
    dir.hs.len = 0;
    if (this.fromServer(isOrig) || (this.orig.closed && this.resp.closed)) this.finish();
  }

  /** Handshake-protocol bytes of one record. */
  private handshake(isOrig: boolean, dir: Direction, body: Uint8Array): void {
    const hs = dir.hs;
    let buf = body;
    let len = body.length;
    if (hs.len > 0) {
      if (!hs.append(body, 0, body.length)) return this.bufferLimit(isOrig);
      buf = hs.data;
      len = hs.len;
    }
    let p = 0;
    // Every iteration consumes 4 + length bytes of a bounded buffer.
    while (len - p >= 4 && !this.done && !dir.closed) {
      const mlen = u24(buf, p + 1);
      if (len - p - 4 < mlen) break;
      this.message(isOrig, buf[p]!, buf.subarray(p + 4, p + 4 + mlen));
      p += 4 + mlen;
    }
    if (this.done || dir.closed) return;
    if (buf === body) {
      if (p < len && !hs.append(body, p, len)) return this.bufferLimit(isOrig);
    } else {
      hs.consume(p);
    }
    if (hs.len >= 4 && hs.data[0] === HS_CERTIFICATE) this.earlyLeaf(isOrig, hs);
  }

  private bufferLimit(isOrig: boolean): void {
    this.ctx.weird('tls_buffer_limit', `${TLS_MAX_BUFFER_BYTES} bytes from ${isOrig ? 'originator' : 'responder'}`);
    this.finish();
  }

  /**
   * A Certificate message still incomplete: its first certificate (the leaf, the only one we
   * read) may already be whole, which spares buffering the rest of the chain.
   */
  private earlyLeaf(isOrig: boolean, hs: ByteBuf): void {
    if (!this.wantCertificate(isOrig) || hs.len < 10) return;
    const leafLen = u24(hs.data, 7);
    if (hs.len >= 10 + leafLen) this.certificate(hs.data.subarray(4, hs.len));
  }

  /** Certificates are read from the server, before TLS 1.3 (where they are encrypted), once. */
  private wantCertificate(isOrig: boolean): boolean {
    if (this.cert !== undefined || !this.fromServer(isOrig)) return false;
    return this.sh === undefined || !isTls13(this.sh.selectedVersion ?? this.sh.version);
  }

  /** One complete handshake message. */
  private message(isOrig: boolean, type: number, body: Uint8Array): void {
    const report = (name: string, addl?: string): void => this.ctx.weird(name, addl);
    switch (type) {
      case HS_CLIENT_HELLO:
        if (this.ch !== undefined) return; // the second ClientHello after a HelloRetryRequest
        if (!isOrig) this.ctx.weird('tls_client_hello_from_responder');
        this.clientIsOrig = isOrig;
        this.ch = parseClientHello(body, report);
        if (this.ch === undefined) this.finish();
        return;
      case HS_SERVER_HELLO: {
        if (!this.fromServer(isOrig)) {
          this.ctx.weird('tls_server_hello_from_client');
          return;
        }
        const sh = parseServerHello(body, report);
        if (sh === undefined) return this.finish();
        if (sh.helloRetry) return; // a second ServerHello follows
        this.sh = sh;
        if (isTls13(sh.selectedVersion ?? sh.version)) this.finish();
        return;
      }
      case HS_CERTIFICATE:
        if (this.wantCertificate(isOrig)) this.certificate(body);
        return;
      case HS_SERVER_HELLO_DONE:
        if (this.fromServer(isOrig)) this.finish(); // no Certificate in this handshake
        return;
    }
  }

  /** A Certificate message body (possibly partial, the leaf whole): reads the leaf, then done. */
  private certificate(body: Uint8Array): void {
    if (body.length < 3 || u24(body, 0) === 0) return; // empty chain
    if (body.length < 6 || body.length < 6 + u24(body, 3)) {
      this.ctx.weird('tls_handshake_truncated', 'certificate');
      return this.finish();
    }
    this.leaf(body.subarray(6, 6 + u24(body, 3)));
  }

  /** The server's leaf certificate (DER): fingerprint and names, then done. */
  private leaf(der: Uint8Array): void {
    const cert: Partial<TlsRecord> = { cert_sha1: hexDigest('sha1', der) };
    const { cert: info, error } = parseCertificate(der);
    if (error !== undefined) this.ctx.weird('tls_x509_malformed', error);
    if (info !== undefined) {
      cert.subject = info.subject;
      cert.issuer = info.issuer;
      if (info.notBefore !== undefined) cert.not_valid_before = info.notBefore;
      if (info.notAfter !== undefined) cert.not_valid_after = info.notAfter;
      cert.self_signed = info.subject === info.issuer;
    }
    this.cert = cert;
    this.finish();
  }

  /**
   * SSLv2 framing (a first byte with the high bit set: 2-byte header, 15-bit length). Only the
   * first message of the direction is read, buffered like a TLS record.
   */
  private sslv2Data(isOrig: boolean, dir: Direction, bytes: Uint8Array): void {
    const r = dir.rec;
    let off = 0;
    if (r.len < 2) {
      const take = Math.min(2 - r.len, bytes.length);
      r.append(bytes, 0, take);
      off = take;
      if (r.len < 2) return;
    }
    const total = 2 + (((r.data[0]! & 0x7f) << 8) | r.data[1]!);
    if (total > r.cap) {
      this.ctx.weird('tls_record_too_long', `SSLv2 ${total - 2} bytes`);
      return this.finish();
    }
    r.append(bytes, off, off + Math.min(total - r.len, bytes.length - off));
    if (r.len < total) return;
    this.sslv2Message(isOrig, dir, r.data.subarray(2, total));
  }

  /**
   * The first SSLv2 message of a direction. A CLIENT-HELLO (SSLv2-compatible hellos from old
   * clients) is noted, not fingerprinted (JA3 and tshark do not either), and the server may
   * still answer with SSLv3/TLS records. A SERVER-HELLO carries the certificate in the clear.
   */
  private sslv2Message(isOrig: boolean, dir: Direction, msg: Uint8Array): void {
    const type = msg[0];
    if (type === 1 && this.clientIsOrig === undefined && msg.length >= 3) {
      this.sslv2Version = (msg[1]! << 8) | msg[2]!;
      this.ctx.weird('tls_sslv2_hello', versionName(this.sslv2Version));
      this.clientIsOrig = isOrig;
      return this.close(isOrig, dir);
    }
    if (type === 4 && this.fromServer(isOrig)) {
      // SERVER-HELLO: type, session_id_hit, certificate_type, version(2), certificate length(2),
      // cipher_specs length(2), connection_id length(2), then the certificate (X.509 DER).
      if (msg.length < 11) {
        this.ctx.weird('tls_handshake_truncated', 'SSLv2 server hello');
        return this.finish();
      }
      this.sslv2ServerVersion = (msg[3]! << 8) | msg[4]!;
      const certLen = (msg[5]! << 8) | msg[6]!;
      if (msg[2] === 1 && certLen > 0) {
        if (11 + certLen > msg.length) {
          this.ctx.weird('tls_handshake_truncated', 'SSLv2 certificate');
          return this.finish();
        }
        return this.leaf(msg.subarray(11, 11 + certLen));
      }
      return this.finish();
    }
    this.ctx.weird('tls_unexpected_record_type', `SSLv2 message ${type}`);
    this.finish();
  }

  /** Done: emit the record once (when a hello was seen). */
  private finish(): void {
    this.done = true;
    if (this.emitted) return;
    this.emitted = true;
    if (this.ch === undefined && this.sh === undefined && this.sslv2Version === undefined && this.sslv2ServerVersion === undefined) return;
    this.ctx.emit('tls', this.build());
  }

  private build(): TlsRecord {
    const id: FlowId = this.ctx.id;
    const rec: TlsRecord = {
      ts: this.ts,
      uid: this.ctx.uid,
      orig_h: id.orig_h,
      orig_p: id.orig_p,
      resp_h: id.resp_h,
      resp_p: id.resp_p,
      established: this.sh !== undefined || this.sslv2ServerVersion !== undefined,
    };
    const sh = this.sh;
    if (sh !== undefined) {
      rec.version = versionName(sh.selectedVersion ?? sh.version);
      rec.cipher = cipherName(sh.cipher);
    } else if (this.sslv2ServerVersion !== undefined) {
      rec.version = versionName(this.sslv2ServerVersion);
    }
    const ch = this.ch;
    if (ch !== undefined) {
      if (ch.serverName !== undefined) rec.server_name = ch.serverName;
      if (ch.alpn.length > 0) rec.alpn = ch.alpn;
      const offered = ch.supportedVersions.filter((v) => !isGrease(v));
      rec.client_versions = (offered.length > 0 ? offered : [ch.version]).map(versionName);
      const fp = clientFingerprints(ch, 't');
      rec.ja3_string = fp.ja3String;
      rec.ja3 = fp.ja3;
      rec.ja4 = fp.ja4;
    } else if (this.sslv2Version !== undefined) {
      rec.client_versions = [versionName(this.sslv2Version)];
    }
    if (sh !== undefined) {
      if (sh.alpn !== undefined) rec.next_protocol = sh.alpn;
      const fp = serverFingerprints(sh);
      rec.ja3s_string = fp.ja3sString;
      rec.ja3s = fp.ja3s;
    }
    if (this.cert !== undefined) Object.assign(rec, this.cert);
    return rec;
  }
}

/** The TLS analyzer's registration: Zeek's service name `ssl`, over TCP. */
export const tlsAnalyzerFactory: AppAnalyzerFactory = {
  service: 'ssl',
  transports: ['tcp'],
  probe: (bytes, isOrig) => probeTls(bytes, isOrig),
  // A handshake record; from the originator also an SSLv2 header (high bit set).
  firstBytes: { orig: [CT_HANDSHAKE, ...Array.from({ length: 128 }, (_, i) => 0x80 + i)], resp: [CT_HANDSHAKE] },
  create: (ctx) => new TlsAnalyzer(ctx),
};
