/**
 * Names for TLS numbers: protocol versions (Zeek's spelling) and the common cipher suites (IANA
 * "TLS Cipher Suites" registry names). Private to the tls folder; `index.ts` re-exports what
 * others may use.
 */

/**
 * GREASE values (RFC 8701): 0x0a0a, 0x1a1a ... 0xfafa. Both bytes equal and their low nibble is
 * 0xa. Used for cipher suites, extensions, groups, versions and signature algorithms.
 */
export function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);
}

/**
 * Zeek's name of a protocol version: `SSLv3`, `TLSv10` ... `TLSv13`, `TLSv13-draft23`,
 * `DTLSv12`; `unknown-0x....` otherwise.
 */
export function versionName(v: number): string {
  switch (v) {
    case 0x0002:
      return 'SSLv2';
    case 0x0300:
      return 'SSLv3';
    case 0x0301:
      return 'TLSv10';
    case 0x0302:
      return 'TLSv11';
    case 0x0303:
      return 'TLSv12';
    case 0x0304:
      return 'TLSv13';
    case 0xfeff:
      return 'DTLSv10';
    case 0xfefd:
      return 'DTLSv12';
    case 0xfefc:
      return 'DTLSv13';
  }
  if (v >> 8 === 0x7f) return `TLSv13-draft${v & 0xff}`;
  return `unknown-0x${hex4(v)}`;
}

/** hex4 results seen so far (the same few dozen values recur in every handshake). */
const HEX4 = new Map<number, string>();

/** Four lower-case hex digits. */
export function hex4(v: number): string {
  let s = HEX4.get(v);
  if (s === undefined) {
    s = v.toString(16).padStart(4, '0');
    if (HEX4.size < 4096) HEX4.set(v, s);
  }
  return s;
}

/** IANA names of the cipher suites seen in practice (the rest are printed as `0x....`). */
const CIPHER_NAMES: ReadonlyMap<number, string> = new Map([
  [0x0000, 'TLS_NULL_WITH_NULL_NULL'],
  [0x0001, 'TLS_RSA_WITH_NULL_MD5'],
  [0x0002, 'TLS_RSA_WITH_NULL_SHA'],
  [0x0004, 'TLS_RSA_WITH_RC4_128_MD5'],
  [0x0005, 'TLS_RSA_WITH_RC4_128_SHA'],
  [0x0009, 'TLS_RSA_WITH_DES_CBC_SHA'],
  [0x000a, 'TLS_RSA_WITH_3DES_EDE_CBC_SHA'],
  [0x0013, 'TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA'],
  [0x0015, 'TLS_DHE_RSA_WITH_DES_CBC_SHA'],
  [0x0016, 'TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA'],
  [0x002f, 'TLS_RSA_WITH_AES_128_CBC_SHA'],
  [0x0032, 'TLS_DHE_DSS_WITH_AES_128_CBC_SHA'],
  [0x0033, 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA'],
  [0x0035, 'TLS_RSA_WITH_AES_256_CBC_SHA'],
  [0x0038, 'TLS_DHE_DSS_WITH_AES_256_CBC_SHA'],
  [0x0039, 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA'],
  [0x003b, 'TLS_RSA_WITH_NULL_SHA256'],
  [0x003c, 'TLS_RSA_WITH_AES_128_CBC_SHA256'],
  [0x003d, 'TLS_RSA_WITH_AES_256_CBC_SHA256'],
  [0x0040, 'TLS_DHE_DSS_WITH_AES_128_CBC_SHA256'],
  [0x0041, 'TLS_RSA_WITH_CAMELLIA_128_CBC_SHA'],
  [0x0045, 'TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA'],
  [0x0067, 'TLS_DHE_RSA_WITH_AES_128_CBC_SHA256'],
  [0x006a, 'TLS_DHE_DSS_WITH_AES_256_CBC_SHA256'],
  [0x006b, 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA256'],
  [0x0084, 'TLS_RSA_WITH_CAMELLIA_256_CBC_SHA'],
  [0x0088, 'TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA'],
  [0x009c, 'TLS_RSA_WITH_AES_128_GCM_SHA256'],
  [0x009d, 'TLS_RSA_WITH_AES_256_GCM_SHA384'],
  [0x009e, 'TLS_DHE_RSA_WITH_AES_128_GCM_SHA256'],
  [0x009f, 'TLS_DHE_RSA_WITH_AES_256_GCM_SHA384'],
  [0x00a2, 'TLS_DHE_DSS_WITH_AES_128_GCM_SHA256'],
  [0x00a3, 'TLS_DHE_DSS_WITH_AES_256_GCM_SHA384'],
  [0x00ff, 'TLS_EMPTY_RENEGOTIATION_INFO_SCSV'],
  [0x1301, 'TLS_AES_128_GCM_SHA256'],
  [0x1302, 'TLS_AES_256_GCM_SHA384'],
  [0x1303, 'TLS_CHACHA20_POLY1305_SHA256'],
  [0x1304, 'TLS_AES_128_CCM_SHA256'],
  [0x1305, 'TLS_AES_128_CCM_8_SHA256'],
  [0x5600, 'TLS_FALLBACK_SCSV'],
  [0xc004, 'TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA'],
  [0xc005, 'TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA'],
  [0xc007, 'TLS_ECDHE_ECDSA_WITH_RC4_128_SHA'],
  [0xc008, 'TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA'],
  [0xc009, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA'],
  [0xc00a, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA'],
  [0xc00e, 'TLS_ECDH_RSA_WITH_AES_128_CBC_SHA'],
  [0xc00f, 'TLS_ECDH_RSA_WITH_AES_256_CBC_SHA'],
  [0xc011, 'TLS_ECDHE_RSA_WITH_RC4_128_SHA'],
  [0xc012, 'TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA'],
  [0xc013, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA'],
  [0xc014, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA'],
  [0xc023, 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256'],
  [0xc024, 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384'],
  [0xc027, 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256'],
  [0xc028, 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384'],
  [0xc02b, 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'],
  [0xc02c, 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'],
  [0xc02f, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'],
  [0xc030, 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'],
  [0xc09c, 'TLS_RSA_WITH_AES_128_CCM'],
  [0xc09d, 'TLS_RSA_WITH_AES_256_CCM'],
  [0xc0ac, 'TLS_ECDHE_ECDSA_WITH_AES_128_CCM'],
  [0xc0ad, 'TLS_ECDHE_ECDSA_WITH_AES_256_CCM'],
  [0xcca8, 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256'],
  [0xcca9, 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256'],
  [0xccaa, 'TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256'],
]);

/** IANA name of a cipher suite, or `0x....` when it is not in the table above. */
export function cipherName(v: number): string {
  return CIPHER_NAMES.get(v) ?? `0x${hex4(v)}`;
}

/** The table itself (tests compare it with tshark's names). */
export function knownCipherNames(): ReadonlyMap<number, string> {
  return CIPHER_NAMES;
}
