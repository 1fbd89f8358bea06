/** `c2hunt lookback ip|domain|host`: history of an address, a name or an internal host. */
import { InvalidArgumentError, type Command } from 'commander';
import {
  DEFAULT_DB_PATH, formatTime, lookbackDomain, lookbackHost, lookbackIp, openStore, parseWindow,
  type DomainLookback, type HostLookback, type IpLookback, type LookbackOptions, type Store,
} from '../../store/index.js';
import { DEFAULT_INTERNAL_NETS, Networks } from '../../detect/networks.js';
import { fmtDuration } from '../../detect/finding.js';
import { human } from '../progress.js';
import { table } from '../table.js';
import { STORE_ENV, storeLocation, type StoreFlags } from '../store-option.js';

interface LookbackFlags extends StoreFlags {
  since?: string;
  until?: string;
  json?: boolean;
  conns?: boolean;
  limit: number;
  internal?: string;
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

const t = (s: number): string => formatTime(s);
const secs = (s: number | null): string => (s === null ? '-' : fmtDuration(s));

/** Open the store read-only, resolve the window against its newest record, run, close. */
async function withStore<T>(o: LookbackFlags, run: (store: Store, opts: LookbackOptions) => Promise<T>): Promise<T> {
  const store = await openStore(storeLocation(o), { readOnly: true });
  try {
    const range = await store.dataRange();
    const window = parseWindow(o.since, o.until, range?.last ?? Date.now() / 1000);
    const internal = new Networks(o.internal ? o.internal.split(',').map((s) => s.trim()).filter(Boolean) : DEFAULT_INTERNAL_NETS);
    return await run(store, { window, limit: o.limit, conns: o.conns === true, internal });
  } finally {
    await store.close();
  }
}

function windowLine(w: { since?: number; until?: number }): string {
  if (w.since === undefined && w.until === undefined) return 'all stored history';
  return `${w.since !== undefined ? t(w.since) : 'start'} .. ${w.until !== undefined ? t(w.until) : 'end'} (UTC)`;
}

function section(title: string, headers: string[], rows: (string | number)[][], empty: string): void {
  process.stdout.write(`\n${title}\n`);
  process.stdout.write(rows.length > 0 ? table(headers, rows) + '\n' : `  (${empty})\n`);
}

function printIp(r: IpLookback): void {
  process.stdout.write(`${r.ip} (${r.internal ? 'internal' : 'external'}), ${windowLine(r.window)}\n`);
  section('Names that resolved to it', ['name', 'first seen', 'last seen', 'answers'],
    r.names.map((n) => [n.fqdn, t(n.first), t(n.last), n.count]), 'no passive DNS for this address');
  section('Internal hosts that talked to it', ['host', 'dir', 'conns', 'ports', 'protos', 'first', 'last', 'interval (median)', 'spread (MAD)', 'sent', 'received', 'longest', 'total time'],
    r.hosts.map((h) => [h.host, h.direction === 'out' ? '->' : '<-', h.conns, h.ports.join(','), h.protos.join(','), t(h.first), t(h.last),
      secs(h.median_interval), secs(h.interval_mad), human(h.bytes_sent), human(h.bytes_received), secs(h.max_duration), secs(h.total_duration)]),
    'no internal host talked to it');
  if (r.external_peers > 0) process.stdout.write(`  (${r.external_peers} external peer${r.external_peers === 1 ? '' : 's'} not listed)\n`);
  if (r.conns) {
    section('Connections', ['ts', 'uid', 'orig', 'resp', 'proto', 'service', 'duration', 'orig bytes', 'resp bytes', 'state'],
      r.conns.map((c) => [formatTime(c.ts, true), c.uid, `${c.orig_h}:${c.orig_p}`, `${c.resp_h}:${c.resp_p}`, c.proto, c.service || '-',
        secs(c.duration ?? 0), c.orig_bytes ?? 0, c.resp_bytes ?? 0, `${c.conn_state ?? ''}${c.interim ? ' (open)' : ''}`]), 'none');
  }
}

function printDomain(r: DomainLookback): void {
  process.stdout.write(`${r.name}, ${windowLine(r.window)}\n`);
  section('Addresses over time', ['address', 'first seen', 'last seen', 'answers'],
    r.ips.map((e) => [e.ip, t(e.first), t(e.last), e.count]), 'no passive DNS for this name');
  section('Subdomains', ['name', 'lookups', 'nxdomain', 'addresses', 'first', 'last'],
    r.subdomains.map((s) => [s.name, s.lookups, s.nxdomain, s.ips, t(s.first), t(s.last)]), 'none seen');
  section('Hosts that looked it up', ['host', 'lookups', 'names', 'nxdomain', 'first', 'last'],
    r.lookups.map((g) => [g.key, g.lookups, g.distinct, g.nxdomain, t(g.first), t(g.last)]), 'no lookups seen');
  section('Hosts that connected to its addresses', ['host', 'lookup seen', 'conns', 'addresses', 'ports', 'first', 'last', 'sent', 'received'],
    r.connected.map((c) => [c.host, c.looked_up ? 'yes' : 'NO', c.conns, c.ips, c.ports.join(','), t(c.first), t(c.last), human(c.bytes_sent), human(c.bytes_received)]),
    'no connections to its addresses');
}

function printHost(r: HostLookback): void {
  process.stdout.write(`${r.host} (${r.internal ? 'internal' : 'external'}), ${windowLine(r.window)}\n`);
  section('Top destinations', ['destination', 'names', 'conns', 'ports', 'protos', 'first', 'last', 'interval (median)', 'spread (MAD)', 'sent', 'received', 'longest'],
    r.destinations.map((d) => [d.key, d.names.join(',') || '-', d.conns, d.ports.join(','), d.protos.join(','), t(d.first), t(d.last),
      secs(d.median_interval), secs(d.interval_mad), human(d.orig_bytes), human(d.resp_bytes), secs(d.max_duration)]), 'no connections');
  section('DNS names looked up', ['name', 'lookups', 'nxdomain', 'first', 'last', 'answers'],
    r.lookups.map((g) => [g.key, g.lookups, g.nxdomain, t(g.first), t(g.last), g.answers.join(',') || '-']), 'no lookups');
  section('TLS server names', ['server name', 'handshakes', 'servers', 'first', 'last', 'ja3', 'self-signed'],
    r.tls.map((g) => [g.server_name || '(no SNI)', g.handshakes, g.servers, t(g.first), t(g.last), g.ja3.join(',') || '-', g.self_signed ? 'yes' : 'no']), 'no TLS');
  section('Findings', ['severity', 'score', 'detector', 'title', 'first', 'last'],
    r.findings.map((f) => [f.severity, f.score.toFixed(2), f.detector, f.title, t(f.first), t(f.last)]), 'no findings stored');
}

function common(cmd: Command): Command {
  return cmd
    .option('--store <location>', `store: a DuckDB file or clickhouse://user:pass@host:8123/db[?cluster=NAME] (default $${STORE_ENV}, else the config file's "store", else ./${DEFAULT_DB_PATH})`)
    .option('--db <location>', 'same as --store')
    .option('--since <when>', 'from this time: ISO date/time (UTC unless a zone is given), epoch seconds, or a duration before the newest stored record (24h, 7d)')
    .option('--until <when>', 'before this time (same forms as --since)')
    .option('--limit <n>', 'rows per table', positiveInt, 50)
    .option('--internal <cidrs>', `internal networks, comma-separated (default ${DEFAULT_INTERNAL_NETS.join(',')})`)
    .option('--json', 'print the result as JSON on stdout');
}

export function registerLookback(program: Command): void {
  const lb = program.command('lookback')
    .summary('history of an address, a domain or an internal host from the store')
    .description(`Answer the analyst's look-back questions from the store (see c2hunt ingest): which names an address had, which internal hosts talked to it and how regularly, which hosts looked a domain up or connected to its addresses, what an internal host talked to. Times are UTC.`);
  common(lb.command('ip')
    .description('names that resolved to IP; internal hosts that talked to it: ports, protocols, connections, first/last, median interval and its spread, bytes each way, longest and total duration')
    .argument('<ip>', 'IPv4 or IPv6 address'))
    .option('--conns', 'also list the connections')
    .action(async (ip: string, o: LookbackFlags) => {
      const r = await withStore(o, (s, opts) => lookbackIp(s, ip, opts));
      if (o.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      else printIp(r);
    });
  common(lb.command('domain')
    .description("NAME's addresses over time, its subdomains, the hosts that looked it up, the hosts that connected to its addresses (with or without a lookup seen)")
    .argument('<name>', 'DNS name'))
    .action(async (name: string, o: LookbackFlags) => {
      const r = await withStore(o, (s, opts) => lookbackDomain(s, name, opts));
      if (o.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      else printDomain(r);
    });
  common(lb.command('host')
    .description("an internal host's top destinations, the DNS names it looked up, its TLS server names and its findings")
    .argument('<ip>', 'address of the host'))
    .action(async (ip: string, o: LookbackFlags) => {
      const r = await withStore(o, (s, opts) => lookbackHost(s, ip, opts));
      if (o.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      else printHost(r);
    });
}
