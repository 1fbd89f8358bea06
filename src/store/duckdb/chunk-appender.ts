/**
 * Fast appends into DuckDB: records are buffered, written column by column into a DuckDB data
 * chunk (typed arrays copied in one call per column), and the chunk goes to a DuckDB appender.
 *
 * Why not `appender.appendDouble(...)` per value, or the high-level DuckDBDataChunk? Each value
 * would cross the JS/native boundary (~200 ns here), and BIGINT values would go through BigInt.
 * Here numbers are written into reused typed arrays (BIGINT as two 32-bit halves), and strings of
 * at most 12 ASCII bytes, which DuckDB keeps inline in its 16-byte `duckdb_string_t` (the layout
 * declared in duckdb.h: uint32 length, then 12 inline bytes, zero padded), are written into that
 * array directly; only longer or non-ASCII strings take one native call each.
 *
 * This is the one file that uses the low-level bindings (`@duckdb/node-bindings`, the exact
 * version `@duckdb/node-api` depends on).
 */
import bindings from '@duckdb/node-bindings';
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';

/** Column types the store uses. Times are DOUBLE epoch seconds; addresses VARCHAR. */
export type ColumnType = 'DOUBLE' | 'INTEGER' | 'BIGINT' | 'BOOLEAN' | 'VARCHAR' | 'VARCHAR[]' | 'DOUBLE[]';

/** One table column: its name, its type, and how to read it from a record (undefined/null = NULL). */
export interface Column<R> {
  name: string;
  type: ColumnType;
  get: (r: R) => unknown;
}

/** Rows per data chunk: DuckDB's vector size (2048 in every release so far). */
export const CHUNK_ROWS = bindings.vector_size();
/** Data chunks handed to the appender between two appender flushes (~200k rows). */
export const CHUNKS_PER_FLUSH = 100;
/** Longest string DuckDB stores inline in a `duckdb_string_t`, bytes. */
export const INLINE_STRING_MAX = 12;

const TWO32 = 4294967296;

/** Shared scratch buffers (one appender fills one chunk at a time; JS is single-threaded). */
const f64 = new Float64Array(CHUNK_ROWS);
const i32 = new Int32Array(CHUNK_ROWS);
const i64 = new Int32Array(CHUNK_ROWS * 2);
const u8 = new Uint8Array(CHUNK_ROWS);
const strBytes = new Uint8Array(CHUNK_ROWS * 16);
const strWords = new Uint32Array(strBytes.buffer);
const listEntries = new Uint32Array(CHUNK_ROWS * 4);
const validity = new Uint8Array(Math.ceil(CHUNK_ROWS / 64) * 8);
const longIdx = new Int32Array(CHUNK_ROWS);
let childStr = new Uint8Array(CHUNK_ROWS * 16);
let childF64 = new Float64Array(CHUNK_ROWS);

/** Write the validity mask when any row is NULL (or the previous chunk of this column had one). */
function writeValidity(vec: bindings.Vector, n: number, anyNull: boolean, wasDirty: boolean): boolean {
  if (!anyNull && !wasDirty) return false;
  if (!anyNull) validity.fill(0xff);
  bindings.vector_ensure_validity_writable(vec);
  bindings.copy_data_to_vector_validity(vec, 0, validity.buffer, 0, Math.ceil(n / 64) * 8);
  return anyNull;
}

function setNull(r: number): void {
  validity[r >> 3]! &= ~(1 << (r & 7));
}

/**
 * Put strings into a VARCHAR vector (or list child) from index `base`: inline ones through one
 * copy, the others one native call each. `vals[i]` null/undefined means NULL (caller's validity).
 */
