/** `c2hunt intel add|list|remove|update|check|formats`: the threat-intelligence feeds c2hunt matches traffic against. */
import { type Command, InvalidArgumentError } from 'commander';
import {
  FETCH_TIMEOUT_MS, FORMATS, IntelDirectory, parseForFeed, readSource, resolveIntelDir,
  type FeedManifest, type ParseResult,
} from '../../intel/index.js';
import { table } from '../table.js';
import { retroHunt, type RetroHuntResult } from '../../intel/retro-hunt.js';
import { DEFAULT_DB_PATH } from '../../store/index.js';
import { STORE_ENV, storeLocation } from '../store-option.js';

const DB_HELP = `store to retro-hunt in: the new indicators are matched against all its history; a DuckDB file or clickhouse:// URL (default $${STORE_ENV}, else the config file's "store", else ./${DEFAULT_DB_PATH} when it exists)`;

function printHunt(h: RetroHuntResult | undefined, feed: string): void {
  if (h === undefined) return;
  const span = h.first !== undefined ? ` from ${new Date(h.first * 1000).toISOString()} to ${new Date(h.last! * 1000).toISOString()}` : '';
  process.stdout.write(`retro-hunt in ${h.db} (${h.connections.toLocaleString('en-US')} connections${span}): ${h.findings.length} hit(s) of ${feed}\n`);
  for (const f of h.findings.slice(0, 20)) process.stdout.write(`  ${f.severity.padEnd(8)} ${f.title}\n`);
  if (h.findings.length > 20) process.stdout.write(`  ... and ${h.findings.length - 20} more (c2hunt lookback host IP shows them)\n`);
}

interface DirOpts { intelDir?: string; json?: boolean }

function parseConfidence(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 100) throw new InvalidArgumentError('must be a number from 0 to 100');
  return n;
}

function parseSeconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number of seconds');
  return n;
}

const DIR_HELP = `feed directory (default $C2HUNT_INTEL_DIR, else ~/.c2hunt/intel)`;

function fmtCounts(c: FeedManifest['counts']): string {
  return Object.entries(c).map(([t, n]) => `${t} ${n!.toLocaleString('en-US')}`).join(', ') || '-';
}

