/**
 * Content probe for DNS: does the first payload of a direction look like a DNS message?
 *
 * Checks, all on the header and the first name (no strings built, nothing allocated per call
 * except one subarray view):
 * - the reserved Z bit (0x0040) is clear and the opcode is one in use (0, 1, 2, 4, 5);
 * - a query has rcode 0 and 1..MAX_QUESTIONS questions; a response has at most MAX_QUESTIONS,
 *   and when it has none (mDNS announcements) at least one record;
 * - the counts fit the length: 5 bytes per question and 11 per record at the least;
 * - the first name parses (question name, or the first record's owner when there is no
 *   question), and the class after it is IN, CHAOS, HESIOD, NONE or ANY (the mDNS top bit
 *   ignored) and the type is not 0.
 * HTTP (`GET ` gives opcode 10), TLS (`16 03 01` gives more than 256 questions) and random bytes
 * fail these. Ports only break the tie when a TCP payload is too short to judge (a length
 * prefix and less than a header, whose present fields must pass): 53, 5353 (mDNS), 5355 (LLMNR). Port 853 is not used: it carries DNS over TLS or
 * QUIC, never clear-text DNS.
 */
import type { FlowId } from '../../../records/schema.js';
import { HEADER_LEN, MAX_QUESTIONS, isKnownOpcode } from './constants.js';
import { nameResult, readName } from './names.js';

/** Ports that hint at DNS when the content is too short to decide (DNS, mDNS, LLMNR). */
const HINT_PORTS: ReadonlySet<number> = new Set([53, 5353, 5355]);

function portHint(id: FlowId): boolean {
  return HINT_PORTS.has(id.resp_p) || HINT_PORTS.has(id.orig_p);
}

function plausibleClass(c: number): boolean {
  const k = c & 0x7fff; // mDNS: top bit is unicast-response (question) or cache-flush (record)
  return k === 1 || k === 3 || k === 4 || k === 254 || k === 255;
}

/** The checks that the first bytes of a header allow (flags, question count), when present. */
function partialHeaderOk(m: Uint8Array): boolean {
  if (m.length < 4) return true;
  const flags = (m[2]! << 8) | m[3]!;
  if ((flags & 0x0040) !== 0 || !isKnownOpcode((flags >> 11) & 0xf)) return false;
  if ((flags & 0x8000) === 0 && (flags & 0xf) !== 0) return false;
  if (m.length < 6) return true;
  const qd = (m[4]! << 8) | m[5]!;
  return qd <= MAX_QUESTIONS && ((flags & 0x8000) !== 0 || qd > 0);
}

/** True when `bytes`, the first payload of a direction, looks like DNS (see the file comment). */
export function probeDns(bytes: Uint8Array, id: FlowId, proto: 'tcp' | 'udp'): boolean {
  let m = bytes;
  let declared = bytes.length;
  if (proto === 'tcp') {
    if (bytes.length < 2) return bytes.length > 0 && portHint(id);
    declared = (bytes[0]! << 8) | bytes[1]!;
    if (declared < HEADER_LEN) return false;
    m = bytes.subarray(2, Math.min(bytes.length, 2 + declared));
    if (m.length < HEADER_LEN) return partialHeaderOk(m) && portHint(id);
  } else if (bytes.length < HEADER_LEN) {
    return false;
  }
  if (!partialHeaderOk(m)) return false;
  const flags = (m[2]! << 8) | m[3]!;
  const qr = (flags & 0x8000) !== 0;
  const qd = (m[4]! << 8) | m[5]!;
  const rr = ((m[6]! << 8) | m[7]!) + ((m[8]! << 8) | m[9]!) + ((m[10]! << 8) | m[11]!);
  if (qd === 0 && (!qr || rr === 0)) return false;
  if (HEADER_LEN + qd * 5 + rr * 11 > declared) return false;

  readName(m, HEADER_LEN, false);
  if (nameResult.weird !== '') {
    // A TCP message cut by the segment end: the header passed, the name may go on.
    return nameResult.weird === 'dns_label_len_gt_pkt' && m.length < declared;
  }
  const p = nameResult.next;
  if (p + 4 > m.length) return m.length < declared;
  const type = (m[p]! << 8) | m[p + 1]!;
  const klass = (m[p + 2]! << 8) | m[p + 3]!;
  return type !== 0 && plausibleClass(klass);
}
