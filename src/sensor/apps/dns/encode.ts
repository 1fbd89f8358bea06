/**
 * A small DNS message encoder (no compression) for tests and for generating traffic. Names are
 * dotted text split on `.` (no escapes); rdata is given as bytes, built with the `rdata` helpers.
 */

/** Header flags; every field defaults to 0/false. `z` is the 3-bit Z/AD/CD field. */
export interface DnsFlagsSpec {
  qr?: boolean;
  opcode?: number;
  aa?: boolean;
  tc?: boolean;
  rd?: boolean;
  ra?: boolean;
  z?: number;
  rcode?: number;
}

/** One resource record to encode. */
export interface DnsRRSpec {
  name: string;
  type: number;
  /** Default 1 (IN). */
  class?: number;
  /** Default 300 seconds. */
  ttl?: number;
  rdata: Uint8Array;
}

/** A message to encode. Counts are taken from the arrays unless overridden. */
export interface DnsMessageSpec {
  id: number;
  flags?: DnsFlagsSpec;
  questions?: { name: string; qtype: number; qclass?: number }[];
  answers?: DnsRRSpec[];
  authority?: DnsRRSpec[];
  additional?: DnsRRSpec[];
  /** Header counts to write instead of the real ones (to build malformed messages). */
  counts?: { qd?: number; an?: number; ns?: number; ar?: number };
}

/** Header flags word of `f`. */
export function encodeFlags(f: DnsFlagsSpec = {}): number {
  return (
    (f.qr ? 0x8000 : 0) | ((f.opcode ?? 0) & 0xf) << 11 | (f.aa ? 0x400 : 0) | (f.tc ? 0x200 : 0) |
    (f.rd ? 0x100 : 0) | (f.ra ? 0x80 : 0) | ((f.z ?? 0) & 7) << 4 | ((f.rcode ?? 0) & 0xf)
  );
}

/** Wire form of a dotted name ('' or '.' is the root). */
export function encodeName(name: string): Uint8Array {
  const labels = name === '' || name === '.' ? [] : name.replace(/\.$/, '').split('.');
  const out: number[] = [];
  for (const l of labels) {
    const b = Buffer.from(l, 'latin1');
    out.push(b.length, ...b);
  }
  out.push(0);
  return Uint8Array.from(out);
}

function u16(v: number): number[] {
  return [(v >> 8) & 0xff, v & 0xff];
}

function u32(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

function rr(r: DnsRRSpec): number[] {
  return [...encodeName(r.name), ...u16(r.type), ...u16(r.class ?? 1), ...u32(r.ttl ?? 300), ...u16(r.rdata.length), ...r.rdata];
}

/** Wire form of a message. */
export function encodeDnsMessage(s: DnsMessageSpec): Uint8Array {
  const q = s.questions ?? [];
  const an = s.answers ?? [];
  const ns = s.authority ?? [];
  const ar = s.additional ?? [];
  const out: number[] = [
    ...u16(s.id), ...u16(encodeFlags(s.flags)),
    ...u16(s.counts?.qd ?? q.length), ...u16(s.counts?.an ?? an.length),
    ...u16(s.counts?.ns ?? ns.length), ...u16(s.counts?.ar ?? ar.length),
  ];
  for (const x of q) out.push(...encodeName(x.name), ...u16(x.qtype), ...u16(x.qclass ?? 1));
  for (const r of [...an, ...ns, ...ar]) out.push(...rr(r));
  return Uint8Array.from(out);
}

/** Builders of rdata bytes. */
export const rdata = {
  /** A: dotted quad. */
  a(ip: string): Uint8Array {
    return Uint8Array.from(ip.split('.').map(Number));
  },
  /** AAAA from 8 groups given as numbers. */
  aaaa(groups: readonly number[]): Uint8Array {
    return Uint8Array.from(groups.flatMap(u16));
  },
  /** CNAME, NS, PTR, DNAME. */
  name(n: string): Uint8Array {
    return encodeName(n);
  },
  /** MX: preference and exchange. */
  mx(pref: number, exchange: string): Uint8Array {
    return Uint8Array.from([...u16(pref), ...encodeName(exchange)]);
  },
  /** TXT from strings (latin1, each at most 255 bytes). */
  txt(...strings: string[]): Uint8Array {
    return Uint8Array.from(strings.flatMap((t) => { const b = Buffer.from(t, 'latin1'); return [b.length, ...b]; }));
  },
  /** SOA: primary server, mailbox, then the five counters. */
  soa(mname: string, rname: string, serial = 1, refresh = 3600, retry = 600, expire = 86400, minimum = 60): Uint8Array {
    return Uint8Array.from([
      ...encodeName(mname), ...encodeName(rname), ...u32(serial), ...u32(refresh), ...u32(retry), ...u32(expire), ...u32(minimum),
    ]);
  },
  /** SRV: priority, weight, port, target. */
  srv(priority: number, weight: number, port: number, target: string): Uint8Array {
    return Uint8Array.from([...u16(priority), ...u16(weight), ...u16(port), ...encodeName(target)]);
  },
  /** SVCB/HTTPS without parameters. */
  svcb(priority: number, target: string): Uint8Array {
    return Uint8Array.from([...u16(priority), ...encodeName(target)]);
  },
};
