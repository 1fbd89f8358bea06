/**
 * Retro-hunt: the intelligence in force applied to a whole dataset, one finding per (host,
 * indicator) with the first and last sighting, every channel it was seen on (connections, DNS,
 * TLS, HTTP), sample uids, and the other internal hosts that touched the same indicator.
 *
 * Domain-only intelligence reaches IP-only traffic through passive DNS: a connection to an address
 * that a listed domain resolved to (in anybody's lookup) is a sighting of that domain, even when
 * the host's own lookup was not seen (an internal resolver asked for it, or the lookup happened
 * before the capture). Addresses with many names (shared hosting, CDNs) are left out of this, and
 * so are connections whose TLS server name or HTTP Host names another host.
 *
 * The aggregation and the Finding JSON are built by IntelAggregator (intel-findings.ts), shared
 * with the matcher that runs while records are ingested.
 */
import { connIterable, forEachConn, type Dataset } from '../detect/dataset.js';
import type { Finding } from '../detect/finding.js';
import type { IntelIndex } from './intel-index.js';
import { IntelAggregator, type IntelMatchSettings } from './intel-findings.js';

export { INTEL_MATCH_DEFAULTS, type IntelMatchSettings } from './intel-findings.js';

/**
 * Findings (detector `intel`) for every listed indicator seen in the dataset: one per (host,
 * indicator type and value), merging the feeds that list it. The score is the feeds' combined
 * confidence (noisy-or of each feed's best figure) times the best sighting's factor (see
 * IntelMatchSettings); severity follows the score.
 */
export function matchDataset(index: IntelIndex, ds: Dataset, settings: Partial<IntelMatchSettings> = {}): Finding[] {
  if (index.size === 0) return [];
  const g = new IntelAggregator(index, settings);

  // Direct sightings, record by record.
  forEachConn(ds, (c) => g.add('conn', c));
  for (const d of ds.dns) g.add('dns', d);
  for (const t of ds.tls) g.add('tls', t);
  for (const h of ds.http) g.add('http', h);

  // Passive DNS: connections to addresses that listed domains resolved to.
  if (index.hasDomains) {
    // The name each connection announced itself (TLS SNI, HTTP Host): such connections are judged by that name.
    const announced = new Map<string, string>();
    for (const t of ds.tls) if (t.server_name) announced.set(t.uid, t.server_name.toLowerCase());
    for (const h of ds.http) if (h.host && !announced.has(h.uid)) announced.set(h.uid, h.host.toLowerCase().replace(/:\d+$/, ''));
    // Who resolved what to which address: host \x1f name \x1f ip.
    const own = new Set<string>();
    for (const d of ds.dns) {
      if (d.answers.length === 0) continue;
      const names = [d.query.toLowerCase()];
      for (const x of d.answers) {
        if (/^[0-9.]+$|:/.test(x)) for (const n of names) own.add(`${d.orig_h}\x1f${n}\x1f${x}`);
        else names.push(x.toLowerCase());
      }
    }
    g.addThroughPdns({
      conns: connIterable(ds),
      announced: (uid) => announced.get(uid),
      ownLookup: (host, name, ip) => own.has(`${host}\x1f${name}\x1f${ip}`),
      namesOf: (ip) => ds.namesOf(ip),
    });
  }
  return g.findings(ds.internal);
}
