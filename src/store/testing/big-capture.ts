/**
 * Test support: a large capture written fast, byte by byte (no per-packet objects): `flows`
 * one-packet UDP flows from 10.x hosts to distinct external addresses, 1 ms apart. Each flow
 * becomes one conn record once it times out (so records flow out while the file is read).
 */
import { openSync, writeSync, closeSync } from 'node:fs';

/** Payload bytes of each generated UDP packet. */
const PAYLOAD = 12;
/** Bytes of one pcap record: header, Ethernet, IPv4, UDP, payload. */
const RECORD = 16 + 14 + 20 + 8 + PAYLOAD;
/** Packets buffered before a write. */
const BATCH = 16384;

/** Write `flows` one-packet UDP flows starting at epoch second `t0`; returns the file size. */
export function writeBigCapture(path: string, flows: number, t0 = 1714521600): number {
  const fd = openSync(path, 'w');
  try {
    const head = Buffer.alloc(24);
    head.writeUInt32LE(0xa1b2c3d4, 0); head.writeUInt16LE(2, 4); head.writeUInt16LE(4, 6);
    head.writeUInt32LE(65535, 16); head.writeUInt32LE(1, 20);
    writeSync(fd, head);
    let size = 24;
    const buf = Buffer.alloc(BATCH * RECORD);
    for (let base = 0; base < flows; base += BATCH) {
      const n = Math.min(BATCH, flows - base);
      for (let k = 0; k < n; k++) {
        const i = base + k;
        const o = k * RECORD;
        const us = i * 1000;
        buf.writeUInt32LE(t0 + Math.floor(us / 1e6), o);
        buf.writeUInt32LE(us % 1e6, o + 4);
        buf.writeUInt32LE(RECORD - 16, o + 8);
        buf.writeUInt32LE(RECORD - 16, o + 12);
        const e = o + 16;
        buf.fill(0, e, e + 12);
        buf[e + 12] = 0x08; buf[e + 13] = 0x00;
        const ip = e + 14;
        buf[ip] = 0x45; buf[ip + 1] = 0;
        buf.writeUInt16BE(20 + 8 + PAYLOAD, ip + 2);
        buf.writeUInt16BE(i & 0xffff, ip + 4);
        buf.writeUInt16BE(0, ip + 6);
        buf[ip + 8] = 64; buf[ip + 9] = 17;
        buf.writeUInt16BE(0, ip + 10);
        buf[ip + 12] = 10; buf[ip + 13] = (i >> 16) & 255; buf[ip + 14] = (i >> 8) & 255; buf[ip + 15] = (i % 250) + 1;
        buf[ip + 16] = 198; buf[ip + 17] = 51; buf[ip + 18] = (i >> 8) & 255; buf[ip + 19] = i & 255;
        const udp = ip + 20;
        buf.writeUInt16BE(10000 + (i % 50000), udp);
        buf.writeUInt16BE(9000 + (i % 7), udp + 2);
        buf.writeUInt16BE(8 + PAYLOAD, udp + 4);
        buf.writeUInt16BE(0, udp + 6);
        buf.fill(0x41, udp + 8, udp + 8 + PAYLOAD);
      }
      writeSync(fd, buf, 0, n * RECORD);
      size += n * RECORD;
    }
    return size;
  } finally {
    closeSync(fd);
  }
}
