/**
 * Test and benchmark support: a store seen through the {@link Store} interface alone. Its ingest
 * batches offer no optional capability (bulk.ts), so `ingestPaths` reads every file through the
 * format readers and `write`, as it does with a backend that has none.
 */
import type { IngestBatch, Store } from '../store.js';

/** `store` with plain batches (no bulk loader); everything else passes through. */
export function readerOnly(store: Store): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'beginIngest') {
        return async (...a: Parameters<Store['beginIngest']>): Promise<IngestBatch> => {
          const b = await target.beginIngest(...a);
          return {
            get id() { return b.id; },
            get counts() { return b.counts; },
            write: (kind, rec) => b.write(kind, rec),
            commit: (info) => b.commit(info),
            abort: () => b.abort(),
          };
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...x: unknown[]) => unknown).bind(target) : v;
    },
  });
}
