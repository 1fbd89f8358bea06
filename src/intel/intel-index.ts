/**
 * The matching structures of all loaded feeds: exact addresses in a hash map (the records'
 * addresses are canonical text already), networks in one prefix trie per address family, domains
 * in a map probed with each parent of a name (the suffix walk), URLs by `host/path?query`,
 * JA3/JA4 and certificate SHA-1 by value. Built in one go from every feed's indicators and never
 * changed afterwards: a reload builds a new index and swaps it in (IntelHandle), so a failed
 * reload leaves the old one in force.
 */
import { ipWords } from '../detect/networks.js';
import { INDICATOR_TYPES, urlKey, type Indicator, type IndicatorType } from './indicator.js';
import { parseV4, PrefixTrie } from './ip-trie.js';

/** One indicator, or several when feeds (or one feed with different ports) list the same value. */
export type Entry = Indicator | Indicator[];

/** Calls `fn` for each indicator of an entry. */
export function forEachIndicator(e: Entry, fn: (i: Indicator) => void): void {
  if (Array.isArray(e)) for (const i of e) fn(i);
  else fn(e);
}

function put(m: Map<string, Entry>, k: string, i: Indicator): void {
  const e = m.get(k);
  if (e === undefined) m.set(k, i);
  else if (Array.isArray(e)) e.push(i);
  else m.set(k, [e, i]);
}

/**
 * A bit set over hashes, answering "certainly not present" with one memory read: most record
 * values are not listed, and a miss in a multi-megabyte hash map or trie costs several cache
 * misses, a miss here one.
 */
class BitFilter {
  readonly words: Uint32Array;
  constructor(readonly bits: number) {
    this.words = new Uint32Array(1 << (bits - 5));
  }
  /** Sets bit `i` (0 <= i < 2^bits). */
  set(i: number): void {
    this.words[i >>> 5]! |= 1 << (i & 31);
  }
  /** Sets bits [from, from + n). */
  setRange(from: number, n: number): void {
    let i = from;
    const end = from + n;
    while (i < end && (i & 31) !== 0) this.set(i++);
    while (i + 32 <= end) { this.words[i >>> 5] = 0xffffffff; i += 32; }
    while (i < end) this.set(i++);
  }
  has(i: number): boolean {
    return (this.words[i >>> 5]! & (1 << (i & 31))) !== 0;
  }
}

/** Bits of the IPv4 filters: exact addresses by hash, networks by /24 block (2 MB each). */
const V4_FILTER_BITS = 24;
/** Bits of the domain filter (512 KB). */
const NAME_FILTER_BITS = 22;

/** Hash of an IPv4 address for the exact-address filter. */
function v4Hash(a: number): number {
  return Math.imul(a, 0x9e3779b1) >>> (32 - V4_FILTER_BITS);
}

/** FNV-1a step, for the reverse (right to left) hash of names. */
function fnv(h: number, c: number): number {
  return Math.imul(h ^ c, 0x01000193);
}
const FNV_SEED = 0x811c9dc5;

/**
 * Where a name's bit is in the domain filter: the block (512 bits, one 64-byte cache line) is
 * chosen by the hash of the name's last two labels, the bit inside it by the hash of the whole
 * name. Every suffix of one name then falls in the same cache line: one memory miss per name.
 */
function nameBit(lastTwo: number, whole: number): number {
  return ((lastTwo >>> (32 - NAME_FILTER_BITS + 9)) << 9) | (whole >>> (32 - 9));
}

/** The filter position of a whole (lower-case) name, as the suffix walk computes it. */
function nameFilterBit(name: string): number {
  let h = FNV_SEED, dots = 0, lastTwo = 0;
  for (let j = name.length - 1; j >= 0; j--) {
    const c = name.charCodeAt(j);
    if (c === 46 && ++dots === 2) lastTwo = h;
    h = fnv(h, c);
  }
  return nameBit(dots >= 2 ? lastTwo : h, h);
}

/** Hash of a URL host for the URL-host filter. */
function hostHash(host: string): number {
  let h = FNV_SEED;
  for (let j = host.length - 1; j >= 0; j--) h = fnv(h, host.charCodeAt(j));
  return h >>> (32 - NAME_FILTER_BITS);
}

/** Names remembered as unlisted before the memo starts over (about 100 bytes each). */
const UNLISTED_CACHE_NAMES = 65_536;

/** Most labels looked at in one name (a name has at most 127). */
const MAX_LABELS = 128;
const suffixStarts = new Int32Array(MAX_LABELS);
const suffixUpper = new Uint8Array(MAX_LABELS);

/** Per-feed figures of an index. */
export interface IndexedFeed { name: string; indicators: number; counts: Partial<Record<IndicatorType, number>> }

