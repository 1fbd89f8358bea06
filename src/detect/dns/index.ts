/**
 * DNS abuse detectors (detector `dns`): C2 over DNS / tunnelling (kind `tunnel`), DGA-like names
 * (kind `dga`) and NXDOMAIN bursts (kind `nxdomain_burst`). Policy over DnsRecords; every
 * finding carries its components, the numbers behind them and the thresholds used.
 *
 * Files: settings.ts (tunables and the catalogue), names.ts (labels, registered domains),
 * lexical.ts (the per-label DGA score), tunnel.ts, dga.ts, nxdomain.ts (the three detectors).
 * Left out of every detector: multicast DNS / LLMNR and `.local` names, reverse lookups.
 */
import type { Dataset } from '../dataset.js';
import type { Finding } from '../finding.js';
import { dnsContext } from './context.js';
import { detectDga } from './dga.js';
import { detectNxBursts } from './nxdomain.js';
import { dnsSettings, type DnsSettings } from './settings.js';
import { detectTunnels } from './tunnel.js';

export { DNS_DEFAULTS, HIGH_CARDINALITY_SERVICES, catalogueEntry, dnsSettings, type DnsSettings } from './settings.js';
export { labelScore, labelFeatures, type LabelFeatures } from './lexical.js';
export { nameParts, type NameParts } from './names.js';

/** Run the three DNS detectors over a dataset's DNS records. Throws on an invalid setting. */
export function detectDns(ds: Dataset, settings: Partial<DnsSettings> = {}): Finding[] {
  const ctx = dnsContext(ds, dnsSettings(settings));
  return [...detectTunnels(ctx), ...detectDga(ctx), ...detectNxBursts(ctx)];
}