function writeStrings(vec: bindings.Vector, base: number, vals: readonly unknown[], count: number, bytes: Uint8Array<ArrayBuffer>): void {
  const words = bytes === strBytes ? strWords : new Uint32Array(bytes.buffer, bytes.byteOffset, count * 4);
  bytes.fill(0, 0, count * 16);
  let longs = 0;
  for (let r = 0; r < count; r++) {
    const v = vals[r];
    if (v === undefined || v === null) continue;
    const s = typeof v === 'string' ? v : String(v);
    const len = s.length;
    if (len <= INLINE_STRING_MAX) {
      const o = r * 16 + 4;
      let k = 0;
      for (; k < len; k++) {
        const ch = s.charCodeAt(k);
        if (ch > 0x7f) break;
        bytes[o + k] = ch;
      }
      if (k === len) {
        words[r * 4] = len;
        continue;
      }
      bytes.fill(0, o - 4, o + 12);
    }
    longIdx[longs++] = r;
  }
  bindings.copy_data_to_vector(vec, base * 16, bytes.buffer, bytes.byteOffset, count * 16);
  for (let i = 0; i < longs; i++) {
    const r = longIdx[i]!;
    const v = vals[r];
    bindings.vector_assign_string_element(vec, base + r, typeof v === 'string' ? v : String(v));
  }
}

/**
 * Buffers records of one table and appends them in data chunks. Not thread-safe; one per table
 * per ingest. Records are held by reference until their chunk is written: do not mutate them.
 */
export class ChunkAppender<R> {
  private readonly rows: R[] = [];
  private readonly chunk: bindings.DataChunk;
  private readonly dirty: boolean[];
  private readonly colVals: unknown[] = new Array(CHUNK_ROWS);
  private chunksSinceFlush = 0;
  private closed = false;
  /** Rows appended (including buffered ones). */
  count = 0;

  private constructor(private readonly appender: DuckDBAppender, private readonly columns: readonly Column<R>[], readonly table: string) {
    const types = columns.map((_, j) => appender.columnType(j).toLogicalType().logical_type);
    this.chunk = bindings.create_data_chunk(types);
    this.dirty = columns.map(() => false);
  }

  /** An appender for `table`, checking that its columns are exactly `columns` (names and types). */
  static async create<R>(connection: DuckDBConnection, table: string, columns: readonly Column<R>[]): Promise<ChunkAppender<R>> {
    const appender = await connection.createAppender(table);
    if (appender.columnCount !== columns.length) {
      appender.closeSync();
      throw new Error(`Cannot append to ${table}: the table has ${appender.columnCount} columns, the record layout ${columns.length}`);
    }
    for (let j = 0; j < columns.length; j++) {
      const actual = appender.columnType(j).toString();
      if (actual !== columns[j]!.type) {
        appender.closeSync();
        throw new Error(`Cannot append to ${table}: column ${columns[j]!.name} is ${actual} in the table, ${columns[j]!.type} in the record layout`);
      }
    }
    return new ChunkAppender(appender, columns, table);
  }

  /** Buffer one record; a full chunk is written at once. */
  push(rec: R): void {
    this.rows.push(rec);
    this.count++;
    if (this.rows.length === CHUNK_ROWS) this.writeChunk();
  }

  /** Write buffered records and flush the appender into the (open) transaction. */
  flush(): void {
    if (this.rows.length > 0) this.writeChunk();
    this.appender.flushSync();
    this.chunksSinceFlush = 0;
  }

  /** Flush and release the appender. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.flush();
    } finally {
      this.appender.closeSync();
    }
  }

  /** Release without writing what is buffered (the transaction is being rolled back). */
  discard(): void {
    if (this.closed) return;
    this.closed = true;
    this.rows.length = 0;
    try {
      this.appender.clear();
      this.appender.closeSync();
    } catch {
      // The transaction is rolled back anyway.
    }
  }

  private writeChunk(): void {
    const n = this.rows.length;
    const chunk = this.chunk;
    bindings.data_chunk_reset(chunk);
    bindings.data_chunk_set_size(chunk, n);
    for (let j = 0; j < this.columns.length; j++) {
      const col = this.columns[j]!;
      const vec = bindings.data_chunk_get_vector(chunk, j);
      this.dirty[j] = this.fillColumn(vec, col, n, this.dirty[j]!);
    }
    this.rows.length = 0;
    bindings.append_data_chunk(this.appenderHandle(), chunk);
    if (++this.chunksSinceFlush >= CHUNKS_PER_FLUSH) {
      this.appender.flushSync();
      this.chunksSinceFlush = 0;
    }
  }

  /** The native appender behind the node-api object (a private field of DuckDBAppender). */
  private appenderHandle(): bindings.Appender {
    return (this.appender as unknown as { appender: bindings.Appender }).appender;
  }

