/**
 * Beacon scoring in worker threads, waited for synchronously, so `runDetectors` stays a plain
 * function: the workers score the connection groups (beacon-groups.ts) while the calling thread
 * runs the other detectors; then the calling thread scores too, taking slots of sources from the
 * same shared counter (Atomics.add) until none is left, so it never idles while a worker still
 * has work queued; then it blocks on a shared flag (Atomics.wait) and takes the workers' results
 * with receiveMessageOnPort. A slot holds whole sources, so coverage (a name-level finding
 * explaining an address group) stays inside one thread; merged in judging order, the results
 * are those of scoring in one thread.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { scoreClaimed, type GroupJob, type GroupResult } from '../beacon-groups.js';
import type { BeaconWorkerData } from './beacon-worker.js';

/** Longest wait for the workers (ms): a worker that died without answering is an error, not a hang. */
export const WORKER_TIMEOUT_MS = 30 * 60 * 1000;

/** Beacon scoring under way in worker threads. */
export interface PendingScores {
  /**
   * Score the slots still unclaimed in this thread, then block until every worker answered; the
   * results in judging order, each worker's seconds and how many of the results this thread found.
   */
  wait(): { results: GroupResult[]; seconds: number[]; helped: number };
}

/** Start `workers` threads scoring `job` (throws "Cannot start beacon workers: ..." when a thread cannot start). */
export function scoreInWorkers(job: GroupJob, workers: number): PendingScores {
  const done = new Int32Array(new SharedArrayBuffer(4 * workers));
  const next = new Int32Array(new SharedArrayBuffer(4)); // the next unclaimed slot
  const ports: MessagePort[] = [];
  const threads: Worker[] = [];
  try {
    for (let index = 0; index < workers; index++) {
      const { port1, port2 } = new MessageChannel();
      const data: BeaconWorkerData = { job, index, port: port2, done, next };
      threads.push(new Worker(new URL('./beacon-worker.js', import.meta.url), { workerData: data, transferList: [port2] }));
      ports.push(port1);
    }
  } catch (e) {
    for (const t of threads) void t.terminate();
    throw new Error(`Cannot start beacon workers: ${(e as Error).message}`);
  }
  return {
    wait() {
      const results: GroupResult[] = [];
      const seconds: number[] = [];
      let helped = 0;
      try {
        for (const r of scoreClaimed(job, () => Atomics.add(next, 0, 1))) { results.push(r); helped++; }
        const t0 = Date.now();
        for (let i = 0; i < workers; i++) {
          while (Atomics.load(done, i) === 0) {
            if (Date.now() - t0 > WORKER_TIMEOUT_MS) throw new Error(`Cannot score beacons: worker ${i} gave no answer in ${WORKER_TIMEOUT_MS / 60000} min`);
            Atomics.wait(done, i, 0, 1000);
          }
          const m = receiveMessageOnPort(ports[i]!)?.message as { results?: GroupResult[]; seconds?: number; error?: string } | undefined;
          if (m === undefined) throw new Error(`Cannot score beacons: worker ${i} finished without results`);
          if (m.error !== undefined) throw new Error(`Cannot score beacons: worker ${i} failed: ${m.error}`);
          for (const r of m.results!) results.push(r);
          seconds.push(m.seconds ?? NaN);
        }
      } finally {
        for (const p of ports) p.close();
        for (const t of threads) void t.terminate();
      }
      results.sort((a, b) => a.g - b.g);
      return { results, seconds, helped };
    },
  };
}
