/**
 * TLS records for the simulator: ClientHellos in the shapes of common clients (so JA3/JA4
 * differ realistically), ServerHellos for TLS 1.3 (everything after is encrypted) or TLS 1.2
 * (with a visible certificate chain), and encrypted application data as correctly framed
 * records whose content is random bytes.
 */
import type { Rng } from '../rng.js';
import { be, concat, utf8, type BytePool } from './bytes.js';

/** Client fingerprints. `chrome` permutes its extensions per connection, as Chrome does since 110. */
export type TlsClientKind = 'chrome' | 'firefox' | 'schannel' | 'openssl' | 'legacy';

const GREASE = Array.from({ length: 16 }, (_, i) => ((i << 4) | 0x0a) * 0x101);

function u16list(v: readonly number[]): Uint8Array {
  const out = new Uint8Array(v.length * 2);
  v.forEach((x, i) => { out[2 * i] = x >> 8; out[2 * i + 1] = x & 0xff; });
  return out;
}

function ext(type: number, body: Uint8Array): Uint8Array {
  return concat([be(type, 2), be(body.length, 2), body]);
}

function vec16(b: Uint8Array): Uint8Array {
  return concat([be(b.length, 2), b]);
}
function vec8(b: Uint8Array): Uint8Array {
  return concat([Uint8Array.of(b.length), b]);
}

/** server_name extension, or nothing when `host` is empty (a client contacting a bare IP). */
function sniExt(host: string): Uint8Array {
  if (!host) return new Uint8Array(0);
  const h = utf8(host);
  return ext(0, vec16(concat([Uint8Array.of(0), vec16(h)])));
}

function alpnExt(protos: readonly string[]): Uint8Array {
  return ext(16, vec16(concat(protos.map((p) => vec8(utf8(p))))));
}

function record(type: number, body: Uint8Array, version = 0x0303): Uint8Array {
  return concat([Uint8Array.of(type, version >> 8, version & 0xff), be(body.length, 2), body]);
}

function handshake(type: number, body: Uint8Array): Uint8Array {
  return concat([Uint8Array.of(type), be(body.length, 3), body]);
}

const SIGALGS_MODERN = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601];

interface Profile {
  ciphers: number[];
  tls13: boolean;
  build(rng: Rng, pool: BytePool, sni: string, alpn: readonly string[] | null): Uint8Array[];
  pad?: number;
  permute?: boolean;
}

function keyShare(rng: Rng, pool: BytePool, grease: number | null, extraP256: boolean): Uint8Array {
  const parts: Uint8Array[] = [];
  if (grease !== null) parts.push(be(grease, 2), be(1, 2), Uint8Array.of(0));
  parts.push(be(0x001d, 2), be(32, 2), pool.copy(rng, 32));
  if (extraP256) {
    const k = pool.copy(rng, 65);
    k[0] = 4;
    parts.push(be(0x0017, 2), be(65, 2), k);
  }
  return ext(51, vec16(concat(parts)));
}

