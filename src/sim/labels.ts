/** The ground-truth labels written next to every simulated capture (format: LABELS.md). */

/** Kinds of malicious behaviour. */
export type BehaviourKind = 'beacon' | 'long_conn' | 'mining' | 'reverse_shell' | 'scan_horizontal' | 'scan_vertical' | 'scan_icmp' | 'dga' | 'dns_c2';

/** One malicious behaviour of one internal host. Times are epoch seconds. */
export interface BehaviourLabel {
  id: string;
  kind: BehaviourKind;
  malicious: true;
  /** Internal IP of the infected host. */
  host: string;
  /** The remote (or scanned) endpoint when there is one. */
  dst_ip?: string;
  /** All remote endpoints (IP rotation, several C2 servers, scanned addresses summarised elsewhere). */
  dst_ips?: string[];
  /** Domain the host resolves to reach the endpoint (C2 domain, pool name, DNS-C2 zone). */
  domain?: string;
  port?: number;
  proto?: 'tcp' | 'udp' | 'icmp';
  /** First and last event actually in the capture (scheduled bounds when there was none). */
  start: number;
  end: number;
  /** Parameters that produced the behaviour (period, jitter ... see LABELS.md). */
  params: Record<string, unknown>;
  /** Events in the capture: beats, sessions, probes, queries (per kind, see LABELS.md). */
  events: number;
  /** Id of the behaviour that caused this one (second-hop infection after a scan). */
  parent?: string;
  /** One line for humans. */
  description: string;
}

/** A benign service that is periodic by design: counts as a false positive if flagged. */
export interface BenignPeriodicLabel {
  id: string;
  kind: 'benign_periodic';
  malicious: false;
  service: string;
  host: string;
  dst_ip?: string;
  dst_ips?: string[];
  domain?: string;
  port: number;
  proto: 'tcp' | 'udp';
  start: number;
  end: number;
  params: { period: number; jitter: number; jitter_dist: 'uniform' | 'gaussian'; transport: string; [k: string]: unknown };
  events: number;
  description: string;
}

/**
 * Benign, not periodic, but shaped like something a detector looks for (long sessions, DNS
 * queries of many unique subdomains): flagging it is a false positive.
 */
export interface BenignNotableLabel {
  id: string;
  kind: 'benign_notable';
  malicious: false;
  /** `ssh_session` (long interactive sessions), `av_dns_reputation` (hash lookups under one zone). */
  service: string;
  host: string;
  dst_ips?: string[];
  domain?: string;
  port: number;
  proto: 'tcp' | 'udp';
  start: number;
  end: number;
  /** What it looks like: `long_conn`, `unique_subdomains` ... */
  looks_like: string;
  /** Sessions or queries in the capture. */
  events: number;
  description: string;
}

/** The labels file. */
export interface LabelsFile {
  version: 1;
  scenario: string;
  seed: number;
  start: number;
  end: number;
  hosts: number;
  internal_nets: string[];
  infrastructure: { dns_resolver: string; domain_controller: string; file_server: string; linux_server: string; ad_domain: string };
  behaviours: BehaviourLabel[];
  benign_periodic: BenignPeriodicLabel[];
  /** Benign look-alikes that are not periodic (extension of format version 1). */
  benign_notable: BenignNotableLabel[];
}

/** Tracks the first/last event and the count of a label while the capture is generated. */
export class EventTracker {
  first = Infinity;
  last = -Infinity;
  count = 0;
  /** Records an event at `tUs` (microseconds) if it falls inside the capture. */
  hit(tUs: number, endUs: number): void {
    if (tUs >= endUs) return;
    this.count++;
    if (tUs < this.first) this.first = tUs;
    if (tUs > this.last) this.last = tUs;
  }
  /** Start/end in seconds, falling back to the scheduled bounds. */
  bounds(schedStartUs: number, schedEndUs: number): { start: number; end: number } {
    return this.count
      ? { start: this.first / 1e6, end: this.last / 1e6 }
      : { start: schedStartUs / 1e6, end: schedEndUs / 1e6 };
  }
}