/** The indicators of every loaded feed, indexed for matching; immutable once built. */
export class IntelIndex {
  private readonly ips = new Map<string, Entry>();
  private readonly v4 = new PrefixTrie<Indicator>(32);
  private readonly v6 = new PrefixTrie<Indicator>(128);
  private readonly domains = new Map<string, Entry>();
  private readonly urls = new Map<string, Entry>();
  private readonly ja3s = new Map<string, Entry>();
  private readonly ja4s = new Map<string, Entry>();
  private readonly certs = new Map<string, Entry>();
  private readonly v4Exact = new BitFilter(V4_FILTER_BITS);
  private readonly v4Nets = new BitFilter(V4_FILTER_BITS);
  private readonly names = new BitFilter(NAME_FILTER_BITS);
  private readonly urlHosts = new BitFilter(NAME_FILTER_BITS);
  /** Names recently found to have nothing listed (a memo; the index itself never changes). */
  private readonly unlisted = new Set<string>();
  /** Indicators by type (file hashes counted, not indexed). */
  readonly counts: Readonly<Record<IndicatorType, number>>;
  readonly feeds: readonly IndexedFeed[];
  /** Indicators in the index, all types. */
  readonly size: number;
  /** Epoch ms when built. */
  readonly builtAt = Date.now();

  private constructor(lists: Iterable<readonly Indicator[]>) {
    const counts = Object.fromEntries(INDICATOR_TYPES.map((t) => [t, 0])) as Record<IndicatorType, number>;
    const feeds = new Map<string, IndexedFeed>();
    let size = 0;
    const w1 = [0];
    for (const list of lists) {
      for (const i of list) {
        counts[i.type]++;
        size++;
        let f = feeds.get(i.feed);
        if (f === undefined) feeds.set(i.feed, (f = { name: i.feed, indicators: 0, counts: {} }));
        f.indicators++;
        f.counts[i.type] = (f.counts[i.type] ?? 0) + 1;
        switch (i.type) {
          case 'ip': {
            put(this.ips, i.value, i);
            const a = parseV4(i.value);
            if (a >= 0) this.v4Exact.set(v4Hash(a));
            break;
          }
          case 'cidr': {
            const slash = i.value.indexOf('/');
            const addr = i.value.slice(0, slash), len = Number(i.value.slice(slash + 1));
            const v4 = parseV4(addr);
            if (v4 >= 0 && !i.value.includes(':')) {
              w1[0] = v4;
              this.v4.insert(w1, len, i);
              const block = v4 >>> 8;
              if (len >= 24) this.v4Nets.set(block);
              else this.v4Nets.setRange(block, 2 ** (24 - len));
            }
            else {
              const w = ipWords(addr);
              if (w !== undefined) this.v6.insert(w, len, i);
            }
            break;
          }
          case 'domain': put(this.domains, i.value, i); this.names.set(nameFilterBit(i.value)); break;
          case 'url': {
            const k = urlKey(i.value);
            put(this.urls, k, i);
            const slash = k.indexOf('/');
            this.urlHosts.set(hostHash(slash < 0 ? k : k.slice(0, slash)));
            break;
          }
          case 'ja3': put(this.ja3s, i.value, i); break;
          case 'ja4': put(this.ja4s, i.value, i); break;
          case 'cert_sha1': put(this.certs, i.value, i); break;
          default: break; // file hashes: kept in counts only
        }
      }
    }
    this.counts = Object.freeze(counts);
    this.feeds = Object.freeze([...feeds.values()].sort((a, b) => a.name.localeCompare(b.name)));
    this.size = size;
  }

  /** A fresh index of these indicator lists (one per feed, typically). */
  static build(lists: Iterable<readonly Indicator[]>): IntelIndex {
    return new IntelIndex(lists);
  }

  /** An index with nothing in it. */
  static empty(): IntelIndex {
    return new IntelIndex([]);
  }

  /** True when some indicator of these types is loaded (lets callers skip work). */
  get hasAddresses(): boolean { return this.ips.size > 0 || this.v4.size > 0 || this.v6.size > 0; }
  get hasDomains(): boolean { return this.domains.size > 0; }
  get hasUrls(): boolean { return this.urls.size > 0; }
  get hasTlsFingerprints(): boolean { return this.ja3s.size > 0 || this.ja4s.size > 0 || this.certs.size > 0; }

  /** Indicators listing exactly this (canonical) address. */
  ip(addr: string): Entry | undefined {
    const a = parseV4(addr);
    if (a >= 0 && !this.v4Exact.has(v4Hash(a))) return undefined;
    return this.ips.get(addr);
  }

