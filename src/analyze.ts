/**
 * The analyst's job in one call: get the records (ingest into the store, or decode in memory),
 * build the dataset, run the detectors, and add to each finding what the history says about its
 * endpoint (the lookback step). `analyzePaths` keeps everything in the store (the default of
 * `c2hunt analyze`); `analyzeCaptures` works in memory (demo, evaluation, `--no-db`).
 */
import { decodeCaptures, type DecodeOptions, type DecodeSummary } from './sensor/decode-file.js';
import { MemorySink } from './records/writers.js';
import { buildDataset, type Dataset } from './detect/dataset.js';
import { Networks, DEFAULT_INTERNAL_NETS } from './detect/networks.js';
import { runDetectors, type DetectSettings } from './detect/run.js';
import type { Finding } from './detect/finding.js';
import { ingestPaths, loadDataset, type IngestProgress, type IngestSummary, type Store } from './store/index.js';

export interface AnalyzeOptions extends DecodeOptions {
  internalNets?: readonly string[];
  detect?: DetectSettings;
}

/** What the history says about a finding's external endpoint. */
export interface Lookback {
  /** Names that resolved to the destination IP(s), most frequent first. */
  domains: { fqdn: string; ip: string; first: number; last: number; count: number }[];
  /** Internal hosts that talked to the destination IP(s). */
  hosts: string[];
}

export type AnalyzedFinding = Finding & { lookback: Lookback };

export interface AnalyzeResult {
  /** Per-capture decode summaries (in-memory analysis). */
  captures: DecodeSummary[];
  /** The ingest summary (store analysis). */
  ingest?: IngestSummary;
  findings: AnalyzedFinding[];
  /** Seconds per stage: decode or ingest, dataset, each detector, lookback. */
  timings: Record<string, number>;
  dataset: Dataset;
}

/** Detect over a dataset and attach the lookback of each finding's endpoint. */
export function analyzeDataset(ds: Dataset, detect?: DetectSettings): { findings: AnalyzedFinding[]; timings: Record<string, number> } {
  const r = runDetectors(ds, detect);
  const t0 = performance.now();
  const findings = r.findings.map((f) => {
    const ips = f.dst !== undefined ? [f.dst] : f.detector === 'scan' ? [] : f.dsts ?? [];
    const domains = ips.flatMap((ip) => ds.namesOf(ip)).slice(0, 10);
    const hosts = [...new Set(ips.flatMap((ip) => [...ds.talkersOf(ip)]))].sort();
    return { ...f, lookback: { domains, hosts } };
  });
  return { findings, timings: { ...r.timings, lookback: (performance.now() - t0) / 1000 } };
}

/** Decode captures in memory and analyse them. */
export async function analyzeCaptures(paths: readonly string[], opts: AnalyzeOptions = {}): Promise<AnalyzeResult> {
  const sink = new MemorySink();
  const t0 = performance.now();
  const captures = await decodeCaptures(paths, sink, opts);
  const tDecode = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const ds = buildDataset(sink.records, new Networks(opts.internalNets ?? DEFAULT_INTERNAL_NETS));
  const tBuild = (performance.now() - t1) / 1000;
  const a = analyzeDataset(ds, opts.detect);
  return { captures, findings: a.findings, timings: { decode: tDecode, dataset: tBuild, ...a.timings }, dataset: ds };
}

/**
 * Ingest paths (captures, Zeek or Suricata logs) into the store, analyse everything stored, and
 * save the findings there, so `c2hunt lookback` and later runs see them.
 */
export async function analyzePaths(store: Store, paths: readonly string[], opts: {
  internalNets?: readonly string[]; detect?: DetectSettings; onProgress?: (p: IngestProgress) => void;
} = {}): Promise<AnalyzeResult> {
  const t0 = performance.now();
  const ingest = await ingestPaths(store, paths, { onProgress: opts.onProgress });
  const tIngest = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const ds = await loadDataset(store, undefined, new Networks(opts.internalNets ?? DEFAULT_INTERNAL_NETS));
  const tBuild = (performance.now() - t1) / 1000;
  const a = analyzeDataset(ds, opts.detect);
  const t2 = performance.now();
  await store.saveFindings(a.findings.map(({ lookback: _l, ...f }) => f));
  return {
    captures: [], ingest, findings: a.findings, dataset: ds,
    timings: { ingest: tIngest, dataset: tBuild, ...a.timings, save: (performance.now() - t2) / 1000 },
  };
}
