/**
 * Which addresses are internal. Default: RFC 1918, RFC 6598 shared space is NOT included (it is
 * the carrier's side), IPv6 unique local (fc00::/7) and link-local; configurable.
 */
export const DEFAULT_INTERNAL_NETS: readonly string[] = Object.freeze([
  '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7', 'fe80::/10',
]);

interface Net { v6: boolean; words: number[]; bits: number }

function parseV4(s: string): number | undefined {
  const p = s.split('.');
  if (p.length !== 4) return undefined;
  let v = 0;
  for (const x of p) {
    if (!/^\d{1,3}$/.test(x) || Number(x) > 255) return undefined;
    v = v * 256 + Number(x);
  }
  return v;
}

/** An address as four 32-bit words (IPv4 as ::ffff:a.b.c.d), or undefined when not an address. */
export function ipWords(s: string): number[] | undefined {
  if (!s.includes(':')) {
    const v = parseV4(s);
    return v === undefined ? undefined : [0, 0, 0xffff, v];
  }
  const [head, tail, extra] = s.split('::');
  if (extra !== undefined) return undefined;
  const hp = head ? head.split(':') : [];
  const tp = tail !== undefined ? (tail ? tail.split(':') : []) : [];
  const groups: number[] = [];
  const conv = (xs: string[]): boolean => {
    for (const x of xs) {
      if (x.includes('.')) {
        const v = parseV4(x);
        if (v === undefined) return false;
        groups.push(v >>> 16, v & 0xffff);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(x)) return false;
        groups.push(parseInt(x, 16));
      }
    }
    return true;
  };
  const before: number[] = [];
  if (!conv(hp)) return undefined;
  before.push(...groups.splice(0));
  if (!conv(tp)) return undefined;
  const after = groups;
  const fill = tail !== undefined ? 8 - before.length - after.length : 0;
  if (fill < 0 || (tail === undefined && before.length !== 8)) return undefined;
  const g = [...before, ...new Array(fill).fill(0), ...after];
  return [0, 1, 2, 3].map((i) => ((g[2 * i]! << 16) | g[2 * i + 1]!) >>> 0);
}

export function parseCidr(c: string): Net {
  const [a, b] = c.split('/');
  const w = ipWords(a ?? '');
  if (w === undefined) throw new Error(`Cannot parse network '${c}': not an address`);
  const v6 = (a ?? '').includes(':');
  const max = v6 ? 128 : 32;
  const bits = b === undefined ? max : Number(b);
  if (!Number.isInteger(bits) || bits < 0 || bits > max) throw new Error(`Cannot parse network '${c}': prefix length must be 0..${max}`);
  return { v6, words: w, bits: v6 ? bits : bits + 96 };
}

function inNet(w: number[], n: Net): boolean {
  let bits = n.bits;
  for (let i = 0; i < 4 && bits > 0; i++) {
    const take = Math.min(32, bits);
    const mask = take === 32 ? 0xffffffff : ((0xffffffff << (32 - take)) >>> 0);
    if (((w[i]! & mask) >>> 0) !== ((n.words[i]! & mask) >>> 0)) return false;
    bits -= take;
  }
  return true;
}

export class Networks {
  private readonly nets: Net[];
  private readonly cache = new Map<string, boolean>();
  constructor(cidrs: readonly string[] = DEFAULT_INTERNAL_NETS) {
    this.nets = cidrs.map(parseCidr);
  }
  /** True when the address is inside one of the networks. */
  contains(ip: string): boolean {
    let r = this.cache.get(ip);
    if (r === undefined) {
      const w = ipWords(ip);
      r = w !== undefined && this.nets.some((n) => inNet(w, n));
      if (this.cache.size < 1_000_000) this.cache.set(ip, r);
    }
    return r;
  }
}
