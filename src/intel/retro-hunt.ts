/**
 * Retro-hunting: new intelligence applied to all stored history (the article's second case: a
 * public report's C&C addresses found another infected host in past traffic). Runs when a feed
 * is added or updated; the hits are saved as findings in the store.
 */
import { existsSync } from 'node:fs';
import { IntelIndex } from './intel-index.js';
import { matchDataset } from './match-dataset.js';
import type { Indicator } from './indicator.js';
import type { Finding } from '../detect/finding.js';
import { loadDataset, openStore } from '../store/index.js';

export interface RetroHuntResult {
  db: string;
  /** Connections and time span the hunt covered. */
  connections: number;
  first?: number;
  last?: number;
  findings: Finding[];
}

/** Match these indicators against everything in the store at `db`; undefined when there is no store. */
export async function retroHunt(db: string, indicators: readonly Indicator[]): Promise<RetroHuntResult | undefined> {
  if (!existsSync(db)) return undefined;
  const store = await openStore(db);
  try {
    const ds = await loadDataset(store);
    const findings = matchDataset(IntelIndex.build([indicators]), ds);
    if (findings.length > 0) await store.saveFindings(findings);
    const range = await store.dataRange();
    return { db, connections: ds.connCount, first: range?.first, last: range?.last, findings };
  } finally {
    await store.close();
  }
}
