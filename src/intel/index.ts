/**
 * Threat intelligence: feeds in the formats people use, normalised indicators, an index that
 * matches them against records as they arrive (`matchRecord`) and a retro-hunt over a dataset
 * (`matchDataset`), and the feed directory behind `c2hunt intel`. Public entry of the module.
 */
export {
  type Indicator, type IndicatorType, INDICATOR_TYPES, MATCHED_TYPES, classifyValue, normaliseUrl, urlKey,
} from './indicator.js';
export { FORMATS, detectFormat, formatByName, parseFeedText } from './formats/registry.js';
export { Sniff, type FeedFormat, type FormatName, type ParseResult, type ParseContext, type EntryError } from './formats/types.js';
export { IntelIndex, IntelHandle, type Entry, type IndexedFeed } from './intel-index.js';
export { matchRecord, NO_MATCHES, type Match, type MatchField, type MatchHow } from './match.js';
export { matchDataset, INTEL_MATCH_DEFAULTS, type IntelMatchSettings } from './match-dataset.js';
export { IntelAggregator, type PdnsView } from './intel-findings.js';
export { IngestIntelMatcher, type IngestIntelOptions, type IngestIntelSummary } from './ingest-match.js';
export {
  IntelDirectory, DEFAULT_INTEL_DIR, resolveIntelDir, FEED_NAME_RE, parseForFeed,
  type FeedManifest, type AddOptions, type FeedOutcome, type UpdateOutcome, type LoadedIntel, type FeedReadOptions,
} from './feed-dir.js';
export { readSource, FETCH_TIMEOUT_MS, MAX_FEED_BYTES } from './source.js';
export { IntelError, type IntelErrorCode } from './errors.js';

import { IntelDirectory, resolveIntelDir, type LoadedIntel } from './feed-dir.js';

/**
 * The intelligence stored in the intel directory (`dir`, else $C2HUNT_INTEL_DIR, else
 * ~/.c2hunt/intel), as a fresh index. A missing directory gives an empty index; damaged feeds are
 * listed in `problems` and left out.
 */
export function loadIntel(dir?: string): LoadedIntel {
  return new IntelDirectory(resolveIntelDir(dir)).load();
}
