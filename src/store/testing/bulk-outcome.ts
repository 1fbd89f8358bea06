/** Test helper: run the DuckDB bulk loader on one Zeek log directly and say whether it loaded. */
import { planZeekTsvBulk } from '../../formats/zeek-bulk.js';
import { zeekTsvLoaderOf } from '../bulk.js';
import { openDuckDBStore } from '../duckdb/duckdb-store.js';

/** Load `path` through the bulk loader into a scratch in-memory store (then abort): whether it loaded, and why not. */
export async function bulkOutcome(path: string): Promise<{ loaded: boolean; reason?: string }> {
  const plan = await planZeekTsvBulk(path);
  if ('ineligible' in plan) return { loaded: false, reason: `plan: ${plan.ineligible}` };
  const store = await openDuckDBStore(':memory:');
  try {
    const batch = await store.beginIngest({ sha256: 'b'.repeat(64), path, bytes: 1, format: 'log' });
    const r = await zeekTsvLoaderOf(batch)!.loadZeekTsv(plan);
    await batch.abort();
    return r.loaded ? { loaded: true } : { loaded: false, reason: r.reason };
  } finally {
    await store.close();
  }
}
