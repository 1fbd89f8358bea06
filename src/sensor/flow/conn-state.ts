/**
 * Zeek's connection states and history letters, from Zeek's documented semantics (conn.log).
 * Detectors rely on these: a failed attempt must look failed (S0, REJ, RSTOS0, SH).
 *
 * Endpoint facts are bit sets per direction; `connState` maps them to the state names:
 *   S0     originator SYN seen, no reply
 *   S1     established, not terminated
 *   SF     established and both sides closed (FIN); a RST after both FINs stays SF
 *   REJ    originator SYN answered by a responder RST
 *   S2     established, originator sent FIN, responder did not
 *   S3     established, responder sent FIN, originator did not
 *   RSTO   established, originator aborted with RST
 *   RSTR   established, responder sent RST
 *   RSTOS0 originator sent SYN then RST, no SYN-ACK seen
 *   RSTRH  responder sent SYN-ACK then RST, no SYN from the originator seen
 *   SH     originator sent SYN then FIN, no SYN-ACK seen ("half open")
 *   SHR    responder sent SYN-ACK then FIN, no SYN from the originator seen
 *   OTH    no SYN seen: midstream traffic
 * UDP: SF when both sides sent, S0 originator only, SHR responder only. ICMP and other: OTH.
 */
import type { Flow } from './flow-table.js';

export const EP_SYN = 1; // SYN without ACK
export const EP_SYNACK = 2; // SYN with ACK
export const EP_FIN = 4;
export const EP_RST = 8;
export const EP_ANY = 16; // sent any packet
export const EP_DATA = 32; // sent payload
export const EP_ACK = 64; // sent an ACK without SYN (handshake completion or later)

/** The Zeek conn_state for a TCP connection given each endpoint's facts. `firstRst`: 1 orig, 2 resp. */
export function tcpConnState(o: number, r: number, firstRst: number): string {
  const origSyn = (o & EP_SYN) !== 0;
  const respSynAck = (r & EP_SYNACK) !== 0;
  if (origSyn && respSynAck) {
    if ((o & EP_FIN) && (r & EP_FIN)) return 'SF';
    if ((o & EP_RST) || (r & EP_RST)) return firstRst === 2 ? 'RSTR' : 'RSTO';
    if (o & EP_FIN) return 'S2';
    if (r & EP_FIN) return 'S3';
    return 'S1';
  }
  if (origSyn) {
    if (r & EP_RST) return 'REJ';
    if (o & EP_RST) return 'RSTOS0';
    if (o & EP_FIN) return 'SH';
    if (r & EP_ANY) return 'OTH';
    return 'S0';
  }
  if (respSynAck) {
    if (r & EP_RST) return 'RSTRH';
    if (r & EP_FIN) return 'SHR';
    return 'OTH';
  }
  return 'OTH';
}

export function udpConnState(o: number, r: number): string {
  if ((o & EP_ANY) && (r & EP_ANY)) return 'SF';
  if (o & EP_ANY) return 'S0';
  return 'SHR';
}

/**
 * History letters; a letter is added the first time it happens in a direction (upper case for the
 * originator). The repeating letters c (bad checksum), g (gap), t (retransmission), w (zero window)
 * are added again each time their count reaches 10, 100, 1000 ... as Zeek does. '^' (the
 * direction was flipped) comes first when it applies.
 *
 * The state lives in the flow (`history`, `histSeen`, the repeat counters), updated by
 * {@link histOnce} and {@link histRepeat} with numeric letter codes: no lookups by string and
 * nothing allocated unless a letter is appended.
 */
/** Once-per-direction letters, as bit indexes into `Flow.histSeen` (originator bits 0..7, responder 8..15). */
export const H_SYN = 0; // s
export const H_SYNACK = 1; // h
export const H_ACK = 2; // a
export const H_DATA = 3; // d
export const H_FIN = 4; // f
export const H_RST = 5; // r
export const H_INCONSISTENT = 6; // i
export const H_MULTIFLAG = 7; // q
const ONCE_LOWER = ['s', 'h', 'a', 'd', 'f', 'r', 'i', 'q'];
const ONCE_UPPER = ONCE_LOWER.map((c) => c.toUpperCase());

/** Repeating letters. */
export const H_GAP = 0; // g
export const H_RETRANS = 1; // t
export const H_ZEROWIN = 2; // w
const REPEAT_LOWER = ['g', 't', 'w'];
const REPEAT_UPPER = REPEAT_LOWER.map((c) => c.toUpperCase());

/** Add a once-per-direction letter (H_SYN ... H_MULTIFLAG) for one side. */
export function histOnce(f: Flow, letter: number, isOrig: boolean): void {
  const mask = 1 << (isOrig ? letter : letter + 8);
  if ((f.histSeen & mask) !== 0) return;
  f.histSeen |= mask;
  f.history += isOrig ? ONCE_UPPER[letter]! : ONCE_LOWER[letter]!;
}

/** Count a repeating letter (H_GAP, H_RETRANS, H_ZEROWIN); appended at counts 1, 10, 100 ... 100000. */
export function histRepeat(f: Flow, letter: number, isOrig: boolean): void {
  let n: number;
  if (letter === H_GAP) n = isOrig ? ++f.gapsO : ++f.gapsR;
  else if (letter === H_RETRANS) n = isOrig ? ++f.retransO : ++f.retransR;
  else n = isOrig ? ++f.zeroWinO : ++f.zeroWinR;
  if (n === 1 || n === 10 || n === 100 || n === 1000 || n === 10000 || n === 100000) {
    f.history += isOrig ? REPEAT_UPPER[letter]! : REPEAT_LOWER[letter]!;
  }
}
