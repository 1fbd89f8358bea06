/**
 * The intelligence a command runs with: the feed directory (`c2hunt intel add ...`) plus feed
 * files named on the command line (`--intel FILE`), parsed and indexed together. A damaged feed
 * in the directory is reported and the rest is used; a file named on the command line that
 * cannot be read is an error (the user asked for it).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { IntelIndex } from './intel-index.js';
import { IntelDirectory, resolveIntelDir } from './feed-dir.js';
import { parseFeedText } from './formats/registry.js';
import type { Indicator } from './indicator.js';

export interface CommandIntel {
  index: IntelIndex;
  /** One line per source: name, format, indicators. */
  sources: string[];
  /** Problems that did not stop the run (damaged directory feeds, rejected entries). */
  problems: string[];
  indicators: number;
}

export function loadCommandIntel(opts: { dir?: string; files?: readonly string[]; useDir?: boolean } = {}): CommandIntel {
  const lists: Indicator[][] = [];
  const sources: string[] = [];
  const problems: string[] = [];
  if (opts.useDir !== false) {
    const loaded = new IntelDirectory(resolveIntelDir(opts.dir)).loadIndicators();
    problems.push(...loaded.problems);
    lists.push(...loaded.lists);
    loaded.feeds.forEach((f, i) => sources.push(`${f.name} (${f.format}, ${loaded.lists[i]?.length ?? 0} indicators, feed directory)`));
  }
  for (const file of opts.files ?? []) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new Error(`Cannot read intelligence ${file}: ${(e as Error).message}`);
    }
    let parsed: ReturnType<typeof parseFeedText>;
    try {
      parsed = parseFeedText(text, { feed: basename(file) });
    } catch (e) {
      throw new Error(`Cannot use intelligence ${file}: ${(e as Error).message}`);
    }
    const { format, result } = parsed;
    if (result.indicators.length === 0) throw new Error(`Cannot use intelligence ${file}: no valid indicator (${format})`);
    lists.push(result.indicators);
    sources.push(`${basename(file)} (${format}, ${result.indicators.length} indicators)`);
    if (result.rejected > 0) problems.push(`${file}: ${result.rejected} entries rejected (first: ${result.errors[0]?.reason ?? '?'})`);
  }
  return { index: IntelIndex.build(lists), sources, problems, indicators: lists.reduce((n, l) => n + l.length, 0) };
}