  /** Fill one vector; returns whether it left NULLs in the validity mask. */
  private fillColumn(vec: bindings.Vector, col: Column<R>, n: number, wasDirty: boolean): boolean {
    const rows = this.rows;
    const get = col.get;
    validity.fill(0xff);
    let anyNull = false;
    switch (col.type) {
      case 'DOUBLE': {
        for (let r = 0; r < n; r++) {
          const v = get(rows[r]!);
          if (typeof v === 'number') f64[r] = v;
          else { f64[r] = 0; setNull(r); anyNull = true; }
        }
        bindings.copy_data_to_vector(vec, 0, f64.buffer, 0, n * 8);
        break;
      }
      case 'INTEGER': {
        for (let r = 0; r < n; r++) {
          const v = get(rows[r]!);
          if (typeof v === 'number') i32[r] = v;
          else { i32[r] = 0; setNull(r); anyNull = true; }
        }
        bindings.copy_data_to_vector(vec, 0, i32.buffer, 0, n * 4);
        break;
      }
      case 'BIGINT': {
        for (let r = 0; r < n; r++) {
          const v = get(rows[r]!);
          if (typeof v === 'number' && Number.isFinite(v)) {
            const x = Math.trunc(v);
            const hi = Math.floor(x / TWO32);
            i64[2 * r] = x - hi * TWO32; // low word (ToInt32 keeps the bits)
            i64[2 * r + 1] = hi;
          } else { i64[2 * r] = 0; i64[2 * r + 1] = 0; setNull(r); anyNull = true; }
        }
        bindings.copy_data_to_vector(vec, 0, i64.buffer, 0, n * 8);
        break;
      }
      case 'BOOLEAN': {
        for (let r = 0; r < n; r++) {
          const v = get(rows[r]!);
          if (typeof v === 'boolean') u8[r] = v ? 1 : 0;
          else { u8[r] = 0; setNull(r); anyNull = true; }
        }
        bindings.copy_data_to_vector(vec, 0, u8.buffer, 0, n);
        break;
      }
      case 'VARCHAR': {
        const vals = this.colVals;
        for (let r = 0; r < n; r++) {
          const v = get(rows[r]!);
          vals[r] = v;
          if (v === undefined || v === null) { setNull(r); anyNull = true; }
        }
        writeStrings(vec, 0, vals, n, strBytes);
        vals.fill(undefined, 0, n);
        break;
      }
      case 'VARCHAR[]':
      case 'DOUBLE[]': {
        const lists = this.colVals;
        let total = 0;
        for (let r = 0; r < n; r++) {
          const v = get(rows[r]!);
          const l = Array.isArray(v) ? v : undefined;
          lists[r] = l;
          listEntries[4 * r] = total;
          listEntries[4 * r + 1] = 0;
          listEntries[4 * r + 2] = l?.length ?? 0;
          listEntries[4 * r + 3] = 0;
          if (l === undefined) { setNull(r); anyNull = true; } else total += l.length;
        }
        bindings.list_vector_reserve(vec, total);
        bindings.list_vector_set_size(vec, total);
        bindings.copy_data_to_vector(vec, 0, listEntries.buffer, 0, n * 16);
        if (total > 0) {
          const child = bindings.list_vector_get_child(vec);
          const flat: unknown[] = [];
          for (let r = 0; r < n; r++) { const l = lists[r] as unknown[] | undefined; if (l) for (const x of l) flat.push(x); }
          if (col.type === 'VARCHAR[]') {
            if (childStr.length < total * 16) childStr = new Uint8Array(total * 32);
            writeStrings(child, 0, flat, total, childStr);
          } else {
            if (childF64.length < total) childF64 = new Float64Array(total * 2);
            for (let i = 0; i < total; i++) { const x = flat[i]; childF64[i] = typeof x === 'number' ? x : Number.NaN; }
            bindings.copy_data_to_vector(child, 0, childF64.buffer, 0, total * 8);
          }
        }
        lists.fill(undefined, 0, n);
        break;
      }
    }
    return writeValidity(vec, n, anyNull, wasDirty);
  }
}
