/**
 * The matching structures of all loaded feeds, compact: a million indicators are a few dozen
 * typed arrays outside the JavaScript heap, not a million objects the garbage collector has to
 * mark on every major collection during ingest (which made matching cost more the bigger the
 * index).
 *
 * - Every indicator of a matched type gets an id (load order). Its value is kept in one byte array
 *   (TextStore); its metadata in parallel columns by id: type, feed (interned), confidence, tag
 *   set (interned), family (interned), port, first/last seen, expiry, and reference, description,
 *   condition (in a second TextStore); a column that no indicator uses is not allocated.
 * - IPv4 addresses: an open-addressing table from the address (uint32) to the first id listing
 *   it. Other addresses (IPv6, canonical text as the records have it): a table from the text's
 *   hash, confirmed by comparing the stored text.
 * - Networks: one prefix trie per address family (ip-trie.ts), values are ids.
 * - Domains, URLs (`host[:port]/path?query`), JA3, JA4, certificate SHA-1: tables from the
 *   right-to-left FNV-1a hash of the text to the first id, confirmed by comparing the stored text.
 *   Hashing names right to left makes every parent domain's hash a step of one walk over the name.
 * - Several indicators with one key (feeds listing the same value) are chained by id (`next`).
 * - Bit filters in front answer most misses without touching the tables: IPv4 by /16 block (8 KB,
 *   in cache) then by /24 block, IPv6 networks by the first 16 bits, names by the hash of their last
 *   two labels (8 KB: most names are rejected after reading those) then by one cache line per name.
 *
 * Indicator objects are made only for hits (`Match.indicator`), once per id (cached: the same
 * object on every hit, which the findings' aggregation relies on).
 *
 * Built in one go from every feed's indicators and never changed afterwards: a reload builds a new
 * index and swaps it in (IntelHandle), so a failed reload leaves the old one in force.
 */
import { INDICATOR_TYPES, MATCHED_TYPES, type Indicator, type IndicatorType } from './indicator.js';
import { BitFilter, FNV_SEED, fnv, Interner, PairTable, TextStore, textHash } from './compact.js';
import { parseV4, parseV6, PrefixTrie } from './ip-trie.js';

/** One indicator, or several when feeds (or one feed with different ports) list the same value. */
export type Entry = Indicator | Indicator[];

/** Calls `fn` for each indicator of an entry. */
export function forEachIndicator(e: Entry, fn: (i: Indicator) => void): void {
  if (Array.isArray(e)) for (const i of e) fn(i);
  else fn(e);
}

/** Bits of the IPv4 filters, one bit per /24 block (2 MB each): anything listed in the block; a network covers the block. */
const V4_FILTER_BITS = 24;
/** Bits of the first-level IPv4 filter, one bit per /16 block (8 KB, stays in cache): anything listed in it. */
const V4_TOP_BITS = 16;
/** Bits of the IPv6 network filter: the address's first 16 bits (8 KB). */
const V6_FILTER_BITS = 16;
/** Bits of the domain filter (512 KB) and of the URL-host filter (512 KB). */
const NAME_FILTER_BITS = 22;
/** Bits of the first-level domain filter, by the hash of a name's last two labels (8 KB, stays in cache). */
const NAME_TOP_BITS = 16;

/**
 * Where a name's bit is in the domain filter: the block (512 bits, one 64-byte cache line) is
 * chosen by the hash of the name's last two labels, the bit inside it by the hash of the whole
 * name. Every suffix of one name then falls in the same cache line: one memory miss per name.
 */
function nameBit(lastTwo: number, whole: number): number {
  return ((lastTwo >>> (32 - NAME_FILTER_BITS + 9)) << 9) | (whole >>> (32 - 9));
}

/** The filter positions of a whole (lower-case) name, as the suffix walk computes them: [domain filter, first-level filter]. */
function nameFilterBits(name: string): [number, number] {
  let h = FNV_SEED, dots = 0, lastTwo = 0;
  for (let j = name.length - 1; j >= 0; j--) {
    const c = name.charCodeAt(j);
    if (c === 46 && ++dots === 2) lastTwo = h;
    h = fnv(h, c);
  }
  const two = dots >= 2 ? lastTwo : h;
  return [nameBit(two, h), two >>> (32 - NAME_TOP_BITS)];
}

/** Hash of a URL host for the URL-host filter. */
function hostHash(host: string): number {
  return textHash(host) >>> (32 - NAME_FILTER_BITS);
}

