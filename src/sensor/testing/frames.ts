/**
 * Test support: build Ethernet/IPv4/IPv6 + TCP/UDP frames byte by byte, so sensor tests need no
 * files from outside the project. Checksums are left zero (the sensor does not verify them).
 */
export interface TcpSpec {
  src: string; dst: string; sport: number; dport: number;
  flags: string; // letters: S A F R P
  seq?: number; ack?: number; win?: number; payload?: Uint8Array | string;
}

export const SYN = 'S', ACK = 'A', FIN = 'F', RST = 'R', PSH = 'P';

function flagBits(f: string): number {
  let b = 0;
  if (f.includes('F')) b |= 1;
  if (f.includes('S')) b |= 2;
  if (f.includes('R')) b |= 4;
  if (f.includes('P')) b |= 8;
  if (f.includes('A')) b |= 16;
  return b;
}

function v4(a: string): number[] {
  return a.split('.').map(Number);
}

function v6(a: string): number[] {
  const [head, tail] = a.includes('::') ? a.split('::') as [string, string] : [a, ''];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...new Array(8 - h.length - t.length).fill('0'), ...t].map((g) => parseInt(g, 16));
  return groups.flatMap((g) => [g >> 8, g & 255]);
}

function bytesOf(p: Uint8Array | string | undefined): Uint8Array {
  if (p === undefined) return new Uint8Array(0);
  return typeof p === 'string' ? new TextEncoder().encode(p) : p;
}

/** An IP packet (no link layer) carrying the given transport header + payload. */
export function ipPacket(src: string, dst: string, proto: number, l4: Uint8Array, opts: { id?: number; fragOffset?: number; more?: boolean } = {}): Uint8Array {
  if (src.includes(':')) {
    const out = new Uint8Array(40 + l4.length);
    out[0] = 0x60;
    out[4] = l4.length >> 8; out[5] = l4.length & 255;
    out[6] = proto; out[7] = 64;
    out.set(v6(src), 8); out.set(v6(dst), 24); out.set(l4, 40);
    return out;
  }
  const out = new Uint8Array(20 + l4.length);
  out[0] = 0x45;
  const total = out.length;
  out[2] = total >> 8; out[3] = total & 255;
  const id = opts.id ?? 1;
  out[4] = id >> 8; out[5] = id & 255;
  const fo = ((opts.fragOffset ?? 0) / 8) | (opts.more ? 0x2000 : 0);
  out[6] = fo >> 8; out[7] = fo & 255;
  out[8] = 64; out[9] = proto;
  out.set(v4(src), 12); out.set(v4(dst), 16); out.set(l4, 20);
  return out;
}

export function tcpSegment(s: TcpSpec): Uint8Array {
  const pay = bytesOf(s.payload);
  const h = new Uint8Array(20 + pay.length);
  const dv = new DataView(h.buffer);
  dv.setUint16(0, s.sport); dv.setUint16(2, s.dport);
  dv.setUint32(4, (s.seq ?? 0) >>> 0); dv.setUint32(8, (s.ack ?? 0) >>> 0);
  h[12] = 5 << 4; h[13] = flagBits(s.flags);
  dv.setUint16(14, s.win ?? 65535);
  h.set(pay, 20);
  return h;
}

export function udpDatagram(sport: number, dport: number, payload: Uint8Array | string): Uint8Array {
  const pay = bytesOf(payload);
  const h = new Uint8Array(8 + pay.length);
  const dv = new DataView(h.buffer);
  dv.setUint16(0, sport); dv.setUint16(2, dport); dv.setUint16(4, h.length);
  h.set(pay, 8);
  return h;
}

/** Ethernet II frame around an IP packet (optionally VLAN-tagged, several tags for QinQ). */
export function ethernet(ip: Uint8Array, vlans: number[] = []): Uint8Array {
  const out = new Uint8Array(14 + 4 * vlans.length + ip.length);
  out.set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 0);
  let o = 12;
  for (let i = 0; i < vlans.length; i++) {
    const tpid = i === 0 && vlans.length > 1 ? 0x88a8 : 0x8100;
    out[o] = tpid >> 8; out[o + 1] = tpid & 255;
    out[o + 2] = vlans[i]! >> 8; out[o + 3] = vlans[i]! & 255;
    o += 4;
  }
  const et = (ip[0]! >> 4) === 6 ? 0x86dd : 0x0800;
  out[o] = et >> 8; out[o + 1] = et & 255;
  out.set(ip, o + 2);
  return out;
}

export function tcpFrame(s: TcpSpec): Uint8Array {
  return ethernet(ipPacket(s.src, s.dst, 6, tcpSegment(s)));
}

export function udpFrame(src: string, dst: string, sport: number, dport: number, payload: Uint8Array | string): Uint8Array {
  return ethernet(ipPacket(src, dst, 17, udpDatagram(sport, dport, payload)));
}

/** A classic pcap file (microseconds, little-endian) of frames with the given link type. */
export function pcapFile(frames: { ts: number; data: Uint8Array }[], linktype = 1): Uint8Array {
  const size = 24 + frames.reduce((n, f) => n + 16 + f.data.length, 0);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0xa1b2c3d4, true);
  dv.setUint16(4, 2, true); dv.setUint16(6, 4, true);
  dv.setUint32(16, 262144, true); dv.setUint32(20, linktype, true);
  let o = 24;
  for (const f of frames) {
    const sec = Math.floor(f.ts);
    dv.setUint32(o, sec, true);
    dv.setUint32(o + 4, Math.round((f.ts - sec) * 1e6), true);
    dv.setUint32(o + 8, f.data.length, true);
    dv.setUint32(o + 12, f.data.length, true);
    out.set(f.data, o + 16);
    o += 16 + f.data.length;
  }
  return out;
}

/** A complete TCP conversation: handshake, one request and response, FIN teardown. */
export function tcpConversation(c: string, s: string, cport: number, sport: number, t0: number, req: string, resp: string): { ts: number; data: Uint8Array }[] {
  const ci = 1000, si = 5000;
  const out: { ts: number; data: Uint8Array }[] = [];
  const push = (dt: number, spec: TcpSpec) => out.push({ ts: t0 + dt, data: tcpFrame(spec) });
  const C = { src: c, dst: s, sport: cport, dport: sport };
  const S = { src: s, dst: c, sport, dport: cport };
  push(0, { ...C, flags: 'S', seq: ci });
  push(0.01, { ...S, flags: 'SA', seq: si, ack: ci + 1 });
  push(0.02, { ...C, flags: 'A', seq: ci + 1, ack: si + 1 });
  push(0.03, { ...C, flags: 'PA', seq: ci + 1, ack: si + 1, payload: req });
  push(0.05, { ...S, flags: 'PA', seq: si + 1, ack: ci + 1 + req.length, payload: resp });
  push(0.06, { ...C, flags: 'FA', seq: ci + 1 + req.length, ack: si + 1 + resp.length });
  push(0.07, { ...S, flags: 'FA', seq: si + 1 + resp.length, ack: ci + 2 + req.length });
  push(0.08, { ...C, flags: 'A', seq: ci + 2 + req.length, ack: si + 2 + resp.length });
  return out;
}
