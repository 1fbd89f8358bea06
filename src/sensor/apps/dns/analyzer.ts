/**
 * The DNS application analyzer: parses each message of a connection (UDP datagrams, or TCP
 * frames with their 2-byte length prefix) and pairs queries with responses into `DnsRecord`s.
 *
 * Pairing (per connection): a response pairs with the oldest pending query that has the same
 * message id and the same first question (name compared without case, type, class); a response
 * with no question pairs on the id alone. The record has the query's time, the rtt, and the
 * response's rcode, flags, answers and TTLs. A repeated query (same id and question while the
 * first is pending) is a retransmission and is not kept. Queries still unanswered are emitted at
 * `end()`, or when MAX_PENDING_QUERIES are waiting (the oldest goes, `dns_too_many_pending_queries`).
 * A response without its query is emitted alone, with its own time. Query or response is told by
 * the QR bit, not by direction (mDNS and LLMNR do not follow client/server roles).
 *
 * A message with several questions gives one record, for the first question (as Zeek), and a
 * `dns_multiple_questions` weird. `rejected` is true when the response's rcode is neither NOERROR
 * nor NXDOMAIN (SERVFAIL, REFUSED, FORMERR ...): the server would not answer, which is different
 * from saying the name does not exist.
 *
 * Weirds are reported once per name per connection (Zeek's per-connection weird policy), so a
 * stream of broken messages yields one line, not thousands. After MAX_CONSECUTIVE_FAILURES
 * unparseable messages in a row the analyzer gives up (`dns_not_dns`, `done = true`).
 *
 * TCP: each direction is a stream of frames. Frames wholly inside a segment are parsed in place;
 * the tail of a frame split across segments is copied into a per-direction buffer of at most
 * MAX_TCP_FRAME bytes (allocated only when a split happens). A frame shorter than a header is
 * skipped (`dns_tcp_len_too_short`). A gap inside a frame whose length is known drops that frame
 * and resumes exactly at the next one; a gap at a frame boundary, or longer than the rest of the
 * frame, leaves no way to find the next frame, so the direction stops (`dns_tcp_gap_desync`).
 */
import type { DnsRecord } from '../../../records/schema.js';
import type { AppAnalyzerFactory, AppContext, StreamAnalyzer } from '../types.js';
import {
  HEADER_LEN, MAX_CONSECUTIVE_FAILURES, MAX_PENDING_QUERIES, MAX_TCP_FRAME, className, rcodeName, typeName,
} from './constants.js';
import { type DnsMessage, isDnsMessage, parseDnsMessage } from './message.js';
import { probeDns } from './probe.js';

/** A query waiting for its response. */
interface Pending {
  ts: number;
  msg: DnsMessage;
}

/** Reassembly state of one TCP direction. */
class TcpDirection {
  /** Bytes of a frame split across segments (length prefix included); allocated on first split. */
  buf: Uint8Array | null = null;
  /** Bytes held in `buf`. */
  have = 0;
  /** Bytes still to discard (the rest of a frame cut by a gap). */
  skip = 0;
  /** No way to find frame boundaries any more. */
  dead = false;
}

function sameQuestion(q: DnsMessage, r: DnsMessage): boolean {
  const a = q.questions[0];
  const b = r.questions[0];
  if (b === undefined) return true; // a response without question pairs on the id
  if (a === undefined) return false;
  return a.qtype === b.qtype && a.qclass === b.qclass && (a.name === b.name || a.name.toLowerCase() === b.name.toLowerCase());
}

/** Per-connection DNS analyzer. */
class DnsConnection implements StreamAnalyzer {
  done = false;
  private readonly pending: Pending[] = [];
  private readonly dirs: [TcpDirection, TcpDirection] | null;
  private reported: Set<string> | null = null;
  private failures = 0;

  constructor(private readonly ctx: AppContext) {
    this.dirs = ctx.proto === 'tcp' ? [new TcpDirection(), new TcpDirection()] : null;
  }

  data(isOrig: boolean, bytes: Uint8Array, ts: number): void {
    if (this.done) return;
    if (this.dirs === null) this.message(bytes, ts);
    else this.stream(this.dirs[isOrig ? 0 : 1], bytes, ts);
  }

  gap(isOrig: boolean, len: number, _ts: number): void {
    if (this.dirs === null || len <= 0) return;
    const d = this.dirs[isOrig ? 0 : 1];
    if (d.dead) return;
    if (d.skip > 0) {
      // Already discarding the rest of a frame: the gap eats into that first.
      if (len < d.skip) { d.skip -= len; return; }
      this.desync(d, len);
      return;
    }
    if (d.have >= 2) {
      const rest = 2 + ((d.buf![0]! << 8) | d.buf![1]!) - d.have;
      d.have = 0;
      if (len < rest) {
        d.skip = rest - len;
        this.weird('dns_tcp_gap', `${len} bytes lost inside a frame; frame dropped`);
        return;
      }
    }
    this.desync(d, len);
  }

  end(_ts: number): void {
    const p = this.pending;
    for (let i = 0; i < p.length; i++) this.emit(p[i]!.msg, p[i]!.ts, null, 0);
    p.length = 0;
  }

  private desync(d: TcpDirection, len: number): void {
    d.dead = true;
    d.have = 0;
    d.skip = 0;
    d.buf = null;
    this.weird('dns_tcp_gap_desync', `${len} bytes lost; frame boundaries unknown, direction ignored`);
    if (this.dirs![0].dead && this.dirs![1].dead) this.done = true;
  }

