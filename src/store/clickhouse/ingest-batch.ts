/**
 * One open ingest into ClickHouse. Records are encoded as RowBinary into one block per (table,
 * shard, UTC day) as they are written; a full block is sent to its shard's local table at once,
 * while the reader goes on (one INSERT at a time per shard). A block is one partition of one
 * table on one server, so ClickHouse stores it as one part: all or nothing.
 *
 * A failed INSERT is sent again with exponential backoff until the retry budget is spent. Before
 * each new attempt the ingest waits until no earlier attempt runs on the server (same query id),
 * then counts the block's rows on its shard (`ingest_id`, `blk`): all there (the answer was lost)
 * means done; none means send; some (cannot happen for one part, but checked) means delete them
 * and send. So a lost answer never duplicates rows. Memory: blocks are kept until acknowledged;
 * `write` cannot wait (the sink interface is synchronous), so while a shard is down the blocks
 * of its rows queue in memory.
 *
 * Commit: every block acknowledged, interim records and passive DNS written, rows that this
 * file supersedes recorded in `superseded`, then the `ingests` row: the commit point. Nothing is
 * visible before it, everything after it. A failure before it deletes the ingest's rows; a failure
 * of the commit insert itself leaves the outcome unknown (the row may have landed) and says so:
 * running the ingest again either skips the file or ingests it.
 */
import { RECORD_KINDS, type ConnRecord, type DnsRecord, type RecordKind, type RecordMap } from '../../records/schema.js';
import { StoreError, emptyCounts, type IngestBatch, type IngestCommitInfo, type IngestEntry, type IngestSource } from '../store.js';
import { PdnsAccumulator } from '../pdns.js';
import { ClickHouseError } from './http.js';
import { RowBinaryWriter } from './row-binary.js';
import { join, raw, sql } from './sql.js';
import { dayOf, insertColumns, jsonNumber, toMicros, writeRecord } from './tables.js';
import type { Shard } from './topology.js';
import { IN_LIST_MAX, VISIBLE_INGESTS } from './visibility.js';
import type { ClickHouseStore } from './clickhouse-store.js';

/** Seconds an open ingest waits between heartbeats in `ingest_log`. */
export const HEARTBEAT_SECONDS = 300;

/** Passive-DNS entries held in memory before they are written as rows (entries). */
export const PDNS_FLUSH_ENTRIES = 100_000;
/** A block is sent once its encoded rows reach this many bytes, even below the row count. */
export const BLOCK_MAX_BYTES = 64 * 1024 * 1024;
/** Open blocks (table x shard x day) before all are sent (input spread over many days). */
export const MAX_OPEN_BLOCKS = 256;

/**
 * Bytes of sealed blocks waiting for their servers above which the ingest asks its reader to wait
 * (pace), until half of them are acknowledged: while a shard is down the retries go on for minutes,
 * and without a bound every block read meanwhile would wait in memory.
 */
export const PACE_BYTES = 256 * 1024 * 1024;
/** Buffers of sent blocks kept for reuse (saves allocating and growing one per block). */
export const SPARE_BUFFERS = 4;
/** Retry budget of the clean-up after an abort: seconds (rows left behind are invisible anyway). */
export const ABORT_RETRY_SECONDS = 5;

/** Tables an ingest writes blocks into. */
type BlockTable = RecordKind | 'conn_open' | 'pdns';
const TABLES: readonly BlockTable[] = [...RECORD_KINDS, 'conn_open', 'pdns'];
const PDNS_COLUMNS = ['fqdn', 'ip', 'first_seen', 'last_seen', 'count', 'ingest_id', 'blk'];

interface Block {
  table: BlockTable;
  shard: Shard;
  day: number;
  blk: number;
  w: RowBinaryWriter;
}

