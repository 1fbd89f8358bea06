/**
 * Records from worker threads to the decoding thread, cheaply. Structured cloning of plain objects
 * costs microseconds per record on each side; this codec instead sends, per batch, one tag byte
 * per value (Uint8Array), the numbers (Float64Array; both transferred without a copy) and the
 * strings in one array, with each record's keys given once per "shape" (the key list of records
 * built by the same code). The decoder rebuilds equal objects: same keys in the same order, same
 * values (numbers, strings, booleans, null, undefined, arrays of strings or numbers; anything else
 * goes through JSON). Records are plain objects with own, enumerable, ordinary keys (no
 * `__proto__` key), as every record of the schema is.
 */
import type { RecordKind } from '../../records/schema.js';

const T_UNDEFINED = 0;
const T_NUMBER = 1;
const T_STRING = 2;
const T_TRUE = 3;
const T_FALSE = 4;
const T_NULL = 5;
const T_STRINGS = 6;
const T_NUMBERS = 7;
const T_JSON = 8;

/** A record shape: its kind and key list. */
export type Shape = [kind: RecordKind, keys: string[]];

/** One batch as posted (the typed arrays' buffers can be transferred). */
export interface EncodedBatch {
  /** Shapes first used in this batch (ids continue from the previous batches). */
  shapes: Shape[];
  count: number;
  tags: Uint8Array;
  nums: Float64Array;
  /** The string values, in order. */
  strs: string[];
}

/** Encodes the values of one record of a shape (generated per shape, see `compile`). */
type ShapeWriter = (r: Record<string, unknown>, e: RecordEncoder) => void;
interface ShapeEntry { id: number; keys: string[]; write: ShapeWriter }

/**
 * Encodes records into batches (one encoder per worker; its decoder must see every batch in order).
 *
 * Per shape the encoder generates a small function (as fastify's serializers do) that reads the
 * record's properties by name with a fast path for the type the first record of that shape had,
 * so each property read is monomorphic; other types take the general path.
 */
export class RecordEncoder {
  /** Tags, numbers and strings of the batch (public for the generated writers). */
  tags = new Uint8Array(1 << 16);
  nTags = 0;
  nums = new Float64Array(1 << 14);
  nNums = 0;
  strs: string[] = [];
  private count = 0;
  private newShapes: Shape[] = [];
  private nextShape = 0;
  private readonly byKeys = new Map<string, ShapeEntry>();
  /** Last shape used per kind (records of a kind usually repeat one shape). */
  private readonly lastOfKind = new Map<string, ShapeEntry>();
  private readonly keyBuf: string[] = [];

  /** Records in the current batch. */
  get size(): number {
    return this.count;
  }

  add(kind: RecordKind, rec: object): void {
    const r = rec as Record<string, unknown>;
    const shape = this.shapeOf(kind, r);
    // Room for the fast paths: one tag and at most two numbers per key, plus the shape id.
    const k = shape.keys.length;
    if (this.nTags + k > this.tags.length) this.growTags(k);
    if (this.nNums + 2 * k + 1 > this.nums.length) this.growNums(2 * k + 1);
    this.nums[this.nNums++] = shape.id;
    shape.write(r, this);
    this.count++;
  }

  /** The batch so far (and a fresh one begins). */
  take(): EncodedBatch {
    const b: EncodedBatch = {
      shapes: this.newShapes, count: this.count,
      tags: this.tags.slice(0, this.nTags), nums: this.nums.slice(0, this.nNums), strs: this.strs,
    };
    this.newShapes = [];
    this.nTags = 0;
    this.nNums = 0;
    this.strs = [];
    this.count = 0;
    return b;
  }

  private shapeOf(kind: RecordKind, r: Record<string, unknown>): ShapeEntry {
    const last = this.lastOfKind.get(kind);
    if (last !== undefined) {
      const keys = last.keys;
      let i = 0;
      let same = true;
      for (const k in r) {
        if (i >= keys.length || keys[i] !== k) { same = false; break; }
        i++;
      }
      if (same && i === keys.length) return last;
    }
    const kb = this.keyBuf;
    kb.length = 0;
    for (const k in r) kb.push(k);
    const sig = kind + '\u0000' + kb.join('\u0000');
    let e = this.byKeys.get(sig);
    if (e === undefined) {
      const keys = kb.slice();
      e = { id: this.nextShape++, keys, write: compile(keys, r) };
      this.byKeys.set(sig, e);
      this.newShapes.push([kind, keys]);
    }
    this.lastOfKind.set(kind, e);
    return e;
  }