  /** TCP: split a direction's stream into frames. */
  private stream(d: TcpDirection, bytes: Uint8Array, ts: number): void {
    if (d.dead) return;
    const n = bytes.length;
    let off = 0;
    if (d.skip > 0) {
      off = Math.min(d.skip, n);
      d.skip -= off;
    }
    if (d.have > 0) {
      const buf = d.buf!;
      if (d.have < 2) {
        const k = Math.min(2 - d.have, n - off);
        buf.set(bytes.subarray(off, off + k), d.have);
        d.have += k;
        off += k;
        if (d.have < 2) return;
      }
      const total = 2 + ((buf[0]! << 8) | buf[1]!);
      const k = Math.min(total - d.have, n - off);
      buf.set(bytes.subarray(off, off + k), d.have);
      d.have += k;
      off += k;
      if (d.have < total) return;
      d.have = 0;
      this.frame(buf.subarray(2, total), ts);
      if (this.done || d.dead) return;
    }
    // Whole frames inside this segment (bounded: each turn consumes at least 2 bytes).
    while (off + 2 <= n) {
      const total = 2 + ((bytes[off]! << 8) | bytes[off + 1]!);
      if (off + total > n) break;
      this.frame(bytes.subarray(off + 2, off + total), ts);
      if (this.done || d.dead) return;
      off += total;
    }
    if (off < n) {
      // The start of a frame: at most 2 + 65535 bytes, so it always fits.
      d.buf ??= new Uint8Array(MAX_TCP_FRAME);
      d.buf.set(bytes.subarray(off), 0);
      d.have = n - off;
    }
  }

  private frame(m: Uint8Array, ts: number): void {
    if (m.length < HEADER_LEN) {
      this.weird('dns_tcp_len_too_short', `frame of ${m.length} bytes`);
      return;
    }
    this.message(m, ts);
  }

  /** One whole DNS message. */
  private message(m: Uint8Array, ts: number): void {
    const r = parseDnsMessage(m);
    if (!isDnsMessage(r)) {
      this.weird(r.weird, r.addl);
      if (++this.failures >= MAX_CONSECUTIVE_FAILURES) {
        this.weird('dns_not_dns', `${this.failures} unparseable messages in a row; analyzer stopped`);
        this.done = true;
      }
      return;
    }
    this.failures = 0;
    for (let i = 0; i < r.weirds.length; i++) this.weird(r.weirds[i]!.weird, r.weirds[i]!.addl);
    if (r.qdcount > 1) this.weird('dns_multiple_questions', `qdcount ${r.qdcount}; record for the first`);
    const p = this.pending;
    if (!r.qr) {
      for (let i = 0; i < p.length; i++) {
        if (p[i]!.msg.id === r.id && sameQuestion(p[i]!.msg, r)) return; // retransmission
      }
      if (p.length >= MAX_PENDING_QUERIES) {
        const old = p.shift()!;
        this.weird('dns_too_many_pending_queries', `more than ${MAX_PENDING_QUERIES} unanswered; oldest emitted`);
        this.emit(old.msg, old.ts, null, 0);
      }
      p.push({ ts, msg: r });
      return;
    }
    for (let i = 0; i < p.length; i++) {
      const q = p[i]!;
      if (q.msg.id === r.id && sameQuestion(q.msg, r)) {
        p.splice(i, 1);
        this.emit(q.msg, q.ts, r, ts);
        return;
      }
    }
    this.emit(r, ts, null, 0);
  }

  /**
   * Emits one record: `q` is the query (or a lone response) seen at `ts`; `resp`, when given, is
   * its response seen at `rts`.
   */
  private emit(q: DnsMessage, ts: number, resp: DnsMessage | null, rts: number): void {
    const ctx = this.ctx;
    const id = ctx.id;
    const flags = resp ?? q;
    const question = q.questions[0] ?? resp?.questions[0];
    const ans = resp ?? (q.qr ? q : null);
    const answers: string[] = [];
    const ttls: number[] = [];
    if (ans !== null) {
      for (let i = 0; i < ans.answers.length; i++) {
        answers.push(ans.answers[i]!.rdata);
        ttls.push(ans.answers[i]!.ttl);
      }
    }
    const rec: DnsRecord = {
      ts,
      uid: ctx.uid,
      orig_h: id.orig_h,
      orig_p: id.orig_p,
      resp_h: id.resp_h,
      resp_p: id.resp_p,
      proto: ctx.proto,
      trans_id: q.id,
      query: question?.name ?? '',
      AA: flags.aa,
      TC: flags.tc,
      RD: flags.rd,
      RA: flags.ra,
      Z: flags.z,
      answers,
      TTLs: ttls,
      rejected: ans !== null && ans.rcode !== 0 && ans.rcode !== 3,
    };
    if (resp !== null) rec.rtt = Math.max(0, rts - ts);
    if (question !== undefined) {
      rec.qclass = question.qclass;
      rec.qclass_name = className(question.qclass);
      rec.qtype = question.qtype;
      rec.qtype_name = typeName(question.qtype);
    }
    if (ans !== null) {
      rec.rcode = ans.rcode;
      rec.rcode_name = rcodeName(ans.rcode);
    }
    ctx.emit('dns', rec);
  }

  private weird(name: string, addl: string): void {
    const seen = (this.reported ??= new Set());
    if (seen.has(name)) return;
    seen.add(name);
    this.ctx.weird(name, addl);
  }
}

/** The DNS analyzer factory: service `dns`, over UDP and TCP. */
export const dnsAnalyzer: AppAnalyzerFactory = {
  service: 'dns',
  transports: ['udp', 'tcp'],
  probe(bytes, _isOrig, id, proto) {
    return probeDns(bytes, id, proto);
  },
  create(ctx) {
    return new DnsConnection(ctx);
  },
};