/** Rows of one open ingest, sent in blocks. See the module comment. */
export class ClickHouseIngest implements IngestBatch {
  readonly counts = emptyCounts();
  private readonly pdns = new PdnsAccumulator();
  /** Latest interim record of each connection still open in this file (a final record removes it). */
  private readonly interim = new Map<string, ConnRecord>();
  /** Connections left open by earlier ingests whose final record is in this file. */
  private readonly closedOpen = new Map<string, ConnRecord>();
  /** Open blocks per table, per shard index, per day. */
  private readonly blocks: Map<number, Block>[][];
  private openBlocks = 0;
  private nextBlk = 1;
  /** The send chain of each shard (one INSERT at a time per shard). */
  private readonly chains: Promise<void>[];
  /** The first send that failed for good. */
  private failure: Error | undefined;
  /** (table, shard index) pairs that received a block: what abort deletes. */
  private readonly sent = new Set<string>();
  private firstTs = Infinity;
  private lastTs = -Infinity;
  private readonly started = Date.now() / 1000;
  private done = false;
  private aborting = false;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly blockRows: number;
  /** Buffers of acknowledged blocks, reused for new ones. */
  private readonly spare: Buffer[] = [];
  /** Bytes of sealed blocks not yet acknowledged, and the readers waiting for them to go down. */
  private queuedBytes = 0;
  private paced: (() => void)[] = [];

  constructor(
    private readonly store: ClickHouseStore,
    readonly id: number,
    private readonly source: IngestSource,
    /** Uids of connections that earlier ingests left open. */
    private readonly openUids: ReadonlySet<string>,
    private readonly release: () => void,
  ) {
    const n = store.topology.shards.length;
    this.blocks = TABLES.map(() => Array.from({ length: n }, () => new Map<number, Block>()));
    this.chains = Array.from({ length: n }, () => Promise.resolve());
    this.blockRows = store.blockRows;
    this.heartbeat = setInterval(() => {
      void store.logIngest(id, source.sha256, source.path, 'open').catch(() => undefined);
    }, HEARTBEAT_SECONDS * 1000);
    this.heartbeat.unref();
  }

  write<K extends RecordKind>(kind: K, rec: RecordMap[K]): void {
    if (this.done) throw new StoreError('STORE_CLOSED', `Cannot write to ingest ${this.id}: it has ended`);
    if (this.failure !== undefined) throw this.failure;
    const ts = rec.ts;
    if (ts < this.firstTs) this.firstTs = ts;
    if (ts > this.lastTs) this.lastTs = ts;
    if (kind === 'conn') {
      const c = rec as ConnRecord;
      if (c.interim) {
        const prev = this.interim.get(c.uid);
        if (prev === undefined || c.duration >= prev.duration) this.interim.set(c.uid, c);
        return;
      }
      if (this.interim.size > 0) this.interim.delete(c.uid);
      if (this.openUids.size > 0 && this.openUids.has(c.uid)) this.closedOpen.set(c.uid, c);
    } else if (kind === 'dns') {
      this.pdns.add(rec as DnsRecord);
      if (this.pdns.size >= PDNS_FLUSH_ENTRIES) this.flushPdns();
    }
    this.counts[kind]++;
    this.append(kind, kind, rec);
  }

  /** Encode a record into the block of its table, shard and day; send the block when full. */
  private append<K extends RecordKind>(table: BlockTable, kind: K, rec: RecordMap[K]): void {
    const shard = this.store.topology.shardOf((rec as { orig_h?: string }).orig_h ?? '');
    const b = this.block(table, shard, dayOf(rec.ts));
    writeRecord(b.w, kind, rec, this.id, b.blk);
    if (b.w.rows >= this.blockRows || b.w.length >= BLOCK_MAX_BYTES) this.seal(b);
  }

  private block(table: BlockTable, shard: Shard, day: number): Block {
    const m = this.blocks[TABLES.indexOf(table)]![shard.index]!;
    let b = m.get(day);
    if (b === undefined) {
      if (this.openBlocks >= MAX_OPEN_BLOCKS) this.sealAll();
      b = { table, shard, day, blk: this.nextBlk++, w: new RowBinaryWriter(this.spare.pop()) };
      m.set(day, b);
      this.openBlocks++;
    }
    return b;
  }

