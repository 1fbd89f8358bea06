/** SSH-2 transport (RFC 4253): banners, KEXINIT, curve25519 key exchange, NEWKEYS; then encrypted packets. */
import type { Rng } from '../rng.js';
import { be, concat, utf8, type BytePool } from './bytes.js';

function str(b: Uint8Array): Uint8Array {
  return concat([be(b.length, 4), b]);
}
const nameList = (s: string): Uint8Array => str(utf8(s));

/** A cleartext binary packet with padding to a multiple of 8. */
function packet(rng: Rng, pool: BytePool, payload: Uint8Array): Uint8Array {
  let pad = 8 - ((5 + payload.length) % 8);
  if (pad < 4) pad += 8;
  return concat([be(1 + payload.length + pad, 4), Uint8Array.of(pad), payload, pool.copy(rng, pad)]);
}

/** Version banner line. */
export function sshBanner(software: string): Uint8Array {
  return utf8(`SSH-2.0-${software}\r\n`);
}

/** KEXINIT packet. */
export function sshKexinit(rng: Rng, pool: BytePool, server: boolean): Uint8Array {
  const kex = server ? 'curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,diffie-hellman-group14-sha256,kex-strict-s-v00@openssh.com'
    : 'curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,diffie-hellman-group14-sha256,ext-info-c,kex-strict-c-v00@openssh.com';
  // AES-CTR with an encrypt-then-MAC HMAC: the packet length stays in clear (visible framing).
  const enc = 'aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com';
  const mac = 'hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,umac-64-etm@openssh.com,hmac-sha2-256';
  // The simulated servers are older builds holding only an RSA host key signed with ssh-rsa (this is
  // also the one signature type Wireshark 4.0 decodes without a spurious warning).
  const hostKeys = server ? 'ssh-rsa' : 'ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512,rsa-sha2-256,ssh-rsa';
  const payload = concat([Uint8Array.of(20), pool.copy(rng, 16), nameList(kex), nameList(hostKeys),
    nameList(enc), nameList(enc), nameList(mac), nameList(mac), nameList('none,zlib@openssh.com'), nameList('none,zlib@openssh.com'),
    nameList(''), nameList(''), Uint8Array.of(0), be(0, 4)]);
  return packet(rng, pool, payload);
}

/** Client KEX_ECDH_INIT (curve25519). */
export function sshKexInit30(rng: Rng, pool: BytePool): Uint8Array {
  return packet(rng, pool, concat([Uint8Array.of(30), str(pool.copy(rng, 32))]));
}

/** Server KEX_ECDH_REPLY (RSA host key, ssh-rsa signature) followed by NEWKEYS. `modulus`: 256 bytes. */
export function sshKexReply(rng: Rng, pool: BytePool, modulus: Uint8Array): Uint8Array {
  const n = concat([Uint8Array.of(0), modulus]);
  n[1] |= 0x80;
  const ks = str(concat([str(utf8('ssh-rsa')), str(Uint8Array.of(1, 0, 1)), str(n)]));
  const s = pool.copy(rng, 256);
  s[0] &= 0x7f; // a positive value: the same bytes as a string or an mpint
  const sig = str(concat([str(utf8('ssh-rsa')), str(s)]));
  return concat([packet(rng, pool, concat([Uint8Array.of(31), ks, str(pool.copy(rng, 32)), sig])), packet(rng, pool, Uint8Array.of(21))]);
}

/** Client NEWKEYS. */
export function sshNewkeys(rng: Rng, pool: BytePool): Uint8Array {
  return packet(rng, pool, Uint8Array.of(21));
}

/**
 * One encrypted packet as aes128-ctr with hmac-sha2-256-etm frames it: the 4-byte packet length
 * in clear, then padding length, payload and padding encrypted (a multiple of the 16-byte
 * block), then the 32-byte MAC. Returned as chunks.
 */
export function sshEncrypted(rng: Rng, pool: BytePool, payloadLen: number): Uint8Array[] {
  let body = Math.ceil((payloadLen + 1 + 4) / 16) * 16;
  if (body - payloadLen - 1 < 4) body += 16;
  return [be(body, 4), ...pool.views(rng, body + 32)];
}
