/**
 * `npm run check:tshark`: compare c2hunt's decoder with tshark on every capture under
 * ../shared/data/parsers and ../shared/data/beacon (or the paths given as arguments).
 *
 * Compared, per capture and in total:
 *  - conversations: per unordered TCP/UDP 5-tuple, packets and IP bytes (tuples rather than
 *    connections, so timeouts and direction rules, which legitimately differ, do not count);
 *  - DNS: distinct (conversation, query name) and (conversation, name, A/AAAA answer): c2hunt
 *    folds retransmitted queries into one record, so packets are not the unit;
 *  - TLS: (client, server, server name) of each connection's ClientHello with SNI (a second
 *    ClientHello after a HelloRetryRequest counts once);
 *  - HTTP: (host, uri) of each request.
 * Agreement = the share of tshark's items that c2hunt has too; items only c2hunt has are counted
 * and listed (--verbose), not hidden. Exit status 1 when any agreement is below --min (default
 * 0.99). `--json` prints the details.
 */
import { spawnSync } from 'node:child_process';
import { basename } from 'node:path';
import { decodeCapture } from '../sensor/decode-file.js';
import { MemorySink } from '../records/writers.js';
import { DATA_DIR, hasTool, listCaptures } from '../testing/data.js';

type Counter = Map<string, number>;

function add(m: Counter, k: string, n = 1): void {
  m.set(k, (m.get(k) ?? 0) + n);
}

/** Multiset comparison: matched items, and the items only one side has. */
function agreement(a: Counter, b: Counter): { matched: number; total: number; extra: number; onlyA: string[]; onlyB: string[] } {
  let matched = 0, ta = 0, tb = 0;
  const onlyA: string[] = [], onlyB: string[] = [];
  for (const [k, n] of a) {
    ta += n;
    const m = Math.min(n, b.get(k) ?? 0);
    matched += m;
    if (m < n) onlyA.push(`${k} x${n - m}`);
  }
  for (const [k, n] of b) {
    tb += n;
    if ((a.get(k) ?? 0) < n) onlyB.push(`${k} x${n - (a.get(k) ?? 0)}`);
  }
  return { matched, total: ta, extra: tb - matched, onlyA, onlyB };
}

