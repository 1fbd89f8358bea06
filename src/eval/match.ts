/**
 * Matching findings to the simulator's labels (src/sim/LABELS.md): the rules the demo and
 * `npm run eval` use to call a labelled behaviour found, and a finding true or false.
 */
import type { Finding } from '../detect/finding.js';
import type { BehaviourLabel, BenignPeriodicLabel } from '../sim/index.js';

type Labelled = Pick<BehaviourLabel, 'kind' | 'host'> & { dst_ip?: string; dst_ips?: string[]; domain?: string };

/** Does the finding point at the label's remote end (an address, or the domain or a parent of it)? */
function toDst(b: Labelled, f: Finding): boolean {
  const ips = new Set([...(b.dst_ips ?? []), ...(b.dst_ip ? [b.dst_ip] : [])]);
  if (f.dst !== undefined && ips.has(f.dst)) return true;
  if ((f.dsts ?? []).some((d) => ips.has(d))) return true;
  if (b.domain !== undefined && f.fqdn !== undefined) {
    const d = b.domain.toLowerCase(), q = f.fqdn.toLowerCase();
    return q === d || q.endsWith('.' + d) || d.endsWith('.' + q);
  }
  return false;
}

/** Is this finding an observation of that labelled behaviour? */
export function findingMatches(b: Labelled, f: Finding): boolean {
  if (f.src !== b.host) return false;
  switch (b.kind as string) {
    case 'beacon': return f.detector === 'beacon' && toDst(b, f);
    case 'mining': return f.detector === 'mining' || (f.detector === 'long_conn' && toDst(b, f)) || (f.detector === 'beacon' && toDst(b, f));
    case 'long_conn': case 'reverse_shell': return f.detector === 'long_conn' && toDst(b, f);
    case 'scan_horizontal': return f.detector === 'scan' && f.kind === 'horizontal';
    case 'scan_vertical': return f.detector === 'scan' && f.kind === 'vertical';
    case 'scan_icmp': return f.detector === 'scan' && f.kind === 'icmp_sweep';
    case 'dga': return (f.detector === 'dns' && (f.kind === 'dga' || f.kind === 'nxdomain_burst')) || (f.detector === 'beacon' && toDst(b, f));
    case 'dns_c2': return f.detector === 'dns' && f.kind === 'tunnel';
    case 'benign_periodic': return (f.detector === 'beacon' || f.detector === 'long_conn') && toDst(b, f);
    default: return false;
  }
}

/** Findings that explain a labelled behaviour. */
export function matchLabel<F extends Finding>(b: Labelled, findings: readonly F[]): F[] {
  return findings.filter((f) => findingMatches(b, f));
}

export type { BehaviourLabel, BenignPeriodicLabel };