/** Names remembered as unlisted before the memo starts over (about 100 bytes each). */
const UNLISTED_CACHE_NAMES = 65_536;

/** Most labels looked at in one name (a name has at most 127). */
const MAX_LABELS = 128;
const suffixStarts = new Int32Array(MAX_LABELS);
const suffixHashes = new Int32Array(MAX_LABELS);
/** Scratch of the trie lookups (ids) and of address parsing. */
const idScratch: number[] = [];
const v4Words = [0];
const v6Words = new Uint32Array(4);

const TYPE_CODE = new Map<IndicatorType, number>(INDICATOR_TYPES.map((t, k) => [t, k]));

/** A column of optional numbers by id, allocated when the first value arrives. */
function floatColumn(col: Float64Array | undefined, n: number, id: number, v: number | undefined): Float64Array | undefined {
  if (v === undefined) return col;
  const c = col ?? new Float64Array(n).fill(NaN);
  c[id] = v;
  return c;
}

/** A column of optional non-negative integers by id (-1: none), allocated when the first value arrives. */
function intColumn(col: Int32Array | undefined, n: number, id: number, v: number | undefined): Int32Array | undefined {
  if (v === undefined) return col;
  const c = col ?? new Int32Array(n).fill(-1);
  c[id] = v;
  return c;
}

