/**
 * Worker thread entry (internal to parallel/): score slots of a beacon run's connection groups
 * claimed from the shared counter `next` until none is left (scoreClaimed, beacon-groups.ts),
 * post the results on `port`, then raise `done[index]` so the waiting thread wakes (pool.ts). The job's typed arrays are in shared
 * memory: nothing is copied but the settings and this thread's results.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { resolveSettings } from '../beacon/index.js';
import { scoreClaimed, type GroupJob } from '../beacon-groups.js';

/** What pool.ts hands a worker. */
export interface BeaconWorkerData {
  job: GroupJob;
  /** This worker's slot in `done`. */
  index: number;
  port: MessagePort;
  /** The next unclaimed slot of groups, shared by every thread scoring the job. */
  next: Int32Array;
  /** One slot per worker: 0 while it works, 1 when its message is posted. */
  done: Int32Array;
}

if (parentPort !== null && workerData !== null && typeof workerData === 'object' && 'job' in workerData) {
  const { job, index, port, done, next } = workerData as BeaconWorkerData;
  const t0 = performance.now();
  try {
    // The settings arrive as a copy: resolve them once here (the scorer caches per settings object).
    const results = scoreClaimed({ ...job, scoring: resolveSettings(job.scoring) }, () => Atomics.add(next, 0, 1));
    port.postMessage({ results, seconds: (performance.now() - t0) / 1000 });
  } catch (e) {
    port.postMessage({ error: e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e) });
  }
  Atomics.store(done, index, 1);
  Atomics.notify(done, index);
}