  /** Passive-DNS entries so far become rows (one per name, address; shard by address). */
  private flushPdns(): void {
    for (const e of this.pdns.drain()) {
      const shard = this.store.topology.shardOf(e.ip);
      const b = this.block('pdns', shard, 0);
      const w = b.w;
      w.str(e.fqdn); w.str(e.ip); w.i64(toMicros(e.first)); w.i64(toMicros(e.last)); w.i64(e.count); w.i64(this.id); w.u32(b.blk);
      w.endRow();
      if (w.rows >= this.blockRows || w.length >= BLOCK_MAX_BYTES) this.seal(b);
    }
  }

  /** Close a block and queue it on its shard's send chain. */
  private seal(b: Block): void {
    this.blocks[TABLES.indexOf(b.table)]![b.shard.index]!.delete(b.day);
    this.openBlocks--;
    if (b.w.rows === 0) return;
    this.sent.add(`${b.table}\u0000${b.shard.index}`);
    const i = b.shard.index;
    const size = b.w.length;
    this.queuedBytes += size;
    this.chains[i] = this.chains[i]!.then(async () => {
      if (this.failure !== undefined || this.aborting) return;
      await this.send(b);
      if (this.spare.length < SPARE_BUFFERS) this.spare.push(b.w.buffer);
    }).catch((e: unknown) => {
      this.failure ??= e instanceof Error ? e : new Error(String(e));
    }).finally(() => {
      this.queuedBytes -= size;
      if (this.paced.length > 0 && (this.queuedBytes <= this.store.paceBytes / 2 || this.failure !== undefined)) {
        for (const wake of this.paced.splice(0)) wake();
      }
    });
  }

  pace(): Promise<void> | undefined {
    if (this.queuedBytes <= this.store.paceBytes || this.failure !== undefined) return undefined;
    return new Promise((resolve) => this.paced.push(resolve));
  }

  private sealAll(): void {
    for (const perShard of this.blocks) for (const m of perShard) for (const b of [...m.values()]) this.seal(b);
  }

  /** Every queued block acknowledged (or the first failure thrown). */
  private async drain(): Promise<void> {
    this.sealAll();
    await Promise.all(this.chains);
    if (this.failure !== undefined) throw this.failure;
  }

  /**
   * Send one block, retrying; before a new attempt, find out what the failed one left. Every
   * attempt carries the same query id, so an attempt whose answer was lost while the server still
   * works on it is waited for (it is listed in system.processes, and a new attempt is refused),
   * never counted half-way.
   */
  private async send(b: Block): Promise<void> {
    const s = this.store;
    const ep = b.shard.endpoint;
    const table = s.topology.local(b.table);
    const columns = b.table === 'pdns' ? PDNS_COLUMNS : insertColumns(b.table === 'conn_open' ? 'conn' : b.table);
    const body = b.w.bytes();
    const qualified = s.localTable(b.table);
    const queryId = `c2hunt-${this.id}-${b.blk}`;
    let attempted = false;
    await s.client.retrying(`store records of ${this.source.path}`, async () => {
      if (this.aborting) throw new ClickHouseError('the ingest was aborted', 'aborted', false, ep.label);
      if (attempted) {
        const running = await s.client.selectOnce(ep, sql`SELECT count() AS n FROM system.processes WHERE query_id = ${queryId}`);
        if (jsonNumber(running[0]?.n) > 0) throw new ClickHouseError('an earlier attempt is still running', 'an earlier attempt is still running', true, ep.label);
        const r = await s.client.selectOnce(ep, sql`SELECT count() AS n FROM ${qualified} WHERE ingest_id = ${this.id} AND blk = ${b.blk}`);
        const landed = jsonNumber(r[0]?.n);
        if (landed === b.w.rows) return;
        if (landed > 0) {
          await s.client.execOnce(ep, sql`ALTER TABLE ${qualified} DELETE WHERE ingest_id = ${this.id} AND blk = ${b.blk}`);
          await s.waitMutations(ep, b.table);
        }
      }
      attempted = true;
      await s.client.insertOnce(ep, table, columns, body, s.database, queryId);
    });
  }