function sameTags(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

/** Per-feed figures of an index. */
export interface IndexedFeed { name: string; indicators: number; counts: Partial<Record<IndicatorType, number>> }

/** The indicators of every loaded feed, indexed for matching; immutable once built. */
export class IntelIndex {
  // ---- Indicator columns, by id ----
  /** Values (entry id = indicator id). */
  private readonly text = new TextStore();
  private readonly type: Uint8Array;
  private readonly feed: Int32Array;
  private readonly confidence: Uint8Array;
  /** Confidences that are not integers 0..255 (never from the parsers; kept exact anyway). */
  private readonly oddConfidence = new Map<number, number>();
  private readonly tagSet: Int32Array | undefined;
  private readonly family: Int32Array | undefined;
  private readonly port: Int32Array | undefined;
  private readonly firstSeen: Float64Array | undefined;
  private readonly lastSeen: Float64Array | undefined;
  private readonly expires: Float64Array | undefined;
  /** Ids into `notes`. */
  private readonly reference: Int32Array | undefined;
  private readonly description: Int32Array | undefined;
  private readonly condition: Int32Array | undefined;
  private readonly notes = new TextStore();
  private readonly feedNames = new Interner<string>();
  private readonly families = new Interner<string>();
  private readonly tagSets = new Interner<readonly string[]>();
  /** Next id with the same key (-1: last). */
  private readonly next: Int32Array;
  /** Indicator objects made for hits, by id. */
  private readonly made = new Map<number, Indicator>();

  // ---- Matching structures (values: id + 1) ----
  private readonly v4ips: PairTable;
  private readonly otherIps: PairTable;
  private readonly v4 = new PrefixTrie<number>(32);
  private readonly v6 = new PrefixTrie<number>(128);
  private readonly domains: PairTable;
  private readonly urls: PairTable;
  private readonly ja3s: PairTable;
  private readonly ja4s: PairTable;
  private readonly certs: PairTable;
  /** /16 blocks with a listed address or inside a listed network (small: answers most addresses from cache). */
  private readonly v4Top = new BitFilter(V4_TOP_BITS);
  /** /24 blocks with a listed address or inside a listed network. */
  private readonly v4Blocks = new BitFilter(V4_FILTER_BITS);
  /** /24 blocks inside (or holding) a listed network: only these walk the trie. */
  private readonly v4Nets = new BitFilter(V4_FILTER_BITS);
  private readonly v6Nets = new BitFilter(V6_FILTER_BITS);
  private readonly names = new BitFilter(NAME_FILTER_BITS);
  /** Last-two-label hashes of listed names (a name whose last two labels are not here has no listed suffix). */
  private readonly nameTop = new BitFilter(NAME_TOP_BITS);
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

  private constructor(input: Iterable<readonly Indicator[]>) {
    const lists = [...input];
    const counts = Object.fromEntries(INDICATOR_TYPES.map((t) => [t, 0])) as Record<IndicatorType, number>;
    const feeds = new Map<string, IndexedFeed>();
    // First pass: counts, which size the columns and tables.
    let size = 0, n = 0, v4n = 0;
    for (const list of lists) {
      for (const i of list) {
        counts[i.type]++;
        size++;
        let f = feeds.get(i.feed);
        if (f === undefined) feeds.set(i.feed, (f = { name: i.feed, indicators: 0, counts: {} }));
        f.indicators++;
        f.counts[i.type] = (f.counts[i.type] ?? 0) + 1;
        if (MATCHED_TYPES.has(i.type)) n++;
        if (i.type === 'ip' && parseV4(i.value) >= 0) v4n++;
      }
    }
    this.counts = Object.freeze(counts);
    this.feeds = Object.freeze([...feeds.values()].sort((a, b) => a.name.localeCompare(b.name)));
    this.size = size;

    this.type = new Uint8Array(n);
    this.feed = new Int32Array(n);
    this.confidence = new Uint8Array(n);
    this.next = new Int32Array(n).fill(-1);
    this.v4ips = new PairTable(v4n);
    this.otherIps = new PairTable(counts.ip - v4n);
    this.domains = new PairTable(counts.domain);
    this.urls = new PairTable(counts.url);
    this.ja3s = new PairTable(counts.ja3);
    this.ja4s = new PairTable(counts.ja4);
    this.certs = new PairTable(counts.cert_sha1);
    /** Last id of each key's chain, by its first id (build only). */
    const tail = new Int32Array(n);
    let tagSet: Int32Array | undefined, family: Int32Array | undefined, port: Int32Array | undefined;
    let firstSeen: Float64Array | undefined, lastSeen: Float64Array | undefined, expires: Float64Array | undefined;
    let reference: Int32Array | undefined, description: Int32Array | undefined, condition: Int32Array | undefined;
    this.tagSets.id('', []);

    let id = 0;
    for (const list of lists) {
      for (const i of list) {
        if (!MATCHED_TYPES.has(i.type)) continue; // file hashes: kept in counts only
        const v = i.value;
        this.text.add(v);
        this.type[id] = TYPE_CODE.get(i.type)!;
        this.feed[id] = this.feedNames.id(i.feed, i.feed);
        const c = i.confidence;
        if (Number.isInteger(c) && c >= 0 && c <= 255) this.confidence[id] = c;
        else this.oddConfidence.set(id, c);
        if (i.tags.length > 0) {
          (tagSet ??= new Int32Array(n))[id] = this.tagSets.id(i.tags.length === 1 ? i.tags[0]! : i.tags.join('\x00'), i.tags, sameTags, (t) => [...t]);
        }
        if (i.family !== undefined) family = intColumn(family, n, id, this.families.id(i.family, i.family));
        port = intColumn(port, n, id, i.port);
        firstSeen = floatColumn(firstSeen, n, id, i.first_seen);
        lastSeen = floatColumn(lastSeen, n, id, i.last_seen);
        expires = floatColumn(expires, n, id, i.expires);
        if (i.reference !== undefined) reference = intColumn(reference, n, id, this.notes.add(i.reference));
        if (i.description !== undefined) description = intColumn(description, n, id, this.notes.add(i.description));
        if (i.condition !== undefined) condition = intColumn(condition, n, id, this.notes.add(i.condition));

        switch (i.type) {
          case 'ip': {
            const a = parseV4(v);
            if (a >= 0) {
              this.putV4(a, id, tail);
              this.v4Blocks.set(a >>> 8);
              this.v4Top.set(a >>> 16);
            } else this.putText(this.otherIps, textHash(v), id, v, 0, v.length, false, tail);
            break;
          }
          case 'cidr': {
            const slash = v.indexOf('/');
            const addr = v.slice(0, slash), len = Number(v.slice(slash + 1));
            const a = parseV4(addr);
            if (a >= 0 && len >= 0 && len <= 32) {
              v4Words[0] = a;
              this.v4.insert(v4Words, len, id);
              for (const f of [this.v4Nets, this.v4Blocks]) {
                if (len >= 24) f.set(a >>> 8);
                else f.setRange((a >>> 8) & ~(2 ** (24 - len) - 1), 2 ** (24 - len));
              }
              if (len >= 16) this.v4Top.set(a >>> 16);
              else this.v4Top.setRange((a >>> 16) & ~(2 ** (16 - len) - 1), 2 ** (16 - len));
            } else if (parseV6(addr, v6Words) && len >= 0 && len <= 128) {
              this.v6.insert(v6Words, len, id);
              const top = v6Words[0]! >>> 16;
              if (len >= V6_FILTER_BITS) this.v6Nets.set(top);
              else this.v6Nets.setRange(top & ~(2 ** (V6_FILTER_BITS - len) - 1), 2 ** (V6_FILTER_BITS - len));
            }
            break;
          }
          case 'domain':
            this.putText(this.domains, textHash(v), id, v, 0, v.length, false, tail);
            {
              const [bit, top] = nameFilterBits(v);
              this.names.set(bit);
              this.nameTop.set(top);
            }
            break;
          case 'url': {
            const s = v.indexOf('://');
            const k = s < 0 ? 0 : s + 3;
            this.putText(this.urls, textHash(v, k), id, v, k, v.length, true, tail);
            const slash = v.indexOf('/', k);
            this.urlHosts.set(hostHash(slash < 0 ? v.slice(k) : v.slice(k, slash)));
            break;
          }
          case 'ja3': this.putText(this.ja3s, textHash(v), id, v, 0, v.length, false, tail); break;
          case 'ja4': this.putText(this.ja4s, textHash(v), id, v, 0, v.length, false, tail); break;
          case 'cert_sha1': this.putText(this.certs, textHash(v), id, v, 0, v.length, false, tail); break;
          default: break;
        }
        id++;
      }
    }
    this.text.trim();
    this.notes.trim();
    this.v4.trim();
    this.v6.trim();
    this.tagSet = tagSet;
    this.family = family;
    this.port = port;
    this.firstSeen = firstSeen;
    this.lastSeen = lastSeen;
    this.expires = expires;
    this.reference = reference;
    this.description = description;
    this.condition = condition;
  }

  /** Adds id to the chain of IPv4 address `a`. */
  private putV4(a: number, id: number, tail: Int32Array): void {
    const t = this.v4ips, p = t.pairs;
    for (let s = t.slot(a); ; s = t.next(s)) {
      const head = p[2 * s + 1]! - 1;
      if (head < 0) { t.fill(s, a, id + 1); tail[id] = id; return; }
      if (p[2 * s] === (a | 0)) { this.next[tail[head]!] = id; tail[head] = id; return; }
    }
  }

  /** Adds id to the chain of the text key `s[start, end)` with hash `h` (`url`: stored values start with a scheme to skip). */
  private putText(t: PairTable, h: number, id: number, s: string, start: number, end: number, url: boolean, tail: Int32Array): void {
    const head = this.find(t, h, s, start, end, false, url);
    if (head >= 0) { this.next[tail[head]!] = id; tail[head] = id; return; }
    for (let k = t.slot(h); ; k = t.next(k)) {
      if (t.pairs[2 * k + 1] === 0) { t.fill(k, h, id + 1); tail[id] = id; return; }
    }
  }

  /** The first id listing the text key `s[start, end)` (hash `h`), or -1. */
  private find(t: PairTable, h: number, s: string, start: number, end: number, fold: boolean, url: boolean): number {
    if (t.size === 0) return -1;
    const p = t.pairs, key = h | 0;
    for (let k = t.slot(h); ; k = t.next(k)) {
      const v = p[2 * k + 1]!;
      if (v === 0) return -1;
      if (p[2 * k] === key && this.text.equals(v - 1, url ? this.schemeEnd(v - 1) : 0, s, start, end, fold)) return v - 1;
    }
  }

  /** Where the `host/path` key of stored URL `id` starts (after `scheme://`). */
  private schemeEnd(id: number): number {
    const len = this.text.length(id);
    for (let k = 0; k + 2 < len; k++) {
      if (this.text.charCodeAt(id, k) === 58 && this.text.charCodeAt(id, k + 1) === 47 && this.text.charCodeAt(id, k + 2) === 47) return k + 3;
    }
    return 0;
  }

  /** The first id listing IPv4 address `a`, or -1. */
  private findV4(a: number): number {
    const t = this.v4ips, p = t.pairs, key = a | 0;
    for (let s = t.slot(a); ; s = t.next(s)) {
      const v = p[2 * s + 1]!;
      if (v === 0) return -1;
      if (p[2 * s] === key) return v - 1;
    }
  }

  /** The indicator with this id (made on first use, then the same object). */
  private indicator(id: number): Indicator {
    let i = this.made.get(id);
    if (i !== undefined) return i;
    i = {
      value: this.text.get(id),
      type: INDICATOR_TYPES[this.type[id]!]!,
      feed: this.feedNames.values[this.feed[id]!]!,
      confidence: this.oddConfidence.size > 0 && this.oddConfidence.has(id) ? this.oddConfidence.get(id)! : this.confidence[id]!,
      tags: this.tagSet === undefined ? [] : [...this.tagSets.values[this.tagSet[id]!]!],
    };
    if (this.family !== undefined && this.family[id]! >= 0) i.family = this.families.values[this.family[id]!]!;
    if (this.firstSeen !== undefined && !Number.isNaN(this.firstSeen[id])) i.first_seen = this.firstSeen[id]!;
    if (this.lastSeen !== undefined && !Number.isNaN(this.lastSeen[id])) i.last_seen = this.lastSeen[id]!;
    if (this.expires !== undefined && !Number.isNaN(this.expires[id])) i.expires = this.expires[id]!;
    if (this.port !== undefined && this.port[id]! >= 0) i.port = this.port[id]!;
    if (this.reference !== undefined && this.reference[id]! >= 0) i.reference = this.notes.get(this.reference[id]!);
    if (this.description !== undefined && this.description[id]! >= 0) i.description = this.notes.get(this.description[id]!);
    if (this.condition !== undefined && this.condition[id]! >= 0) i.condition = this.notes.get(this.condition[id]!);
    this.made.set(id, i);
    return i;
  }

  /** The indicators of the chain starting at `head`. */
  private entry(head: number): Entry {
    if (this.next[head]! < 0) return this.indicator(head);
    const out: Indicator[] = [];
    for (let id = head; id >= 0; id = this.next[id]!) out.push(this.indicator(id));
    return out;
  }

  /** Pushes the indicators of a trie lookup into `out`; returns how many. */
  private fromTrie(t: PrefixTrie<number>, words: ArrayLike<number>, out: Indicator[]): number {
    const n = t.lookup(words, idScratch);
    for (let k = 0; k < n; k++) out.push(this.indicator(idScratch[k]!));
    idScratch.length = 0;
    return n;
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
  get hasAddresses(): boolean { return this.v4ips.size > 0 || this.otherIps.size > 0 || this.v4.size > 0 || this.v6.size > 0; }
  get hasDomains(): boolean { return this.domains.size > 0; }
  get hasUrls(): boolean { return this.urls.size > 0; }
  get hasTlsFingerprints(): boolean { return this.ja3s.size > 0 || this.ja4s.size > 0 || this.certs.size > 0; }

  /** Bytes the index takes outside the JavaScript heap (typed arrays), for memory reports. */
  get byteSize(): number {
    const cols = [this.type, this.feed, this.confidence, this.next, this.tagSet, this.family, this.port, this.firstSeen, this.lastSeen,
      this.expires, this.reference, this.description, this.condition];
    let b = this.text.byteSize + this.notes.byteSize + (this.v4.nodeCount + this.v6.nodeCount) * 16;
    for (const c of cols) b += c?.byteLength ?? 0;
    for (const t of [this.v4ips, this.otherIps, this.domains, this.urls, this.ja3s, this.ja4s, this.certs]) b += t.byteSize;
    for (const f of [this.v4Top, this.v4Blocks, this.v4Nets, this.v6Nets, this.names, this.nameTop, this.urlHosts]) b += f.words.byteLength;
    return b;
  }

  /** Indicators listing exactly this (canonical) address. */
  ip(addr: string): Entry | undefined {
    const a = parseV4(addr);
    const head = a >= 0
      ? (this.v4Top.has(a >>> 16) && this.v4Blocks.has(a >>> 8) ? this.findV4(a) : -1)
      : this.find(this.otherIps, textHash(addr), addr, 0, addr.length, false, false);
    return head < 0 ? undefined : this.entry(head);
  }

  /**
   * Both lookups of an address with one parse: returns the exact entry (or undefined) and pushes
   * the containing networks' indicators into `nets`.
   */
  address(addr: string, nets: Indicator[]): Entry | undefined {
    const a = parseV4(addr);
    if (a < 0) {
      this.networks(addr, nets);
      const head = this.find(this.otherIps, textHash(addr), addr, 0, addr.length, false, false);
      return head < 0 ? undefined : this.entry(head);
    }
    if (!this.v4Top.has(a >>> 16) || !this.v4Blocks.has(a >>> 8)) return undefined;
    if (this.v4Nets.has(a >>> 8)) {
      v4Words[0] = a;
      this.fromTrie(this.v4, v4Words, nets);
    }
    const head = this.findV4(a);
    return head < 0 ? undefined : this.entry(head);
  }

  /** Pushes the network indicators containing the address into `out`; returns how many. */
  networks(addr: string, out: Indicator[]): number {
    if (this.v4.size > 0) {
      const v = parseV4(addr);
      if (v >= 0) {
        if (!this.v4Top.has(v >>> 16) || !this.v4Nets.has(v >>> 8)) return 0;
        v4Words[0] = v;
        return this.fromTrie(this.v4, v4Words, out);
      }
    }
    if (this.v6.size > 0 && addr.includes(':') && parseV6(addr, v6Words) && this.v6Nets.has(v6Words[0]! >>> 16)) {
      return this.fromTrie(this.v6, v6Words, out);
    }
    return 0;
  }

  /** Indicators listing exactly this domain (upper case folded); parents are the caller's walk. */
  domain(name: string): Entry | undefined {
    let h = FNV_SEED;
    for (let j = name.length - 1; j >= 0; j--) {
      const c = name.charCodeAt(j);
      h = fnv(h, c >= 65 && c <= 90 ? c + 32 : c);
    }
    const head = this.find(this.domains, h >>> 0, name, 0, name.length, true, false);
    return head < 0 ? undefined : this.entry(head);
  }

  /**
   * The listed suffixes of a name: the name itself and each parent domain that is listed (not the
   * top-level label alone), longest first, into `entries`, with `exact[k]` true for the name
   * itself; returns how many. `name` has no trailing dot; upper case is folded on the fly. One
   * pass right to left hashes every suffix; only suffixes whose bit is in the filter are looked up,
   * in place (no substring is made).
   */
  listedSuffixes(name: string, entries: Entry[], exact: boolean[]): number {
    if (this.domains.size === 0) return 0;
    let h = FNV_SEED, n = 0, dots = 0, lastTwo = 0;
    for (let j = name.length - 1; j >= 0; j--) {
      let c = name.charCodeAt(j);
      if (c === 46) {
        // The suffix after this dot is complete; the first one from the right is the top-level label alone.
        if (++dots === 2) {
          lastTwo = h;
          // No listed name ends with these two labels: the rest of the name need not be read.
          if (!this.nameTop.has(lastTwo >>> (32 - NAME_TOP_BITS))) return 0;
          // Names repeat (the same server names and queries all day): remember the ones with nothing listed.
          if (this.unlisted.has(name)) return 0;
        }
        if (dots >= 2 && n < MAX_LABELS && this.names.has(nameBit(lastTwo, h))) { suffixStarts[n] = j + 1; suffixHashes[n++] = h; }
      } else if (c >= 65 && c <= 90) c += 32;
      h = fnv(h, c);
    }
    if (dots === 0) return 0;
    if (dots === 1 && (!this.nameTop.has(h >>> (32 - NAME_TOP_BITS)) || this.unlisted.has(name))) return 0;
    if (n < MAX_LABELS && this.names.has(nameBit(dots >= 2 ? lastTwo : h, h))) { suffixStarts[n] = 0; suffixHashes[n++] = h; }
    let found = 0;
    for (let k = n - 1; k >= 0; k--) {
      const start = suffixStarts[k]!;
      const head = this.find(this.domains, suffixHashes[k]! >>> 0, name, start, name.length, true, false);
      if (head >= 0) { entries[found] = this.entry(head); exact[found] = start === 0; found++; }
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
    return this.byText(this.urls, key, true);
  }
  /** Indicators listing this JA3 fingerprint (lower-case hex). */
  ja3(h: string): Entry | undefined {
    return this.byText(this.ja3s, h, false);
  }
  /** Indicators listing this JA4 fingerprint (lower case). */
  ja4(h: string): Entry | undefined {
    return this.byText(this.ja4s, h, false);
  }
  /** Indicators listing this certificate SHA-1 (lower-case hex). */
  cert(h: string): Entry | undefined {
    return this.byText(this.certs, h, false);
  }

  private byText(t: PairTable, s: string, url: boolean): Entry | undefined {
    if (t.size === 0) return undefined;
    const head = this.find(t, textHash(s), s, 0, s.length, false, url);
    return head < 0 ? undefined : this.entry(head);
  }
}

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
