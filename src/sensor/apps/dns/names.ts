/**
 * Domain names on the wire (RFC 1035 section 4.1.4): labels and compression pointers, read with
 * explicit bounds checks against the message end.
 *
 * Safety rules, each reported as a weird when broken:
 * - a label must fit in the message (`dns_label_len_gt_pkt`);
 * - a length byte must be a label length (<= 63) or a pointer (`dns_label_too_long`; the
 *   0x40 and 0x80 label types of RFC 6891 / RFC 2673 are obsolete and land here too);
 * - a pointer must point strictly before the start of the name segment that holds it
 *   (`dns_compression_forward_pointer`): every hop goes backwards, so loops (a self pointer, two
 *   pointers at each other) are impossible. Real encoders only point at names written earlier;
 * - at most MAX_COMPRESSION_DEPTH pointers per name (`dns_compression_depth`);
 * - at most MAX_NAME_WIRE_LEN bytes of name once decompressed (`dns_name_too_long`).
 *
 * Names keep the case they were sent with (as Zeek does: 0x20-randomised queries stay visible).
 * The root name is the empty string; other names have no trailing dot. Label bytes outside
 * printable ASCII, and `.` and `\` inside a label, are escaped as in presentation format
 * (RFC 1035 section 5.1: `\DDD` decimal, `\.`, `\\`) so a name is always a safe, unambiguous string.
 */
import { MAX_COMPRESSION_DEPTH, MAX_LABEL_LEN, MAX_NAME_WIRE_LEN } from './constants.js';
import { latin1Slice } from '../../cursor.js';

/** Presentation form of each byte inside a label. */
const LABEL_CHAR: readonly string[] = Array.from({ length: 256 }, (_, b) => {
  if (b === 0x2e) return '\\.';
  if (b === 0x5c) return '\\\\';
  if (b > 0x20 && b < 0x7f) return String.fromCharCode(b);
  return '\\' + String(b).padStart(3, '0');
});

/** Presentation form of each byte inside a character-string (TXT): space is kept. */
const TEXT_CHAR: readonly string[] = Array.from({ length: 256 }, (_, b) =>
  b === 0x20 ? ' ' : LABEL_CHAR[b] === '\\.' ? '.' : LABEL_CHAR[b]!,
);

/** Bytes that stand for themselves in a label (printable ASCII except `.` and `\`): 1. */
const PLAIN = new Uint8Array(256);
for (let b = 0x21; b < 0x7f; b++) if (b !== 0x2e && b !== 0x5c) PLAIN[b] = 1;
/** A name being built from plain labels: bytes and dots, decoded in one step (at most 255 + 1). */
const SCRATCH = Buffer.alloc(MAX_NAME_WIRE_LEN + 1);

/**
 * Outcome of the last `readName` / `skipName` call. Module state instead of a result object so
 * that reading a name allocates nothing beyond the name string itself.
 */
export const nameResult = {
  /** Offset just after the name where it started (after its first pointer when compressed). */
  next: 0,
  /** Weird name when the name is malformed, '' when it is fine. */
  weird: '',
  /** Detail of the weird. */
  addl: '',
};

function fail(weird: string, addl: string): string {
  nameResult.weird = weird;
  nameResult.addl = addl;
  nameResult.next = -1;
  return '';
}

/**
 * Reads the name at `off` in the message `m` (offset 0 is the message's first byte: pointers are
 * relative to it). With `build` false nothing is built (used by the probe and to skip names).
 * Returns the name ('' when not built or malformed) and sets `nameResult`.
 */
export function readName(m: Uint8Array, off: number, build: boolean): string {
  const len = m.length;
  let pos = off;
  let segStart = off;
  let depth = 0;
  let wire = 1; // the final zero byte
  let next = -1;
  let s = '';
  /** Bytes of the name in SCRATCH while every label byte is plain; -1 once one is not. */
  let n = 0;
  nameResult.weird = '';
  nameResult.addl = '';
  // Terminates: inside a segment pos only grows (bounded by len); each pointer starts a new
  // segment strictly before the previous one, and at most MAX_COMPRESSION_DEPTH are followed.
  for (;;) {
    if (pos >= len) return fail('dns_label_len_gt_pkt', `name at ${off} runs past the message end`);
    const b = m[pos]!;
    if (b === 0) {
      if (next < 0) next = pos + 1;
      break;
    }
    if (b >= 0xc0) {
      if (pos + 1 >= len) return fail('dns_label_len_gt_pkt', `pointer at ${pos} truncated`);
      const target = ((b & 0x3f) << 8) | m[pos + 1]!;
      if (next < 0) next = pos + 2;
      if (target >= segStart) {
        return fail('dns_compression_forward_pointer', `pointer at ${pos} to ${target}, not before ${segStart}`);
      }
      if (++depth > MAX_COMPRESSION_DEPTH) {
        return fail('dns_compression_depth', `more than ${MAX_COMPRESSION_DEPTH} pointers in name at ${off}`);
      }
      pos = segStart = target;
      continue;
    }
    if (b > MAX_LABEL_LEN) return fail('dns_label_too_long', `label length byte 0x${b.toString(16)} at ${pos}`);
    const end = pos + 1 + b;
    if (end > len) return fail('dns_label_len_gt_pkt', `label of ${b} bytes at ${pos}, message has ${len}`);
    wire += 1 + b;
    if (wire > MAX_NAME_WIRE_LEN) return fail('dns_name_too_long', `name at ${off} longer than ${MAX_NAME_WIRE_LEN} bytes`);
    if (build) {
      if (n >= 0) {
        // Fast path: copy plain label bytes; the string is made once at the end.
        const start = n;
        if (n > 0) SCRATCH[n++] = 0x2e;
        for (let i = pos + 1; i < end; i++) {
          const c = m[i]!;
          if (PLAIN[c] === 0) { n = -1; break; }
          SCRATCH[n++] = c;
        }
        if (n < 0) {
          // A byte needs escaping: continue with per-character building from the name so far.
          s = start > 0 ? latin1Slice.call(SCRATCH, 0, start) : '';
        }
      }
      if (n < 0) {
        if (s.length > 0) s += '.';
        for (let i = pos + 1; i < end; i++) s += LABEL_CHAR[m[i]!];
      }
    }
    pos = end;
  }
  nameResult.next = next;
  if (build && n > 0) return latin1Slice.call(SCRATCH, 0, n);
  return s;
}

/** Character-string bytes (TXT, CAA value) in presentation form: printable ASCII kept, others `\DDD`. */
export function escapeText(m: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += TEXT_CHAR[m[i]!];
  return s;
}
