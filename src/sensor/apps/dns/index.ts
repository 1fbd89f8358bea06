/**
 * DNS application analyzer (public entry of this folder).
 *
 * - `dnsAnalyzer`: the `AppAnalyzerFactory` to register with the flow layer (service `dns`,
 *   UDP and TCP); see `analyzer.ts` for pairing, TCP framing and weird policy.
 * - `parseDnsMessage`: pure parser of one message; see `message.ts` for the rdata rendering and
 *   `names.ts` for the name rules (case kept, `\DDD` escapes, compression limits).
 * - `encodeDnsMessage` and `rdata`: a small encoder for tests and traffic generation.
 */
export { dnsAnalyzer } from './analyzer.js';
export { parseDnsMessage, isDnsMessage, formatIPv6 } from './message.js';
export type { DnsMessage, DnsQuestion, DnsAnswer, DnsWeird } from './message.js';
export { probeDns } from './probe.js';
export { encodeDnsMessage, encodeName, encodeFlags, rdata } from './encode.js';
export type { DnsMessageSpec, DnsRRSpec, DnsFlagsSpec } from './encode.js';
export {
  typeName, className, rcodeName, MAX_COMPRESSION_DEPTH, MAX_PENDING_QUERIES, MAX_TCP_FRAME,
  MAX_QUESTIONS, MAX_ANSWERS, MAX_CONSECUTIVE_FAILURES,
} from './constants.js';
