/**
 * Optional capabilities of an ingest batch beyond the {@link IngestBatch} contract. A backend
 * whose engine can read a log file itself (DuckDB's CSV reader) offers them on the batches it
 * returns from `beginIngest`; `ingestPaths` uses them when present and reads the file through
 * the format readers otherwise, so every {@link Store} keeps working without them.
 *
 * The contract of a bulk load: the rows stored are exactly the records the format reader would
 * have written to the batch (the same values, the same bad lines with the same line numbers and
 * reasons), and they become visible with the batch's commit like any others.
 */
import type { BadLine, BulkIneligible, BulkInput, ZeekTsvBulkPlan } from '../formats/index.js';
import type { IngestBatch, Store } from './store.js';

/** The outcome of a bulk load. */
export type BulkLoadResult =
  /** The file's records are in the batch: commit it (with the bad lines) as usual. */
  | { loaded: true; records: number; badLines: BadLine[]; badLineCount: number }
  /**
   * The engine met something only the format reader reads exactly (a value to convert, a header
   * change mid-file ...), or failed: the batch holds nothing usable; abort it and read the file
   * through the format reader in a new batch.
   */
  | { loaded: false; reason: string };

/** Options of a bulk load. */
export interface BulkLoadOptions {
  /** Called while loading with the bytes of the file read so far (an estimate) and the file size. */
  onProgress?: (bytes: number, total: number) => void;
  /**
   * The file (not compressed) passed formats' BulkTextCheck as it was hashed: the loader need
   * not read it once more for that check.
   */
  textChecked?: boolean;
  /**
   * The file's text, prepared ahead by the store's {@link ZeekTsvBulkPreparer} (gzip inflated
   * while another file loaded). The loader reads it instead of preparing the file itself and
   * leaves removing it to the caller (`cleanup`).
   */
  prepared?: BulkInput;
}

/** Loads whole Zeek TSV logs into an open batch (an optional capability of IngestBatch). */
export interface ZeekTsvBulkLoader {
  /** Undefined when this loader reads files of this plan itself, else why not (no I/O). */
  declinesZeekTsv(plan: ZeekTsvBulkPlan): string | undefined;
  /**
   * Load the whole file into this batch, which must have nothing written yet. See
   * {@link BulkLoadResult} for what to do next.
   */
  loadZeekTsv(plan: ZeekTsvBulkPlan, opts?: BulkLoadOptions): Promise<BulkLoadResult>;
}

/** The batch's Zeek TSV bulk loader, when its backend offers one. */
export function zeekTsvLoaderOf(batch: IngestBatch): ZeekTsvBulkLoader | undefined {
  const b = batch as IngestBatch & Partial<ZeekTsvBulkLoader>;
  return typeof b.loadZeekTsv === 'function' && typeof b.declinesZeekTsv === 'function' ? (b as IngestBatch & ZeekTsvBulkLoader) : undefined;
}

/**
 * Prepares Zeek TSV logs for a later bulk load, outside any batch (an optional capability of a
 * Store whose batches offer {@link ZeekTsvBulkLoader}): the text checked and, for gzip files,
 * inflated to a temporary file, so that this work overlaps the load of the file before.
 */
export interface ZeekTsvBulkPreparer {
  /**
   * The planned file's text for {@link BulkLoadOptions.prepared} (the caller removes it with
   * `cleanup` once done), or why the loader would not read it in bulk (a damaged gzip stream, a
   * text the engine reads differently, a plan the loader declines).
   */
  prepareZeekTsv(plan: ZeekTsvBulkPlan): Promise<BulkInput | BulkIneligible>;
}

/** The store's Zeek TSV bulk preparer, when its backend offers one. */
export function zeekTsvPreparerOf(store: Store): ZeekTsvBulkPreparer | undefined {
  const s = store as Store & Partial<ZeekTsvBulkPreparer>;
  return typeof s.prepareZeekTsv === 'function' ? (s as Store & ZeekTsvBulkPreparer) : undefined;
}
