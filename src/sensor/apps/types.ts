/**
 * The contract between the flow layer and application analyzers (DNS, TLS, HTTP, mining, SSH).
 *
 * The flow layer owns connections and TCP reassembly. For each connection it asks the registered
 * analyzers, in registration order, whether the first payload of a direction looks like theirs
 * (`probe`: content signature first, a port only as a tie-break), attaches the first that says
 * yes, sets the connection's `service`, and then feeds it payload in order.
 *
 * Rules for analyzers:
 * - Never throw. Malformed input is reported with `ctx.weird('proto_what_went_wrong', detail)`
 *   and the analyzer either resynchronises or sets `done = true`.
 * - The bytes passed in are views into the capture buffer, valid only during the call: copy
 *   what you keep (bounded: every buffer has a limit, and hitting it is a weird).
 * - Set `done = true` when nothing more of interest can come (e.g. TLS after the certificate);
 *   the flow layer then stops delivering payload to save time.
 * - When the connection turns into a tunnel for another protocol, call `ctx.handOver()` (see
 *   there) instead of only stopping, so the tunnel's payload is identified and analysed too.
 */
import type { FlowId, RecordKind, RecordMap, Transport } from '../../records/schema.js';

export interface AppContext {
  /** The connection's uid and endpoints (originator = the side that opened it). */
  readonly uid: string;
  readonly id: FlowId;
  readonly proto: Transport;
  /** Emit a record. The analyzer fills uid and id fields from this context. */
  emit<K extends RecordKind>(kind: K, rec: RecordMap[K]): void;
  /** Report malformed or unexpected input on this connection. */
  weird(name: string, addl?: string): void;
  /**
   * Hand the connection over: the protocol this analyzer parsed has ended and what follows, in
   * both directions, is another protocol to be identified by content as if the connection began
   * here (an HTTP CONNECT tunnel). The flow layer detaches the caller (which must set `done` and
   * expect no more payload) and attaches a content identifier, which probes the next payload of
   * each direction and attaches the analyzer that claims it (adding its name to the conn's
   * `service`). The identifier is returned so the caller can pass on, in order per direction, the
   * bytes it already received past the hand-over point (e.g. the rest of the segment that held
   * the `200` response); later payload goes to it, or to the analyzer it attached, directly.
   */
  handOver(): StreamAnalyzer;
}

export interface StreamAnalyzer {
  /** Payload of one direction, in order. `ts`: packet time, epoch seconds. */
  data(isOrig: boolean, bytes: Uint8Array, ts: number): void;
  /** `len` bytes of one direction were never seen (capture loss); resynchronise or give up. */
  gap(isOrig: boolean, len: number, ts: number): void;
  /** The connection ended or timed out: flush pending state (e.g. an unanswered query). */
  end(ts: number): void;
  /** True when the analyzer wants no more data. */
  done: boolean;
}

export interface AppAnalyzerFactory {
  /** Service name set on the conn record (Zeek's names: `dns`, `ssl`, `http`, `ssh`; ours: `stratum`). */
  readonly service: string;
  readonly transports: readonly ('tcp' | 'udp')[];
  /**
   * Does this first payload of a direction look like this protocol? Content first; ports may only
   * break ties for short or ambiguous payloads. Must be cheap and must not throw.
   */
  probe(bytes: Uint8Array, isOrig: boolean, id: FlowId, proto: 'tcp' | 'udp'): boolean;
  /**
   * Optional dispatch hint: every first byte a payload this analyzer claims can start with, per
   * direction. The flow layer builds a first-byte table from these and calls `probe` only when
   * the byte is listed. Omit it (or a direction) when any byte may start a claimed payload.
   */
  readonly firstBytes?: { readonly orig?: readonly number[]; readonly resp?: readonly number[] };
  /** A fresh analyzer for one connection. For UDP, each `data` call is one datagram. */
  create(ctx: AppContext): StreamAnalyzer;
}