  private growTags(extra: number): void {
    let n = this.tags.length * 2;
    while (n < this.nTags + extra) n *= 2;
    const g = new Uint8Array(n);
    g.set(this.tags.subarray(0, this.nTags));
    this.tags = g;
  }

  private growNums(extra: number): void {
    let n = this.nums.length * 2;
    while (n < this.nNums + extra) n *= 2;
    const g = new Float64Array(n);
    g.set(this.nums.subarray(0, this.nNums));
    this.nums = g;
  }

  private tag(t: number): void {
    if (this.nTags === this.tags.length) this.growTags(1);
    this.tags[this.nTags++] = t;
  }

  private num(v: number): void {
    if (this.nNums === this.nums.length) this.growNums(1);
    this.nums[this.nNums++] = v;
  }

  private str(s: string): void {
    this.strs.push(s);
  }

  /** Any value (the general path of the generated writers). */
  value(v: unknown): void {
    switch (typeof v) {
      case 'number':
        this.tag(T_NUMBER);
        this.num(v);
        return;
      case 'string':
        this.tag(T_STRING);
        this.str(v);
        return;
      case 'boolean':
        this.tag(v ? T_TRUE : T_FALSE);
        return;
      case 'undefined':
        this.tag(T_UNDEFINED);
        return;
    }
    if (v === null) {
      this.tag(T_NULL);
      return;
    }
    if (Array.isArray(v)) {
      if (v.every((x) => typeof x === 'string')) {
        this.tag(T_STRINGS);
        this.num(v.length);
        for (const x of v) this.str(x as string);
        return;
      }
      if (v.every((x) => typeof x === 'number')) {
        this.tag(T_NUMBERS);
        this.num(v.length);
        for (const x of v) this.num(x as number);
        return;
      }
    }
    this.tag(T_JSON);
    this.str(JSON.stringify(v));
  }
}

/**
 * The writer of one shape: straight-line code reading each key (a JSON-quoted literal, so any
 * key name is safe), with an inline path for the type `sample` has there. The caller has made
 * room for one tag and two numbers per key.
 */
function compile(keys: readonly string[], sample: Record<string, unknown>): ShapeWriter {
  const lines: string[] = [];
  for (const k of keys) {
    const prop = `r[${JSON.stringify(k)}]`;
    const t = typeof sample[k];
    const slow = 'e.value(v);';
    if (t === 'number') {
      lines.push(`v = ${prop}; if (typeof v === 'number') { e.tags[e.nTags++] = ${T_NUMBER}; e.nums[e.nNums++] = v; } else ${slow}`);
    } else if (t === 'string') {
      lines.push(`v = ${prop}; if (typeof v === 'string') { e.tags[e.nTags++] = ${T_STRING}; e.strs.push(v); } else ${slow}`);
    } else if (t === 'boolean') {
      lines.push(`v = ${prop}; if (v === true) e.tags[e.nTags++] = ${T_TRUE}; else if (v === false) e.tags[e.nTags++] = ${T_FALSE}; else ${slow}`);
    } else {
      lines.push(`v = ${prop}; ${slow}`);
    }
  }
  // Generated from key names JSON-quoted into property reads: no input text becomes code.
  return new Function('r', 'e', 'let v;\n' + lines.join('\n')) as ShapeWriter;
}

/** Rebuilds the records of one encoder's batches, in order. */
export class RecordDecoder {
  private readonly shapes: Shape[] = [];

  /** Calls `each(kind, record)` for every record of the batch. */
  decode(b: EncodedBatch, each: (kind: RecordKind, rec: Record<string, unknown>) => void): void {
    for (const s of b.shapes) this.shapes.push(s);
    const { tags, nums, strs } = b;
    let t = 0, n = 0, p = 0;
    for (let r = 0; r < b.count; r++) {
      const [kind, keys] = this.shapes[nums[n++]!]!;
      const o: Record<string, unknown> = {};
      for (let i = 0; i < keys.length; i++) {
        let v: unknown;
        switch (tags[t++]) {
          case T_NUMBER: v = nums[n++]; break;
          case T_STRING: v = strs[p++]; break;
          case T_TRUE: v = true; break;
          case T_FALSE: v = false; break;
          case T_NULL: v = null; break;
          case T_STRINGS: {
            const a: string[] = [];
            for (let j = nums[n++]!; j > 0; j--) a.push(strs[p++]!);
            v = a;
            break;
          }
          case T_NUMBERS: {
            const a: number[] = [];
            for (let j = nums[n++]!; j > 0; j--) a.push(nums[n++]!);
            v = a;
            break;
          }
          case T_JSON: v = JSON.parse(strs[p++]!); break;
          default: v = undefined;
        }
        o[keys[i]!] = v;
      }
      each(kind, o);
    }
  }
}
