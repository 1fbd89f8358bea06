/**
 * ClientHello and ServerHello decoding (RFC 8446 section 4.1, RFC 5246 section 7.4.1). Input is the
 * body of one reassembled handshake message (after its 4-byte type/length header). These run
 * once per connection, so they may allocate; they never throw: problems become weirds through
 * `report` and the fields decoded so far are kept.
 */
import { Cursor, latin1 } from '../../cursor.js';

/** Receives weirds (`tls_...`) found while decoding. */
export type Report = (name: string, addl?: string) => void;

/** Extension type numbers used here (IANA "TLS ExtensionType Values"). */
export const EXT_SERVER_NAME = 0x0000;
export const EXT_SUPPORTED_GROUPS = 0x000a;
export const EXT_EC_POINT_FORMATS = 0x000b;
export const EXT_SIGNATURE_ALGORITHMS = 0x000d;
export const EXT_ALPN = 0x0010;
export const EXT_SUPPORTED_VERSIONS = 0x002b;

/** Longest server name kept, in bytes (a DNS name has at most 253); longer ones are cut. */
export const MAX_SERVER_NAME_BYTES = 255;
/** Most ALPN protocol names kept from one ClientHello; the rest are dropped and reported. */
export const MAX_ALPN_NAMES = 32;

/** What a ClientHello offers. Lists are as sent (GREASE included); fingerprints filter them. */
export interface ClientHello {
  /** legacy_version (0x0303 for TLS 1.2 and 1.3). */
  version: number;
  ciphers: number[];
  /** Extension types in the order sent. */
  extensions: number[];
  /** First host_name (type 0) entry of server_name. */
  serverName?: string;
  /** ALPN protocol names, decoded as Latin-1. */
  alpn: string[];
  /** Raw bytes of the first ALPN name (JA4 looks at its first and last byte). */
  alpnFirst?: Uint8Array;
  supportedGroups: number[];
  ecPointFormats: number[];
  signatureAlgorithms: number[];
  supportedVersions: number[];
}

/** What a ServerHello selects. */
export interface ServerHello {
  /** legacy_version (0x0303 for TLS 1.3). */
  version: number;
  cipher: number;
  /** Extension types in the order sent. */
  extensions: number[];
  /** supported_versions selection (TLS 1.3), which overrides `version`. */
  selectedVersion?: number;
  /** ALPN protocol the server chose. */
  alpn?: string;
  /** True for a HelloRetryRequest (a ServerHello with the special random, RFC 8446 4.1.3). */
  helloRetry: boolean;
}

/** SHA-256("HelloRetryRequest"): the random of a HelloRetryRequest (RFC 8446 section 4.1.3). */
const HRR_RANDOM = Uint8Array.from([
  0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
  0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
]);

/** Reads `n` big-endian u16 values (n = bytes / 2) from the cursor. */
function u16List(c: Cursor, bytes: number, out: number[]): void {
  const n = bytes >> 1;
  for (let i = 0; i < n; i++) out.push(c.u16());
}

/**
 * Iterates the extensions block that follows the fixed part of a hello: calls `each(type, body)`
 * for every well-formed extension. Reports `tls_bad_extension_len` when lengths disagree.
 */
function forEachExtension(c: Cursor, report: Report, each: (type: number, body: Cursor) => void): void {
  if (c.remaining === 0) return; // no extensions at all (SSLv3-style hello)
  if (c.remaining < 2) {
    report('tls_bad_extension_len', 'extensions length cut');
    return;
  }
  const total = c.u16();
  if (total > c.remaining) report('tls_bad_extension_len', `extensions ${total} > ${c.remaining} left`);
  const block = c.sub(Math.min(total, c.remaining));
  // One cursor re-pointed at each extension body (`each` uses it only during its call).
  const body = new Cursor(block.buf, 0, 0);
  // Each iteration consumes at least 4 bytes of a block bounded by the message: the loop ends.
  while (block.remaining > 0) {
    if (block.remaining < 4) {
      report('tls_bad_extension_len', 'extension header cut');
      return;
    }
    const type = block.u16();
    const len = block.u16();
    if (len > block.remaining) {
      report('tls_bad_extension_len', `extension 0x${type.toString(16)} length ${len} > ${block.remaining}`);
      return;
    }
    each(type, body.reset(block.buf, block.pos, block.pos + len));
    block.pos += len;
  }
}

/** Reports an extension whose inner lengths do not add up. */
function badInner(report: Report, what: string): void {
  report('tls_bad_extension_len', what);
}

/**
 * Decodes a ClientHello body. Undefined (and `tls_handshake_truncated`) when its fixed part
 * (version, random, session id, ciphers, compression) is cut short.
 */