const PROFILES: Record<TlsClientKind, Profile> = {
  chrome: {
    ciphers: [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035],
    tls13: true,
    pad: 512,
    permute: true,
    build(rng, pool, sni, alpn) {
      const g = rng.pick(GREASE);
      return [
        sniExt(sni),
        ext(23, new Uint8Array(0)),
        ext(0xff01, Uint8Array.of(0)),
        ext(10, vec16(u16list([g, 0x001d, 0x0017, 0x0018]))),
        ext(11, vec8(Uint8Array.of(0))),
        ext(35, new Uint8Array(0)),
        alpnExt(alpn ?? ['h2', 'http/1.1']),
        ext(5, Uint8Array.of(1, 0, 0, 0, 0)),
        ext(13, vec16(u16list(SIGALGS_MODERN))),
        ext(18, new Uint8Array(0)),
        keyShare(rng, pool, g, false),
        ext(45, vec8(Uint8Array.of(1))),
        ext(43, vec8(u16list([rng.pick(GREASE), 0x0304, 0x0303]))),
        ext(27, vec8(u16list([2]))),
        ext(0x4469, vec16(vec8(utf8('h2')))),
      ];
    },
  },
  firefox: {
    ciphers: [0x1301, 0x1303, 0x1302, 0xc02b, 0xc02f, 0xcca9, 0xcca8, 0xc02c, 0xc030, 0xc00a, 0xc009, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035],
    tls13: true,
    build(rng, pool, sni, alpn) {
      return [
        sniExt(sni),
        ext(23, new Uint8Array(0)),
        ext(0xff01, Uint8Array.of(0)),
        ext(10, vec16(u16list([0x001d, 0x0017, 0x0018, 0x0019, 0x0100, 0x0101]))),
        ext(11, vec8(Uint8Array.of(0))),
        ext(35, new Uint8Array(0)),
        alpnExt(alpn ?? ['h2', 'http/1.1']),
        ext(5, Uint8Array.of(1, 0, 0, 0, 0)),
        ext(34, vec16(u16list([0x0403, 0x0503, 0x0603, 0x0203]))),
        keyShare(rng, pool, null, true),
        ext(43, vec8(u16list([0x0304, 0x0303]))),
        ext(13, vec16(u16list([0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0203, 0x0201]))),
        ext(45, vec8(Uint8Array.of(1))),
        ext(28, be(0x4001, 2)),
      ];
    },
  },
  schannel: {
    ciphers: [0x1302, 0x1301, 0xc02c, 0xc02b, 0xc030, 0xc02f, 0xc024, 0xc023, 0xc028, 0xc027, 0xc00a, 0xc009, 0xc014, 0xc013, 0x009d, 0x009c, 0x003d, 0x003c, 0x0035, 0x002f, 0x000a],
    tls13: true,
    build(rng, pool, sni, alpn) {
      const exts = [
        sniExt(sni),
        ext(5, Uint8Array.of(1, 0, 0, 0, 0)),
        ext(10, vec16(u16list([0x001d, 0x0017, 0x0018]))),
        ext(11, vec8(Uint8Array.of(0))),
        ext(13, vec16(u16list([0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0201, 0x0403, 0x0503, 0x0203, 0x0202, 0x0601, 0x0603]))),
        ext(35, new Uint8Array(0)),
      ];
      if (alpn) exts.push(alpnExt(alpn));
      exts.push(ext(23, new Uint8Array(0)), ext(0xff01, Uint8Array.of(0)), ext(43, vec8(u16list([0x0304, 0x0303]))),
        ext(45, vec8(Uint8Array.of(1))), keyShare(rng, pool, null, false));
      return exts;
    },
  },
  openssl: {
    ciphers: [0x1302, 0x1303, 0x1301, 0xc02c, 0xc030, 0x009f, 0xcca9, 0xcca8, 0xccaa, 0xc02b, 0xc02f, 0x009e, 0xc024, 0xc028, 0x006b, 0xc023, 0xc027, 0x0067, 0xc00a, 0xc014, 0x0039, 0xc009, 0xc013, 0x0033, 0x009d, 0x009c, 0x003d, 0x003c, 0x0035, 0x002f, 0x00ff],
    tls13: true,
    build(rng, pool, sni, alpn) {
      const exts = [
        sniExt(sni),
        ext(11, vec8(Uint8Array.of(0, 1, 2))),
        ext(10, vec16(u16list([0x001d, 0x0017, 0x001e, 0x0019, 0x0018]))),
        ext(35, new Uint8Array(0)),
      ];
      if (alpn) exts.push(alpnExt(alpn));
      exts.push(ext(22, new Uint8Array(0)), ext(23, new Uint8Array(0)),
        ext(13, vec16(u16list([0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0809, 0x080a, 0x080b, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601]))),
        ext(43, vec8(u16list([0x0304, 0x0303]))), ext(45, vec8(Uint8Array.of(1))), keyShare(rng, pool, null, false));
      return exts;
    },
  },
  legacy: {
    ciphers: [0xc02f, 0xc030, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035, 0x000a],
    tls13: false,
    build(_rng, _pool, sni) {
      return [
        sniExt(sni),
        ext(10, vec16(u16list([0x0017, 0x0018]))),
        ext(11, vec8(Uint8Array.of(0))),
        ext(13, vec16(u16list([0x0401, 0x0501, 0x0601, 0x0201, 0x0403, 0x0503]))),
        ext(0xff01, Uint8Array.of(0)),
      ];
    },
  },
};

