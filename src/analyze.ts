/**
 * The analyst's job on a capture, in one call: decode, build the dataset, run the detectors,
 * and add to each finding what the history says about its endpoint (the lookback step).
 * Today this runs in memory; the store (DuckDB/ClickHouse) will take the dataset's place.
 */
import { decodeCaptures, type DecodeOptions, type DecodeSummary } from './sensor/decode-file.js';
import { MemorySink } from './records/writers.js';
import { buildDataset, type Dataset } from './detect/dataset.js';
import { Networks, DEFAULT_INTERNAL_NETS } from './detect/networks.js';
import { runDetectors, type DetectSettings } from './detect/run.js';
import type { Finding } from './detect/finding.js';

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

export interface AnalyzeResult {
  captures: DecodeSummary[];
  findings: (Finding & { lookback: Lookback })[];
  timings: Record<string, number>;
  dataset: Dataset;
}

export async function analyzeCaptures(paths: readonly string[], opts: AnalyzeOptions = {}): Promise<AnalyzeResult> {
  const sink = new MemorySink();
  const t0 = performance.now();
  const captures = await decodeCaptures(paths, sink, opts);
  const tDecode = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const ds = buildDataset(sink.records, new Networks(opts.internalNets ?? DEFAULT_INTERNAL_NETS));
  const tBuild = (performance.now() - t1) / 1000;
  const r = runDetectors(ds, opts.detect);
  const t2 = performance.now();
  const talkers = new Map<string, Set<string>>();
  for (const c of ds.conns) {
    if (!ds.internal.contains(c.orig_h)) continue;
    let s = talkers.get(c.resp_h);
    if (s === undefined) talkers.set(c.resp_h, (s = new Set()));
    s.add(c.orig_h);
  }
  const findings = r.findings.map((f) => {
    const ips = f.dst !== undefined ? [f.dst] : (f.detector === 'scan' ? [] : f.dsts ?? []);
    const domains = ips.flatMap((ip) => ds.namesOf(ip)).slice(0, 10);
    const hosts = [...new Set(ips.flatMap((ip) => [...(talkers.get(ip) ?? [])]))].sort();
    return { ...f, lookback: { domains, hosts } };
  });
  const tLook = (performance.now() - t2) / 1000;
  return { captures, findings, timings: { decode: tDecode, dataset: tBuild, ...r.timings, lookback: tLook }, dataset: ds };
}
