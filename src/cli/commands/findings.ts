/** `c2hunt findings`: stored findings, ranked, as a table or JSON. */
import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_DB_PATH, formatTime, openStore, parseWindow } from '../../store/index.js';
import { SEVERITY_THRESHOLDS, type Detector, type Finding, type Severity } from '../../detect/finding.js';
import { table } from '../table.js';
import { addStoreOption, storeLocation, type StoreFlags } from '../store-option.js';

/** Most findings read from the store before filtering (the store caps queries at 100,000 rows). */
const READ_LIMIT = 100_000;
const SEVERITIES: readonly Severity[] = SEVERITY_THRESHOLDS.map(([s]) => s);
/** Detector names a finding can carry. */
export const DETECTOR_NAMES: readonly Detector[] = ['beacon', 'long_conn', 'scan', 'mining', 'dns', 'intel'];

/** Options of {@link filterFindings}. */
export interface FindingFilter {
  detector?: Detector;
  minSeverity?: Severity;
  limit?: number;
}

/** Keep findings of a detector and at or above a severity, at most `limit` of them (input ranked). */
export function filterFindings(findings: readonly Finding[], f: FindingFilter): Finding[] {
  const rank = (s: Severity) => SEVERITIES.length - 1 - SEVERITIES.indexOf(s); // info 0 .. critical 4
  const min = f.minSeverity !== undefined ? rank(f.minSeverity) : 0;
  const out = findings.filter((x) => (f.detector === undefined || x.detector === f.detector) && rank(x.severity) >= min);
  return f.limit !== undefined ? out.slice(0, f.limit) : out;
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function oneOf<T extends string>(names: readonly T[], what: string): (v: string) => T {
  return (v) => {
    if (!(names as readonly string[]).includes(v)) throw new InvalidArgumentError(`unknown ${what} '${v}' (use ${names.join(', ')})`);
    return v as T;
  };
}

interface FindingsFlags extends StoreFlags { host?: string; detector?: Detector; minSeverity?: Severity; since?: string; until?: string; json?: boolean; limit: number }

export function registerFindings(program: Command): void {
  const cmd = program.command('findings')
    .summary('list stored findings, ranked (table or --json)')
    .description(`List the findings stored by c2hunt detect (or c2hunt analyze), most severe first, then by
score. A finding is kept once per id: running detect again updates it. --since/--until select
findings whose evidence overlaps the window. The JSON is the documented Finding shape
(src/detect/finding.ts): id, detector, kind, title, src, dst/dsts, fqdn, port, proto, first, last,
score, severity, evidence, reasons, uids, attack.`);
  addStoreOption(cmd, 'to read findings from')
    .option('--host <ip>', 'only findings whose source or destination is this address')
    .option('--detector <name>', `only this detector: ${DETECTOR_NAMES.join(', ')}`, oneOf(DETECTOR_NAMES, 'detector'))
    .option('--min-severity <level>', `lowest severity listed: ${[...SEVERITIES].reverse().join(', ')}`, oneOf(SEVERITIES, 'severity'))
    .option('--since <when>', 'findings whose evidence ends at or after this time: ISO date/time, epoch seconds, or a duration before the newest stored record (24h)')
    .option('--until <when>', 'findings whose evidence starts before this time (same forms)')
    .option('--limit <n>', 'most findings listed', positiveInt, 50)
    .option('--json', 'print {"count", "findings": [Finding ...]} as JSON')
    .addHelpText('after', `
Examples:
  c2hunt findings --min-severity high
  c2hunt findings --host 192.168.1.23 --detector beacon --json | jq '.findings[0].evidence'`)
    .action(async (o: FindingsFlags) => {
      const store = await openStore(storeLocation(o), { readOnly: true });
      let shown: Finding[];
      let total: number;
      try {
        const range = await store.dataRange();
        const window = parseWindow(o.since, o.until, range?.last ?? Date.now() / 1000);
        const all = await store.findings({ ...(o.host !== undefined ? { host: o.host } : {}), window, limit: READ_LIMIT });
        const matching = filterFindings(all, { detector: o.detector, minSeverity: o.minSeverity });
        total = matching.length;
        shown = matching.slice(0, o.limit);
      } finally {
        await store.close();
      }
      if (o.json) {
        process.stdout.write(JSON.stringify({ count: total, findings: shown }, null, 2) + '\n');
        return;
      }
      if (shown.length === 0) {
        process.stdout.write('no findings match (run c2hunt detect first?)\n');
        return;
      }
      process.stdout.write(table(['severity', 'score', 'detector', 'title', 'first', 'last', 'id'],
        shown.map((f) => [f.severity, f.score.toFixed(2), f.detector, f.title, formatTime(f.first), formatTime(f.last), f.id])) + '\n');
      if (total > shown.length) process.stdout.write(`... ${total - shown.length} more (use --limit or --json)\n`);
    });
}
