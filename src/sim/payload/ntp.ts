/** NTPv4 client and server packets (RFC 5905), 48 bytes each. */
import { ip4 } from '../addr.js';

const NTP_EPOCH_OFFSET = 2208988800;

function putTs(b: Uint8Array, o: number, unixUs: number): void {
  const sec = Math.floor(unixUs / 1e6) + NTP_EPOCH_OFFSET;
  const frac = Math.floor(((unixUs % 1e6) / 1e6) * 4294967296);
  const dv = new DataView(b.buffer, b.byteOffset);
  dv.setUint32(o, sec >>> 0);
  dv.setUint32(o + 4, frac >>> 0);
}

/** A client request (mode 3) sent at `tsUs` (its transmit timestamp). */
export function ntpRequest(tsUs: number, poll: number): Uint8Array {
  const b = new Uint8Array(48);
  b[0] = 0x23; // LI 0, VN 4, mode 3
  b[2] = poll;
  b[3] = 0xe9; // precision 2^-23
  putTs(b, 40, tsUs);
  return b;
}

/** A server reply (mode 4) to a request sent at `reqUs`, answered at `respUs`. */
export function ntpReply(reqUs: number, respUs: number, stratum: number, refId: string, poll: number): Uint8Array {
  const b = new Uint8Array(48);
  b[0] = 0x24;
  b[1] = stratum;
  b[2] = poll;
  b[3] = 0xe8;
  b.set(Uint8Array.of(0, 0, 0x02, 0x10), 4); // root delay
  b.set(Uint8Array.of(0, 0, 0x04, 0x20), 8); // root dispersion
  b.set(ip4(refId), 12);
  putTs(b, 16, respUs - 300e6);
  putTs(b, 24, reqUs);
  putTs(b, 32, respUs - 50);
  putTs(b, 40, respUs);
  return b;
}