/** True when the client kind offers TLS 1.3. */
export function offersTls13(kind: TlsClientKind): boolean {
  return PROFILES[kind].tls13;
}

/**
 * A ClientHello record for `sni`. `alpn`: protocols to offer (null: the client's default or none).
 * `resume`: offer a TLS 1.3 session ticket (pre_shared_key, always the last extension).
 */
export function clientHello(kind: TlsClientKind, sni: string, rng: Rng, pool: BytePool, alpn: readonly string[] | null = null, resume = false): Uint8Array {
  const p = PROFILES[kind];
  let exts = p.build(rng, pool, sni, alpn).filter((e) => e.length > 0);
  if (p.permute) exts = rng.shuffle(exts.slice());
  const ciphers = kind === 'chrome' ? [rng.pick(GREASE), ...p.ciphers] : p.ciphers;
  if (kind === 'chrome') {
    exts.unshift(ext(rng.pick(GREASE), new Uint8Array(0)));
    exts.push(ext(rng.pick(GREASE), Uint8Array.of(0)));
  }
  if (resume && p.tls13) {
    const identity = concat([vec16(pool.copy(rng, 192)), be(rng.u32(), 4)]);
    exts.push(ext(41, concat([vec16(identity), vec16(vec8(pool.copy(rng, 32)))])));
  }
  const head = concat([be(0x0303, 2), pool.copy(rng, 32), vec8(pool.copy(rng, 32)), vec16(u16list(ciphers)), Uint8Array.of(1, 0)]);
  let extBytes = concat(exts);
  if (p.pad && !(resume && p.tls13)) {
    // Padding extension (RFC 7685) brings the handshake message to `pad` bytes, as Chrome does.
    const unpadded = 4 + head.length + 2 + extBytes.length;
    if (unpadded < p.pad) {
      const need = Math.max(0, p.pad - unpadded - 4);
      extBytes = concat([extBytes, ext(21, new Uint8Array(need))]);
    }
  }
  return record(0x16, handshake(1, concat([head, vec16(extBytes)])), 0x0301);
}

/** What the server side of a TLS session looks like. */
export interface TlsServer {
  /** TLS 1.3 when the client offers it and this is true; else TLS 1.2 with `certs`. */
  tls13: boolean;
  /** Certificate chain (DER, leaf first) shown in TLS 1.2. */
  certs: Uint8Array[];
  /** Chosen ALPN protocol, if the client offered one. */
  alpn?: string;
}

function serverHelloBody(rng: Rng, pool: BytePool, tls13: boolean, cipher: number, alpn: string | undefined, psk = false): Uint8Array {
  const exts: Uint8Array[] = [];
  if (tls13) {
    exts.push(ext(51, concat([be(0x001d, 2), be(32, 2), pool.copy(rng, 32)])), ext(43, be(0x0304, 2)));
    if (psk) exts.push(ext(41, be(0, 2)));
  } else {
    exts.push(ext(0xff01, Uint8Array.of(0)), ext(11, vec8(Uint8Array.of(0))), ext(23, new Uint8Array(0)));
    if (alpn) exts.push(alpnExt([alpn]));
  }
  return handshake(2, concat([be(0x0303, 2), pool.copy(rng, 32), vec8(pool.copy(rng, 32)), be(cipher, 2), Uint8Array.of(0), vec16(concat(exts))]));
}

/** Encrypted-record overhead added to the plaintext: TLS 1.3 inner type + tag; TLS 1.2 GCM nonce + tag. */
const OVERHEAD_13 = 17, OVERHEAD_12 = 24;
/** Largest plaintext per record. */
const MAX_PLAIN = 16384;

/** Encrypted records (content type `type`) carrying `plain` bytes of plaintext, appended to `out`. */
export function encrypted(rng: Rng, pool: BytePool, plain: number, tls13: boolean, out: Uint8Array[] = [], type = 0x17): Uint8Array[] {
  const over = tls13 ? OVERHEAD_13 : OVERHEAD_12;
  do {
    const n = Math.min(plain, MAX_PLAIN);
    const len = n + over;
    out.push(Uint8Array.of(type, 3, 3, len >> 8, len & 0xff));
    pool.views(rng, len, out);
    plain -= n;
  } while (plain > 0);
  return out;
}

