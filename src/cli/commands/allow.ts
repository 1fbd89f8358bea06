/** `c2hunt allow add|list|remove`: the analyst's allow-list (feedback the next analysis honours and reports). */
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import {
  addAllowEntry, allowFilePath, loadAllowList, matcherOf, parseExpiry, removeAllowEntries, saveAllowList, type AllowInput,
} from '../../correlate/allow-list.js';
import type { Detector } from '../../detect/finding.js';
import { table } from '../table.js';

const DETECTORS = ['beacon', 'long_conn', 'scan', 'mining', 'dns', 'intel'];

export function registerAllow(program: Command): void {
  const allow = program.command('allow')
    .summary('allow-list: mark what is fine here, with a reason (the next analysis suppresses it and says so)')
    .description(`The analyst's feedback. An entry matches findings by network, domain, source->destination pair or
finding id; matched findings are suppressed in the next analysis and listed with the entry's reason.
The list is a JSON file: --file, else $C2HUNT_ALLOWLIST, else ./c2hunt-allow.json.`);
  const fileOpt = () => new Option('--file <path>', 'allow-list file (default $C2HUNT_ALLOWLIST or ./c2hunt-allow.json)');

  allow.command('add')
    .summary('add (or update) an entry')
    .addOption(new Option('--cidr <net>', 'an address or network: matches findings from it, or whose remote addresses are all in it'))
    .addOption(new Option('--domain <pattern>', "'example.com' (that name) or '*.example.com' (every name under it and the apex)"))
    .addOption(new Option('--pair <src->dst>', "source address/network -> destination address, network or domain pattern"))
    .addOption(new Option('--finding <id>', 'one finding id: mark it as a false positive'))
    .addOption(new Option('--incident <id>', 'an incident id: mark it as a false positive (one entry per finding of the incident; needs --from)'))
    .addOption(new Option('--from <file>', 'the JSON of `c2hunt analyze --json` or `c2hunt report --format json` that holds the incident'))
    .requiredOption('--reason <text>', 'why it is fine (shown wherever a finding is suppressed)')
    .option('--expires <when>', "when the entry stops applying: '30d', '12h', '2w' or an ISO 8601 date")
    .addOption(new Option('--detector <name>', 'only findings of this detector').choices(DETECTORS))
    .option('--by <name>', 'who adds it')
    .addOption(fileOpt())
    .addHelpText('after', `
Examples:
  c2hunt allow add --domain '*.dropbox.com' --reason 'sanctioned file sync'
  c2hunt allow add --cidr 10.9.0.5 --detector scan --reason 'vulnerability scanner' --expires 90d
  c2hunt allow add --pair '10.1.1.16->backup.example.net' --reason 'nightly backup'
  c2hunt allow add --finding F27ce641205ecce96 --reason 'false positive: printer status poll'
  c2hunt analyze cap.pcap --json > a.json && c2hunt allow add --incident I3957fb196d413587 --from a.json --reason 'lab host'`)
    .action((o: { cidr?: string; domain?: string; pair?: string; finding?: string; incident?: string; from?: string; reason: string; expires?: string; detector?: string; by?: string; file?: string }) => {
      if (o.incident !== undefined) {
        // An incident is marked false positive through its findings: their ids are stable per
        // behaviour and pair, while an incident id is per host or endpoint and would hide a later,
        // real infection of the same host.
        if (o.from === undefined) throw new Error('Cannot add allow-list entry: --incident needs --from FILE (the JSON of c2hunt analyze --json or report --format json)');
        let doc: { incidents?: { id: string; findings: string[] }[] };
        try {
          doc = JSON.parse(readFileSync(o.from, 'utf8')) as typeof doc;
        } catch (e) {
          throw new Error(`Cannot read ${o.from}: ${(e as Error).message}`);
        }
        const inc = (doc.incidents ?? []).find((i) => i.id === o.incident);
        if (inc === undefined) throw new Error(`Cannot add allow-list entry: no incident ${o.incident} in ${o.from}`);
        const path = allowFilePath(o.file);
        let list = loadAllowList(path);
        for (const fid of inc.findings) {
          const input: AllowInput = { reason: `${o.reason} (incident ${inc.id})`, finding: fid };
          if (o.expires !== undefined) input.expires = parseExpiry(o.expires);
          if (o.by !== undefined) input.by = o.by;
          list = addAllowEntry(list, input).list;
        }
        saveAllowList(path, list);
        process.stdout.write(`incident ${inc.id} marked as a false positive: ${inc.findings.length} finding(s) allowed (${o.reason}) in ${path}\n`);
        return;
      }
      const input: AllowInput = { reason: o.reason };
      if (o.cidr !== undefined) input.cidr = o.cidr;
      if (o.domain !== undefined) input.domain = o.domain;
      if (o.finding !== undefined) input.finding = o.finding;
      if (o.pair !== undefined) {
        const [src, dst, extra] = o.pair.split('->').map((x) => x.trim());
        if (!src || !dst || extra !== undefined) throw new Error(`Cannot add allow-list entry: --pair must be 'SRC->DST', got '${o.pair}'`);
        input.src = src; input.dst = dst;
      }
      if (o.expires !== undefined) input.expires = parseExpiry(o.expires);
      if (o.detector !== undefined) input.detector = o.detector as Detector;
      if (o.by !== undefined) input.by = o.by;
      const path = allowFilePath(o.file);
      const { list, entry, replaced } = addAllowEntry(loadAllowList(path), input);
      saveAllowList(path, list);
      process.stdout.write(`${replaced ? 'updated' : 'added'} ${entry.id}: ${matcherOf(entry)} (${entry.reason})${entry.expires ? `, until ${entry.expires}` : ''} in ${path}\n`);
    });

  allow.command('list')
    .summary('list the entries')
    .option('--json', 'print the allow-list as JSON')
    .addOption(fileOpt())
    .action((o: { json?: boolean; file?: string }) => {
      const path = allowFilePath(o.file);
      const list = loadAllowList(path);
      if (o.json) { process.stdout.write(JSON.stringify(list, null, 2) + '\n'); return; }
      if (list.entries.length === 0) { process.stdout.write(`${path}: no entries\n`); return; }
      const now = Date.now();
      process.stdout.write(`${path}: ${list.entries.length} entr${list.entries.length === 1 ? 'y' : 'ies'}\n\n`);
      process.stdout.write(table(['id', 'matches', 'reason', 'expires', 'added', 'by'], list.entries.map((e) => [
        e.id, matcherOf(e), e.reason, e.expires ? `${e.expires.slice(0, 16).replace('T', ' ')}${Date.parse(e.expires) <= now ? ' (expired)' : ''}` : '-', e.added.slice(0, 10), e.by ?? '-',
      ])) + '\n');
    });

  allow.command('remove')
    .summary('remove entries by id')
    .argument('<ids...>', 'entry ids (see allow list)')
    .addOption(fileOpt())
    .action((ids: string[], o: { file?: string }) => {
      const path = allowFilePath(o.file);
      saveAllowList(path, removeAllowEntries(loadAllowList(path), ids));
      process.stdout.write(`removed ${ids.join(', ')} from ${path}\n`);
    });
}