export function parseClientHello(body: Uint8Array, report: Report): ClientHello | undefined {
  const c = new Cursor(body);
  const version = c.u16();
  c.skip(32); // random
  const sidLen = c.u8();
  c.skip(sidLen);
  const cipherBytes = c.u16();
  if (!c.ok || cipherBytes > c.remaining) {
    report('tls_handshake_truncated', 'client_hello');
    return undefined;
  }
  const ch: ClientHello = {
    version,
    ciphers: [],
    extensions: [],
    alpn: [],
    supportedGroups: [],
    ecPointFormats: [],
    signatureAlgorithms: [],
    supportedVersions: [],
  };
  if (cipherBytes & 1) report('tls_bad_cipher_list', `odd length ${cipherBytes}`);
  u16List(c.sub(cipherBytes), cipherBytes, ch.ciphers);
  const compLen = c.u8();
  c.skip(compLen);
  if (!c.ok) {
    report('tls_handshake_truncated', 'client_hello compression');
    return ch;
  }
  forEachExtension(c, report, (type, e) => {
    ch.extensions.push(type);
    switch (type) {
      case EXT_SERVER_NAME:
        clientServerName(e, ch, report);
        break;
      case EXT_ALPN:
        clientAlpn(e, ch, report);
        break;
      case EXT_SUPPORTED_GROUPS: {
        const n = e.u16();
        if (!e.ok || n !== e.remaining || n & 1) return badInner(report, 'supported_groups');
        u16List(e, n, ch.supportedGroups);
        break;
      }
      case EXT_EC_POINT_FORMATS: {
        const n = e.u8();
        if (!e.ok || n !== e.remaining) return badInner(report, 'ec_point_formats');
        for (let i = 0; i < n; i++) ch.ecPointFormats.push(e.u8());
        break;
      }
      case EXT_SIGNATURE_ALGORITHMS: {
        const n = e.u16();
        if (!e.ok || n !== e.remaining || n & 1) return badInner(report, 'signature_algorithms');
        u16List(e, n, ch.signatureAlgorithms);
        break;
      }
      case EXT_SUPPORTED_VERSIONS: {
        const n = e.u8();
        if (!e.ok || n !== e.remaining || n & 1) return badInner(report, 'supported_versions');
        u16List(e, n, ch.supportedVersions);
        break;
      }
    }
  });
  return ch;
}

/** server_name (RFC 6066 section 3): the first host_name entry. */
function clientServerName(e: Cursor, ch: ClientHello, report: Report): void {
  const listLen = e.u16();
  if (!e.ok || listLen !== e.remaining) return badInner(report, 'server_name');
  // Each entry consumes at least 3 bytes of the bounded extension body.
  while (e.remaining > 0) {
    const nameType = e.u8();
    const len = e.u16();
    const name = e.bytes(len);
    if (!e.ok) return badInner(report, 'server_name entry');
    if (nameType === 0 && ch.serverName === undefined) {
      let n = name.length;
      if (n > MAX_SERVER_NAME_BYTES) {
        report('tls_server_name_too_long', `${n} bytes`);
        n = MAX_SERVER_NAME_BYTES;
      }
      ch.serverName = latin1(name, 0, n);
    }
  }
}

/** application_layer_protocol_negotiation in a ClientHello (RFC 7301 section 3.1). */
function clientAlpn(e: Cursor, ch: ClientHello, report: Report): void {
  const listLen = e.u16();
  if (!e.ok || listLen !== e.remaining) return badInner(report, 'alpn');
  let dropped = 0;
  // Each entry consumes at least 1 byte of the bounded extension body.
  while (e.remaining > 0) {
    const len = e.u8();
    const name = e.bytes(len);
    if (!e.ok) return badInner(report, 'alpn entry');
    if (ch.alpnFirst === undefined) ch.alpnFirst = name.slice();
    if (ch.alpn.length < MAX_ALPN_NAMES) ch.alpn.push(latin1(name));
    else dropped++;
  }
  if (dropped > 0) report('tls_alpn_limit', `${dropped} names dropped`);
}

/** Decodes a ServerHello body. Undefined (and `tls_handshake_truncated`) when cut short. */
export function parseServerHello(body: Uint8Array, report: Report): ServerHello | undefined {
  const c = new Cursor(body);
  const version = c.u16();
  const random = c.bytes(32);
  // TLS 1.3 drafts before 22 (version 0x7f00 + draft) had no session id and no compression.
  const oldDraft = version >> 8 === 0x7f && (version & 0xff) < 22;
  if (!oldDraft) c.skip(c.u8()); // legacy_session_id_echo
  const cipher = c.u16();
  if (!oldDraft) c.skip(1); // compression method
  if (!c.ok) {
    report('tls_handshake_truncated', 'server_hello');
    return undefined;
  }
  let helloRetry = true;
  for (let i = 0; i < 32; i++) {
    if (random[i] !== HRR_RANDOM[i]) {
      helloRetry = false;
      break;
    }
  }
  const sh: ServerHello = { version, cipher, extensions: [], helloRetry };
  forEachExtension(c, report, (type, e) => {
    sh.extensions.push(type);
    if (type === EXT_SUPPORTED_VERSIONS) {
      const v = e.u16();
      if (!e.ok || e.remaining !== 0) return badInner(report, 'supported_versions');
      sh.selectedVersion = v;
    } else if (type === EXT_ALPN) {
      const listLen = e.u16();
      const len = e.u8();
      const name = e.bytes(len);
      if (!e.ok || listLen !== len + 1 || e.remaining !== 0) return badInner(report, 'alpn');
      sh.alpn = latin1(name);
    }
  });
  return sh;
}
