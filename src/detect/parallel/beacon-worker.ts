/**
 * Worker thread entry (internal to parallel/): score the share of a beacon run's connection
 * groups that `split` names (see beacon-groups.ts), post the results on `port`, then raise
 * `done[split.index]` so the waiting thread wakes (pool.ts). The job's typed arrays are in shared
 * memory: nothing is copied but the settings and this thread's results.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { resolveSettings } from '../beacon/index.js';
import { scoreGroups, type GroupJob } from '../beacon-groups.js';

/** What pool.ts hands a worker. */
export interface BeaconWorkerData {
  job: GroupJob;
  split: { index: number; count: number };
  port: MessagePort;
  /** One slot per worker: 0 while it works, 1 when its message is posted. */
  done: Int32Array;
}

if (parentPort !== null && workerData !== null && typeof workerData === 'object' && 'job' in workerData) {
  const { job, split, port, done } = workerData as BeaconWorkerData;
  const t0 = performance.now();
  try {
    // The settings arrive as a copy: resolve them once here (the scorer caches per settings object).
    const results = scoreGroups({ ...job, scoring: resolveSettings(job.scoring) }, split);
    port.postMessage({ results, seconds: (performance.now() - t0) / 1000 });
  } catch (e) {
    port.postMessage({ error: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) });
  }
  Atomics.store(done, split.index, 1);
  Atomics.notify(done, split.index);
}
