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
 * are added again each time their count reaches 10, 100, 1000 ... as Zeek does.
 */
export const H_SYN = 's';
export const H_SYNACK = 'h';
export const H_ACK = 'a';
export const H_DATA = 'd';
export const H_FIN = 'f';
export const H_RST = 'r';
export const H_GAP = 'g';
export const H_RETRANS = 't';
export const H_ZEROWIN = 'w';
export const H_INCONSISTENT = 'i';
export const H_MULTIFLAG = 'q';
export const H_FLIPPED = '^';

/** Letter -> bit index for the once-per-direction set. */
const LETTER_BIT: Record<string, number> = { s: 0, h: 1, a: 2, d: 3, f: 4, r: 5, i: 6, q: 7 };
/** Letters that repeat on a log10 schedule. */
const REPEATING = new Set(['c', 'g', 't', 'w']);

/** Per-connection history builder (one per flow; tiny state). */
export class History {
  text = '';
  private seen = 0; // bits: 0..7 originator, 8..15 responder
  private counts: Map<string, number> | null = null;

  add(letter: string, isOrig: boolean): void {
    if (REPEATING.has(letter)) {
      const key = isOrig ? letter.toUpperCase() : letter;
      if (this.counts === null) this.counts = new Map();
      const n = (this.counts.get(key) ?? 0) + 1;
      this.counts.set(key, n);
      if (n === 1 || n === 10 || n === 100 || n === 1000 || n === 10000 || n === 100000) this.text += key;
      return;
    }
    const bit = LETTER_BIT[letter];
    if (bit === undefined) {
      if (!this.text.includes(letter)) this.text += letter;
      return;
    }
    const mask = 1 << (bit + (isOrig ? 0 : 8));
    if (this.seen & mask) return;
    this.seen |= mask;
    this.text += isOrig ? letter.toUpperCase() : letter;
  }
}