  async commit(info: IngestCommitInfo = {}): Promise<IngestEntry> {
    if (this.done) throw new StoreError('STORE_CLOSED', `Cannot commit ingest ${this.id}: it has ended`);
    this.done = true;
    let committing = false;
    try {
      await this.drain();
      await this.writeInterim();
      this.flushPdns();
      await this.drain();
      for (const kind of info.dedupe ?? []) if (this.counts[kind] > 0) await this.supersedeRepeats(kind);
      await this.supersedeClosed();
      const source = { ...this.source, format: info.format ?? this.source.format };
      const finished = Date.now() / 1000;
      const entry: IngestEntry = { ...source, id: this.id, started: this.started, finished, records: { ...this.counts }, bad_lines: info.bad_lines ?? 0 };
      if (Number.isFinite(this.firstTs)) { entry.first_ts = this.firstTs; entry.last_ts = this.lastTs; }
      committing = true;
      await this.insertIngestRow(entry);
      return entry;
    } catch (e) {
      if (!committing) await this.cleanUp();
      else if (e instanceof StoreError) {
        throw new StoreError(e.code, `${e.message}; whether ingest ${this.id} of ${this.source.path} committed is unknown: run the ingest again (the file is skipped if it did)`);
      }
      throw e;
    } finally {
      clearInterval(this.heartbeat);
      this.release();
    }
  }

  /**
   * Interim records left open at the end of the file are written to `conn_open`, except those
   * whose connection already has a final record (in an earlier ingest or earlier in this file).
   */
  private async writeInterim(): Promise<void> {
    if (this.interim.size === 0) return;
    const s = this.store;
    const all = [...this.interim.values()];
    const final = new Set<string>();
    for (let i = 0; i < all.length; i += IN_LIST_MAX) {
      const part = all.slice(i, i + IN_LIST_MAX);
      const resp = [...new Set(part.map((c) => c.resp_h))];
      const rows = await s.rows(sql`
        SELECT DISTINCT uid FROM conn
        WHERE (ingest_id GLOBAL IN ${VISIBLE_INGESTS} OR ingest_id = ${this.id})
          AND resp_h IN (${join(resp.map((r) => sql`${r}`), ', ')}) AND uid IN (${join(part.map((c) => sql`${c.uid}`), ', ')})`);
      for (const r of rows) final.add(String(r.uid));
    }
    for (const c of all) {
      // Counted like the DuckDB backend, which stores them and then deletes the superseded ones.
      this.counts.conn++;
      if (!final.has(c.uid)) this.append('conn_open', 'conn', c);
    }
    this.interim.clear();
  }

  /**
   * Rows of earlier ingests that this file repeats (same uid and ts, and HTTP transaction depth):
   * recorded as superseded by this ingest, on the shard that holds them (a connection's rows
   * share a shard), so they disappear when this ingest commits.
   */
  private async supersedeRepeats(kind: 'tls' | 'http'): Promise<void> {
    const s = this.store;
    const days = sql`day >= toDate(${isoDay(this.firstTs)}) AND day <= toDate(${isoDay(this.lastTs)})`;
    const t = s.localTable(kind);
    const sup = s.localTable('superseded');
    const depth = raw(kind === 'http' ? 'trans_depth' : '0');
    const cols = kind === 'http' ? 'uid, ts, trans_depth' : 'uid, ts';
    const key = raw(`(${cols})`);
    for (const shard of s.topology.shards) {
      await s.execOn(shard.endpoint, sql`
        INSERT INTO ${sup} (kind, uid, ts, depth, old_ingest, by_ingest)
        SELECT ${kind}, uid, ts, ${depth}, ingest_id, ${this.id} FROM ${t}
        WHERE ${days} AND ingest_id != ${this.id} AND ingest_id GLOBAL IN ${VISIBLE_INGESTS}
          AND ${key} IN (SELECT ${raw(cols)} FROM ${t} WHERE ${days} AND ingest_id = ${this.id})`, `hide repeated ${kind} rows`);
    }
  }