  /**
   * Both lookups of an address with one parse: returns the exact entry (or undefined) and pushes
   * the containing networks' indicators into `nets`.
   */
  address(addr: string, nets: Indicator[]): Entry | undefined {
    const a = parseV4(addr);
    if (a < 0) {
      this.networks(addr, nets);
      return this.ips.get(addr);
    }
    if (this.v4.size > 0 && this.v4Nets.has(a >>> 8)) {
      scratch1[0] = a;
      this.v4.lookup(scratch1, nets);
    }
    return this.v4Exact.has(v4Hash(a)) ? this.ips.get(addr) : undefined;
  }

  /** Pushes the network indicators containing the address into `out`; returns how many. */
  networks(addr: string, out: Indicator[]): number {
    if (this.v4.size > 0) {
      const v = parseV4(addr);
      if (v >= 0) {
        if (!this.v4Nets.has(v >>> 8)) return 0;
        scratch1[0] = v;
        return this.v4.lookup(scratch1, out);
      }
    }
    if (this.v6.size > 0 && addr.includes(':')) {
      const w = ipWords(addr);
      if (w !== undefined) return this.v6.lookup(w, out);
    }
    return 0;
  }

  /** Indicators listing exactly this (normalised) domain; parents are the caller's walk. */
  domain(name: string): Entry | undefined {
    return this.domains.get(name);
  }

  /**
   * The listed suffixes of a name: the name itself and each parent domain that is listed (not the
   * top-level label alone), longest first, into `entries`, with `exact[k]` true for the name
   * itself; returns how many. `name` has no trailing dot; upper case is folded on the fly. One
   * pass right to left hashes every suffix; only suffixes whose bit is in the filter are looked up.
   */
  listedSuffixes(name: string, entries: Entry[], exact: boolean[]): number {
    if (this.domains.size === 0) return 0;
    // Names repeat (the same server names and queries all day): remember the ones with nothing listed.
    if (this.unlisted.has(name)) return 0;
    let h = FNV_SEED, n = 0, dots = 0, lastTwo = 0, upper = false;
    for (let j = name.length - 1; j >= 0; j--) {
      let c = name.charCodeAt(j);
      if (c === 46) {
        // The suffix after this dot is complete; the first one from the right is the top-level label alone.
        if (++dots === 2) lastTwo = h;
        if (dots >= 2 && n < MAX_LABELS && this.names.has(nameBit(lastTwo, h))) { suffixStarts[n] = j + 1; suffixUpper[n++] = upper ? 1 : 0; }
      } else if (c >= 65 && c <= 90) {
        c += 32;
        upper = true;
      }
      h = fnv(h, c);
    }
    if (dots > 0 && n < MAX_LABELS && this.names.has(nameBit(dots >= 2 ? lastTwo : h, h))) { suffixStarts[n] = 0; suffixUpper[n++] = upper ? 1 : 0; }
    let found = 0;
    for (let k = n - 1; k >= 0; k--) {
      const start = suffixStarts[k]!;
      let key = start === 0 ? name : name.slice(start);
      if (suffixUpper[k] === 1) key = key.toLowerCase();
      const e = this.domains.get(key);
      if (e !== undefined) { entries[found] = e; exact[found] = start === 0; found++; }
    }
    if (found === 0) {
      if (this.unlisted.size >= UNLISTED_CACHE_NAMES) this.unlisted.clear();
      this.unlisted.add(name);
    }
    return found;
  }

  /** False when no listed URL has this host (`host[:port]`, lower case): the request needs no URL lookup. */
  readonly urlHostListed = (host: string): boolean => this.urls.size > 0 && this.urlHosts.has(hostHash(host));

  /** Indicators listing this URL key (`host[:port]/path[?query]`). */
  url(key: string): Entry | undefined {
    return this.urls.get(key);
  }
  ja3(h: string): Entry | undefined {
    return this.ja3s.get(h);
  }
  ja4(h: string): Entry | undefined {
    return this.ja4s.get(h);
  }
  cert(h: string): Entry | undefined {
    return this.certs.get(h);
  }
}

const scratch1 = [0];

/**
 * Holds the index in force. `replace` swaps in a fully built index in one assignment, so readers
 * see the old index or the new one, never a half-built one.
 */
export class IntelHandle {
  private cur: IntelIndex;
  constructor(initial: IntelIndex = IntelIndex.empty()) {
    this.cur = initial;
  }
  /** The index in force. */
  get index(): IntelIndex {
    return this.cur;
  }
  /** Swaps in a new index; returns the old one. */
  replace(next: IntelIndex): IntelIndex {
    const old = this.cur;
    this.cur = next;
    return old;
  }
  /** Builds an index with `build` and swaps it in only if that succeeds; on error the old one stays and the error is rethrown. */
  async reload(build: () => Promise<IntelIndex> | IntelIndex): Promise<IntelIndex> {
    const next = await build();
    this.replace(next);
    return next;
  }
}