function tshark(file: string, filter: string, fields: string[]): string[][] {
  // tshark exits 2 on a capture that was cut short but still prints every packet before the cut.
  const r = spawnSync('tshark', ['-n', '-r', file, '-Y', filter, '-T', 'fields', '-E', 'occurrence=a', '-E', `aggregator=${AGG}`,
    '-E', 'separator=/t', ...fields.flatMap((f) => ['-e', f])], { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
  const out = r.stdout?.toString('utf8') ?? '';
  return out.split('\n').filter((l) => l.length > 0).map((l) => l.split('\t'));
}

/** Separator of several values of one field (a control character: URIs hold '|' and ','). */
const AGG = '\x1e';
const first = (v: string | undefined): string => (v ?? '').split(AGG)[0] ?? '';
const key5 = (a: string, ap: string | number, b: string, bp: string | number, proto: string): string => {
  const x = `${a}:${ap}`, y = `${b}:${bp}`;
  return x < y ? `${proto} ${x} ${y}` : `${proto} ${y} ${x}`;
};
/**
 * DNS names with bytes outside printable ASCII: c2hunt escapes them as \\DDD (presentation
 * format, always a safe string); tshark decodes the bytes as UTF-8 (U+FFFD for invalid ones).
 * Both are brought to the same form: our escapes back to bytes, decoded as UTF-8 the same way,
 * then every non-ASCII character as '?'.
 */
const UTF8 = new TextDecoder('utf-8');
function dnsName(n: string): string {
  if (n.includes('\\')) {
    const bytes: number[] = [];
    for (let i = 0; i < n.length; i++) {
      const c = n[i]!;
      if (c === '\\' && /^\d{3}$/.test(n.slice(i + 1, i + 4))) { bytes.push(Number(n.slice(i + 1, i + 4))); i += 3; }
      else if (c === '\\' && i + 1 < n.length) { bytes.push(n.charCodeAt(i + 1) & 255); i += 1; }
      else bytes.push(n.charCodeAt(i) & 255);
    }
    n = UTF8.decode(Uint8Array.from(bytes));
  }
  return n.toLowerCase().replace(/[^\x00-\x7f]/g, '?');
}
/** tshark prints IPv6 in its own canonical form; ours is RFC 5952 too, lower case. */
const norm = (ip: string): string => ip.toLowerCase();

/**
 * `total`: items tshark saw; `matched`: of those, the ones c2hunt saw too (agreement = matched /
 * total); `extra`: items only c2hunt saw (DNS, TLS or HTTP on ports tshark does not dissect:
 * c2hunt identifies protocols by content). Extras are listed with --verbose, not hidden.
 */
interface Aspect { matched: number; total: number; extra: number; onlyTshark: string[]; onlyC2hunt: string[] }
type Aspects = Record<'conv_packets' | 'conv_bytes' | 'dns_queries' | 'dns_answers' | 'tls_sni' | 'http', Aspect>;

async function compare(file: string): Promise<Aspects> {
  const sink = new MemorySink();
  await decodeCapture(file, sink, { interimInterval: 0 });
  const ours = { pk: new Map() as Counter, by: new Map() as Counter, q: new Map() as Counter, ans: new Map() as Counter, sni: new Map() as Counter, http: new Map() as Counter };
  for (const c of sink.records.conn) {
    if (c.proto !== 'tcp' && c.proto !== 'udp') continue;
    const k = key5(c.orig_h, c.orig_p, c.resp_h, c.resp_p, c.proto);
    add(ours.pk, k, c.orig_pkts + c.resp_pkts);
    add(ours.by, k, c.orig_ip_bytes + c.resp_ip_bytes);
  }
  // DNS: c2hunt pairs a query with its response and folds retransmissions into one record, so the
  // unit compared is distinct (conversation, name) and (conversation, name, address), not packets.
  for (const d of sink.records.dns) {
    if (d.query === '') continue;
    const conv = key5(d.orig_h, d.orig_p, d.resp_h, d.resp_p, d.proto);
    ours.q.set(`${conv} ${dnsName(d.query)}`, 1);
    for (const a of d.answers) if (/^\d{1,3}(\.\d{1,3}){3}$|^[0-9a-f:]*:[0-9a-f:.]*$/i.test(a)) ours.ans.set(`${conv} ${d.query.toLowerCase()} ${norm(a)}`, 1);
  }
  for (const t of sink.records.tls) if (t.server_name) add(ours.sni, `${t.orig_h} ${t.resp_h} ${t.server_name}`);
  for (const h of sink.records.http) if (h.method !== undefined) add(ours.http, `${h.host ?? ''} ${h.uri ?? ''}`);

  const th = { pk: new Map() as Counter, by: new Map() as Counter, q: new Map() as Counter, ans: new Map() as Counter, sni: new Map() as Counter, http: new Map() as Counter };
  for (const r of tshark(file, 'tcp || udp', ['ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'ip.proto', 'ipv6.nxt', 'tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport', 'ip.len', 'ipv6.plen', 'ip.flags.mf', 'ip.frag_offset'])) {
    const [s4, d4, s6, d6, p4, p6, ts, td, us, ud, len4, plen6, mf, fo] = r.map(first);
    const v4 = s4 !== '';
    const proto = v4 ? p4 : p6;
    if (fo !== '' && fo !== '0') continue; // later fragments: tshark reassembles, we count them into the flow
    void mf;
    const isTcp = ts !== '';
    if (!isTcp && us === '') continue;
    if (v4 && proto !== '6' && proto !== '17') continue; // e.g. ICMP errors quoting a header
    const k = key5(norm(v4 ? s4! : s6!), isTcp ? ts! : us!, norm(v4 ? d4! : d6!), isTcp ? td! : ud!, isTcp ? 'tcp' : 'udp');
    add(th.pk, k);
    add(th.by, k, v4 ? Number(len4) : 40 + Number(plen6));
  }
  // mDNS and LLMNR are DNS messages too (tshark names them apart); NetBIOS name service is not DNS.
  for (const r of tshark(file, '(dns || mdns || llmnr) && !_ws.malformed', ['dns.qry.name', 'dns.flags.response', 'dns.count.answers', 'dns.resp.type', 'dns.a', 'dns.aaaa',
    'ip.src', 'ipv6.src', 'ip.dst', 'ipv6.dst', 'udp.srcport', 'tcp.srcport', 'udp.dstport', 'tcp.dstport'])) {
    const names = (r[0] ?? '').split(AGG);
    const q = names[0] ?? '';
    if (q === '' || q === '<Root>') continue;
    const tcp = first(r[11]) !== '';
    const conv = key5(norm(first(r[6]) || first(r[7])), tcp ? first(r[11]) : first(r[10]), norm(first(r[8]) || first(r[9])), tcp ? first(r[13]) : first(r[12]), tcp ? 'tcp' : 'udp');
    th.q.set(`${conv} ${dnsName(q)}`, 1);
    if (r[1] === '1' || r[1] === 'True') {
      // dns.a / dns.aaaa list the addresses of every section in order: keep the answer section's.
      const nAns = Number(r[2] ?? 0);
      const types = (r[3] ?? '').split(AGG);
      const as = (r[4] ?? '').split(AGG).filter(Boolean), aaaas = (r[5] ?? '').split(AGG).filter(Boolean);
      let ia = 0, i6 = 0;
      for (let i = 0; i < types.length; i++) {
        const v = types[i] === '1' ? as[ia++] : types[i] === '28' ? aaaas[i6++] : undefined;
        if (v !== undefined && i < nAns) th.ans.set(`${conv} ${q.toLowerCase()} ${norm(v)}`, 1);
      }
    }
  }
  // One per connection and name: after a TLS 1.3 HelloRetryRequest the client sends a second
  // ClientHello on the same connection; c2hunt, like Zeek, writes one tls record per connection.
  const sniSeen = new Set<string>();
  for (const r of tshark(file, 'tls.handshake.type == 1 && tls.handshake.extensions_server_name', ['ip.src', 'ipv6.src', 'ip.dst', 'ipv6.dst', 'tls.handshake.extensions_server_name', 'tcp.stream', 'udp.stream'])) {
    const conn = `${first(r[5])}/${first(r[6])} ${first(r[4])}`;
    if (sniSeen.has(conn)) continue;
    sniSeen.add(conn);
    add(th.sni, `${norm(first(r[0]) || first(r[1]))} ${norm(first(r[2]) || first(r[3]))} ${first(r[4])}`);
  }
  for (const r of tshark(file, 'http.request', ['http.host', 'http.request.uri'])) {
    const hosts = (r[0] ?? '').split(AGG), uris = (r[1] ?? '').split(AGG);
    for (let i = 0; i < uris.length; i++) add(th.http, `${hosts[i] ?? ''} ${uris[i] ?? ''}`);
  }
  const mk = (a: Counter, b: Counter): Aspect => {
    const r = agreement(a, b);
    return { matched: r.matched, total: r.total, extra: r.extra, onlyTshark: r.onlyA, onlyC2hunt: r.onlyB };
  };
  return {
    conv_packets: mk(th.pk, ours.pk), conv_bytes: mk(th.by, ours.by),
    dns_queries: mk(th.q, ours.q), dns_answers: mk(th.ans, ours.ans),
    tls_sni: mk(th.sni, ours.sni), http: mk(th.http, ours.http),
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const verbose = args.includes('--verbose');
  const minIdx = args.indexOf('--min');
  const min = minIdx >= 0 ? Number(args[minIdx + 1]) : 0.99;
  const paths = args.filter((a, i) => !a.startsWith('--') && (minIdx < 0 || i !== minIdx + 1));
  if (!hasTool('tshark')) {
    process.stderr.write('check:tshark: tshark is not installed (apt-get install tshark); nothing compared\n');
    process.exit(0);
  }
  const files = paths.length > 0 ? paths : [...listCaptures(`${DATA_DIR}/parsers`), ...listCaptures(`${DATA_DIR}/beacon`)];
  if (files.length === 0) {
    process.stderr.write(`check:tshark: no captures found under ${DATA_DIR}; set C2HUNT_DATA\n`);
    process.exit(0);
  }
  const totals: Record<string, { matched: number; total: number; extra: number }> = {};
  const perFile: Record<string, Aspects> = {};
  for (const f of files) {
    const r = await compare(f);
    perFile[f] = r;
    for (const [k, v] of Object.entries(r)) {
      const t = (totals[k] ??= { matched: 0, total: 0, extra: 0 });
      t.matched += v.matched;
      t.total += v.total;
      t.extra += v.extra;
    }
    if (!json) {
      const cells = Object.entries(r).map(([k, v]) => `${k} ${v.total ? ((100 * v.matched) / v.total).toFixed(1) : '-'}%`);
      process.stdout.write(`${basename(f).padEnd(40)} ${cells.join('  ')}\n`);
      if (verbose) {
        for (const [k, v] of Object.entries(r)) {
          for (const x of v.onlyTshark.slice(0, 10)) process.stdout.write(`    ${k} only tshark: ${x}\n`);
          for (const x of v.onlyC2hunt.slice(0, 10)) process.stdout.write(`    ${k} only c2hunt: ${x}\n`);
        }
      }
    }
  }
  let ok = true;
  const summary = Object.fromEntries(Object.entries(totals).map(([k, v]) => {
    const a = v.total ? v.matched / v.total : 1;
    if (a < min) ok = false;
    return [k, { ...v, agreement: Number(a.toFixed(4)) }];
  }));
  if (json) process.stdout.write(JSON.stringify({ files: files.length, min, totals: summary, perFile }, null, 2) + '\n');
  else {
    process.stdout.write(`\n${files.length} captures; agreement with tshark (minimum ${min * 100}%):\n`);
    for (const [k, v] of Object.entries(summary)) process.stdout.write(`  ${k.padEnd(14)} ${(v.agreement * 100).toFixed(2)}%  (${v.matched}/${v.total} of tshark's; ${v.extra} more seen by c2hunt only)\n`);
  }
  process.exitCode = ok ? 0 : 1;
}

await main();