  /** Connections left open by earlier ingests and closed by this file: hide their interim rows. */
  private async supersedeClosed(): Promise<void> {
    if (this.closedOpen.size === 0) return;
    const s = this.store;
    const per = new Map<number, RowBinaryWriter>();
    for (const c of this.closedOpen.values()) {
      const shard = s.topology.shardOf(c.orig_h);
      let w = per.get(shard.index);
      if (w === undefined) per.set(shard.index, (w = new RowBinaryWriter()));
      w.str('conn'); w.str(c.uid); w.i64(toMicros(c.ts)); w.i32(0); w.i64(0); w.i64(this.id);
      w.endRow();
    }
    // A copy sent twice hides the same rows twice: retrying is harmless.
    for (const [index, w] of per) {
      const ep = s.topology.shards[index]!.endpoint;
      await s.client.retrying(`record closed connections`,
        () => s.client.insertOnce(ep, s.topology.local('superseded'), ['kind', 'uid', 'ts', 'depth', 'old_ingest', 'by_ingest'], w.bytes(), s.database));
    }
  }

  /** The commit point: the `ingests` row (a copy sent twice reads as one). */
  private async insertIngestRow(e: IngestEntry): Promise<void> {
    const s = this.store;
    const w = new RowBinaryWriter(1024);
    w.i64(e.id); w.str(e.sha256); w.str(e.path); w.i64(e.bytes); w.str(e.format); w.i64(toMicros(e.started)); w.i64(toMicros(e.finished));
    w.str(JSON.stringify(e.records)); w.i64(e.bad_lines);
    if (e.first_ts === undefined) w.u8(1); else { w.u8(0); w.i64(toMicros(e.first_ts)); }
    if (e.last_ts === undefined) w.u8(1); else { w.u8(0); w.i64(toMicros(e.last_ts)); }
    const ep = s.topology.shardOf(e.sha256).endpoint;
    await s.client.retrying(`commit ingest of ${e.path}`, () => s.client.insertOnce(ep, s.topology.local('ingests'),
      ['id', 'sha256', 'path', 'bytes', 'format', 'started', 'finished', 'records', 'bad_lines', 'first_ts', 'last_ts'], w.bytes(), s.database));
  }

  /** After an abort or a failure before the commit point: delete what was sent (best effort). */
  private async cleanUp(): Promise<void> {
    this.aborting = true;
    const budget = Math.min(ABORT_RETRY_SECONDS, this.store.client.retrySeconds);
    for (const perShard of this.blocks) for (const m of perShard) m.clear();
    await Promise.all(this.chains);
    const s = this.store;
    try {
      await s.logIngest(this.id, this.source.sha256, this.source.path, 'aborted', budget);
      if (this.sent.size > 0) await s.deleteIngestRows([this.id], budget);
      await s.logIngest(this.id, this.source.sha256, this.source.path, 'cleaned', budget);
    } catch {
      // Unreachable: the rows stay invisible, and a later clean-up deletes them.
    }
  }

  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    try {
      await this.cleanUp();
    } finally {
      clearInterval(this.heartbeat);
      this.release();
    }
  }
}

/** `YYYY-MM-DD` (UTC) of an epoch second, for partition pruning. */
function isoDay(seconds: number): string {
  return new Date(dayOf(seconds) * 86_400_000).toISOString().slice(0, 10);
}