/**
 * The server's first flight after a ClientHello. `resumed`: a session resumption (TLS 1.3 PSK or
 * a TLS 1.2 abbreviated handshake): no certificate, much smaller.
 */
export function serverFlight(kind: TlsClientKind, srv: TlsServer, rng: Rng, pool: BytePool, resumed = false): Uint8Array[] {
  const tls13 = srv.tls13 && PROFILES[kind].tls13;
  if (tls13) {
    const out: Uint8Array[] = [record(0x16, serverHelloBody(rng, pool, true, 0x1301, undefined, resumed)), Uint8Array.of(0x14, 3, 3, 0, 1, 1)];
    // EncryptedExtensions (+ Certificate + CertificateVerify unless resumed) + Finished, encrypted.
    return encrypted(rng, pool, resumed ? 60 + rng.int(0, 60) : 2600 + rng.int(0, 2400), true, out);
  }
  if (resumed) {
    return [record(0x16, serverHelloBody(rng, pool, false, 0xc02f, srv.alpn)), Uint8Array.of(0x14, 3, 3, 0, 1, 1), ...encrypted(rng, pool, 16, false, [], 0x16)];
  }
  const certs = concat(srv.certs.map((c) => concat([be(c.length, 3), c])));
  const cert = handshake(11, concat([be(certs.length, 3), certs]));
  const ske = handshake(12, concat([Uint8Array.of(3, 0, 0x1d, 32), pool.copy(rng, 32), be(0x0401, 2), be(256, 2), pool.copy(rng, 256)]));
  const msgs = concat([serverHelloBody(rng, pool, false, 0xc02f, srv.alpn), cert, ske, handshake(14, new Uint8Array(0))]);
  const out: Uint8Array[] = [];
  for (let o = 0; o < msgs.length; o += MAX_PLAIN) out.push(record(0x16, msgs.subarray(o, Math.min(msgs.length, o + MAX_PLAIN))));
  return out;
}

/** The client's second flight (key exchange / Finished), then its first request of `reqLen` bytes (null: none). */
export function clientFinish(kind: TlsClientKind, srv: TlsServer, rng: Rng, pool: BytePool, reqLen: number | null): Uint8Array[] {
  const tls13 = srv.tls13 && PROFILES[kind].tls13;
  const out: Uint8Array[] = tls13 ? [] : [record(0x16, handshake(16, vec8(pool.copy(rng, 32))))];
  out.push(Uint8Array.of(0x14, 3, 3, 0, 1, 1));
  encrypted(rng, pool, tls13 ? 36 : 16, tls13, out, tls13 ? 0x17 : 0x16);
  return reqLen === null ? out : encrypted(rng, pool, reqLen, tls13, out);
}

/** TLS 1.2 only: the server's NewSessionTicket, ChangeCipherSpec and Finished. */
export function serverFinish12(rng: Rng, pool: BytePool): Uint8Array[] {
  const ticket = pool.copy(rng, 192);
  const nst = handshake(4, concat([be(7200, 4), be(ticket.length, 2), ticket]));
  return [record(0x16, nst), Uint8Array.of(0x14, 3, 3, 0, 1, 1), ...encrypted(rng, pool, 16, false, [], 0x16)];
}

/** An encrypted close_notify alert. */
export function closeNotify(tls13: boolean, rng: Rng, pool: BytePool): Uint8Array[] {
  return tls13 ? encrypted(rng, pool, 2, true) : encrypted(rng, pool, 2, false, [], 0x15);
}

/** True when the client kind offers ALPN when the caller gives no list (browsers do). */
export function offersAlpnByDefault(kind: TlsClientKind): boolean {
  return kind === 'chrome' || kind === 'firefox';
}

/** True when this client/server pair negotiates TLS 1.3. */
export function negotiates13(kind: TlsClientKind, srv: TlsServer): boolean {
  return srv.tls13 && PROFILES[kind].tls13;
}
