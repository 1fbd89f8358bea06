/** Address helpers for the simulator: parse and format IPv4/IPv6 addresses and MACs as bytes. */

import { addrToString } from '../sensor/packet/packet.js';

/** An IPv4 (4 bytes) or IPv6 (16 bytes) address in network order. */
export type IpBytes = Uint8Array;

/** Parses a dotted quad. Throws on malformed input (simulator configuration, not capture data). */
export function ip4(s: string): IpBytes {
  const parts = s.split('.');
  if (parts.length !== 4) throw new Error(`Cannot parse IPv4 address: ${s}`);
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const n = Number(parts[i]);
    if (!Number.isInteger(n) || n < 0 || n > 255) throw new Error(`Cannot parse IPv4 address: ${s}`);
    out[i] = n;
  }
  return out;
}

/** Parses an IPv6 address (with `::` compression; no embedded IPv4). */
export function ip6(s: string): IpBytes {
  const out = new Uint8Array(16);
  const halves = s.split('::');
  if (halves.length > 2) throw new Error(`Cannot parse IPv6 address: ${s}`);
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  if (halves.length === 1 && head.length !== 8) throw new Error(`Cannot parse IPv6 address: ${s}`);
  if (head.length + tail.length > 8) throw new Error(`Cannot parse IPv6 address: ${s}`);
  const put = (groups: string[], start: number): void => {
    for (let i = 0; i < groups.length; i++) {
      const v = parseInt(groups[i], 16);
      if (!/^[0-9a-fA-F]{1,4}$/.test(groups[i])) throw new Error(`Cannot parse IPv6 address: ${s}`);
      out[(start + i) * 2] = v >>> 8;
      out[(start + i) * 2 + 1] = v & 0xff;
    }
  };
  put(head, 0);
  put(tail, 8 - tail.length);
  return out;
}

/** Parses either family. */
export function ip(s: string): IpBytes {
  return s.includes(':') ? ip6(s) : ip4(s);
}

/** Formats an address canonically (dotted quad; RFC 5952 for IPv6), as the sensor does. */
export function ipStr(b: IpBytes): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const dv = new DataView(b.buffer, b.byteOffset, 16);
  return addrToString([dv.getUint32(0), dv.getUint32(4), dv.getUint32(8), dv.getUint32(12)]);
}

/** Parses `aa:bb:cc:dd:ee:ff`. */
export function mac(s: string): Uint8Array {
  const parts = s.split(':');
  if (parts.length !== 6) throw new Error(`Cannot parse MAC address: ${s}`);
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

/** True when `addr` lies in `net` (`10.1.0.0/16`, `2001:db8::/32`). */
export function inCidr(addr: IpBytes, net: string): boolean {
  const [base, lenStr] = net.split('/');
  const b = ip(base);
  if (b.length !== addr.length) return false;
  let bits = Number(lenStr);
  for (let i = 0; i < b.length && bits > 0; i++, bits -= 8) {
    const m = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((addr[i] & m) !== (b[i] & m)) return false;
  }
  return true;
}