function fmtWhen(iso: string | undefined): string {
  return iso === undefined ? '-' : iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** "2 broken entries (line 12: ...; line 13: ...)", skipped and warnings, for add/update/check. */
function parseNotes(r: ParseResult): string[] {
  const out: string[] = [];
  if (r.rejected > 0) {
    out.push(`${r.rejected.toLocaleString('en-US')} broken ${r.rejected === 1 ? 'entry' : 'entries'} left out:`);
    for (const e of r.errors.slice(0, 10)) out.push(`  ${e.where}: ${e.reason}`);
    if (r.rejected > 10) out.push(`  ... ${(r.rejected - 10).toLocaleString('en-US')} more`);
  }
  for (const [why, n] of Object.entries(r.skipped)) out.push(`${n.toLocaleString('en-US')} skipped: ${why}`);
  for (const w of r.warnings) out.push(`warning: ${w}`);
  return out;
}

function manifestJson(m: FeedManifest): Record<string, unknown> {
  return { ...m };
}

/** Adds `c2hunt intel` and its subcommands to the program (main.ts wires it). */
export function registerIntel(program: Command): void {
  const intel = program.command('intel')
    .summary('manage threat-intelligence feeds (add, list, remove, update)')
    .description(`Threat-intelligence feeds c2hunt matches traffic against: IP addresses and networks,
domains (with their subdomains), URLs, JA3/JA4 fingerprints and certificate SHA-1s. Each feed is
copied into the feed directory with a manifest; a feed that cannot be read or holds no valid
indicator never replaces the version in force.

Formats (detected from content, or --format): ${FORMATS.map((f) => f.name).join(', ')}.`)
    .addHelpText('after', `
Examples:
  c2hunt intel add https://feodotracker.abuse.ch/downloads/ipblocklist.csv --name feodo
  c2hunt intel add ./threatfox.json --name threatfox
  c2hunt intel add ./mylist.txt --name mine --format plain --confidence 80
  c2hunt intel list
  c2hunt intel update            # re-read every feed from its file or URL
  c2hunt intel remove mine`);

  intel.command('add')
    .summary('add a feed from a file or URL')
    .argument('<source>', 'feed file, or http(s) URL')
    .requiredOption('--name <name>', 'name of the feed (letters, digits, . _ -)')
    .option('--format <format>', `format, when detection should not decide (${FORMATS.map((f) => f.name).join(', ')})`)
    .option('--confidence <n>', 'confidence 0..100 for indicators whose feed gives none', parseConfidence)
    .option('--replace', 'replace a feed of the same name')
    .option('--timeout <seconds>', 'download time limit', parseSeconds, FETCH_TIMEOUT_MS / 1000)
    .option('--intel-dir <dir>', DIR_HELP)
    .option('--store <location>', DB_HELP)
    .option('--db <location>', 'same as --store')
    .option('--no-hunt', 'do not retro-hunt in the store')
    .option('--json', 'print the manifest as JSON')
    .action(async (source: string, o: DirOpts & { name: string; format?: string; confidence?: number; replace?: boolean; timeout: number; db?: string; store?: string; hunt: boolean }) => {
      const dir = new IntelDirectory(resolveIntelDir(o.intelDir));
      const r = await dir.add(source, {
        name: o.name, timeoutMs: o.timeout * 1000,
        ...(o.format !== undefined ? { format: o.format } : {}), ...(o.confidence !== undefined ? { confidence: o.confidence } : {}),
        ...(o.replace ? { replace: true } : {}),
      });
      const hunt = o.hunt ? await retroHunt(storeLocation(o), r.result.indicators) : undefined;
      if (o.json) { process.stdout.write(JSON.stringify({ ...manifestJson(r.manifest), retro_hunt: hunt ?? null }, null, 2) + '\n'); return; }
      const m = r.manifest;
      process.stdout.write(`${r.previous ? 'replaced' : 'added'} feed ${m.name} (${m.format}) from ${m.source}: ${m.indicators.toLocaleString('en-US')} indicators (${fmtCounts(m.counts)})\n`);
      for (const l of parseNotes(r.result)) process.stdout.write(`${l}\n`);
      printHunt(hunt, m.name);
    });

  intel.command('list')
    .summary('list the feeds: format, indicators by type, last update')
    .option('--intel-dir <dir>', DIR_HELP)
    .option('--json', 'print the manifests as JSON')
    .action((o: DirOpts) => {
      const dir = new IntelDirectory(resolveIntelDir(o.intelDir));
      const { feeds, problems } = dir.list();
      if (o.json) {
        process.stdout.write(JSON.stringify({ dir: dir.dir, feeds: feeds.map(manifestJson), problems }, null, 2) + '\n');
      } else if (feeds.length === 0) {
        process.stdout.write(`no feeds in ${dir.dir} (add one with: c2hunt intel add FILE|URL --name NAME)\n`);
      } else {
        process.stdout.write(table(['name', 'format', 'indicators', 'by type', 'updated', 'source'],
          feeds.map((m) => [m.name, m.format, m.indicators, fmtCounts(m.counts), fmtWhen(m.updated), m.source])) + '\n');
        for (const m of feeds.filter((f) => f.last_error)) {
          process.stdout.write(`\n${m.name}: last update failed at ${fmtWhen(m.last_error!.at)}: ${m.last_error!.message}; the version of ${fmtWhen(m.updated)} is in force\n`);
        }
      }
      for (const p of problems) process.stderr.write(`c2hunt: ${p}\n`);
      if (problems.length > 0) process.exitCode = 2;
    });

  intel.command('remove')
    .summary('remove a feed')
    .argument('<name>', 'feed name')
    .option('--intel-dir <dir>', DIR_HELP)
    .action((name: string, o: DirOpts) => {
      const m = new IntelDirectory(resolveIntelDir(o.intelDir)).remove(name);
      process.stdout.write(`removed feed ${m.name} (${m.indicators.toLocaleString('en-US')} indicators)\n`);
    });

  intel.command('update')
    .summary('re-read feeds from their files and URLs')
    .description(`Re-read every feed (or those named) from its file or URL. A feed that cannot be read
(offline, HTTP error, missing file) or parses to nothing keeps the version in force; the failure is
printed and recorded, and the exit status is 2.`)
    .argument('[names...]', 'feeds to update (default: all)')
    .option('--timeout <seconds>', 'download time limit per feed', parseSeconds, FETCH_TIMEOUT_MS / 1000)
    .option('--intel-dir <dir>', DIR_HELP)
    .option('--store <location>', DB_HELP)
    .option('--db <location>', 'same as --store')
    .option('--no-hunt', 'do not retro-hunt in the store')
    .option('--json', 'print the outcomes as JSON')
    .action(async (names: string[], o: DirOpts & { timeout: number; db?: string; store?: string; hunt: boolean }) => {
      const dir = new IntelDirectory(resolveIntelDir(o.intelDir));
      const outcomes = await dir.update(names, { timeoutMs: o.timeout * 1000 });
      if (o.json) {
        process.stdout.write(JSON.stringify(outcomes.map((u) => (u.ok
          ? { name: u.name, ok: true, changed: u.changed, manifest: u.manifest }
          : { name: u.name, ok: false, code: u.error.code, error: u.error.message, kept: u.kept })), null, 2) + '\n');
      } else if (outcomes.length === 0) {
        process.stdout.write(`no feeds in ${dir.dir}\n`);
      }
      for (const u of outcomes) {
        if (u.ok) {
          if (o.json) continue;
          const before = u.previous?.indicators ?? 0;
          const d = u.manifest.indicators - before;
          process.stdout.write(u.changed
            ? `${u.name}: updated, ${u.manifest.indicators.toLocaleString('en-US')} indicators (${d >= 0 ? '+' : ''}${d.toLocaleString('en-US')}; ${fmtCounts(u.manifest.counts)})\n`
            : `${u.name}: unchanged, ${u.manifest.indicators.toLocaleString('en-US')} indicators\n`);
          if (u.changed) {
            for (const l of parseNotes(u.result)) process.stdout.write(`  ${l}\n`);
            if (o.hunt) printHunt(await retroHunt(storeLocation(o), u.result.indicators), u.name);
          }
        } else {
          process.stderr.write(`c2hunt: ${u.error.message}; the version of ${fmtWhen(u.kept.updated)} (${u.kept.indicators.toLocaleString('en-US')} indicators) stays in force\n`);
          process.exitCode = 2;
        }
      }
    });

  intel.command('check')
    .summary('read a feed and report what it holds, without adding it')
    .argument('<source>', 'feed file, or http(s) URL')
    .option('--format <format>', 'format, when detection should not decide')
    .option('--timeout <seconds>', 'download time limit', parseSeconds, FETCH_TIMEOUT_MS / 1000)
    .option('--json', 'print the result as JSON')
    .action(async (source: string, o: { format?: string; timeout: number; json?: boolean }) => {
      const { text } = await readSource(source, { timeoutMs: o.timeout * 1000 });
      const { format, result } = parseForFeed('add', 'check', text, o.format);
      const counts: Record<string, number> = {};
      for (const i of result.indicators) counts[i.type] = (counts[i.type] ?? 0) + 1;
      if (o.json) {
        const { indicators, ...rest } = result;
        process.stdout.write(JSON.stringify({ format, indicators: indicators.length, counts, ...rest }, null, 2) + '\n');
        return;
      }
      process.stdout.write(`${source}: ${format}, ${result.indicators.length.toLocaleString('en-US')} indicators (${fmtCounts(counts)})\n`);
      for (const l of parseNotes(result)) process.stdout.write(`${l}\n`);
    });

  intel.command('formats')
    .summary('list the feed formats c2hunt reads')
    .option('--json', 'print as JSON')
    .action((o: { json?: boolean }) => {
      const rows = FORMATS.map((f) => ({ name: f.name, title: f.title, default_confidence: f.defaultConfidence }));
      if (o.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      else process.stdout.write(table(['format', 'confidence', 'description'], rows.map((r) => [r.name, r.default_confidence, r.title])) + '\n');
    });
}
