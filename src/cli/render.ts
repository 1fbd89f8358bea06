/** Terminal rendering of findings: a ranked list, each with its reasons and its history. */
import type { Lookback } from '../analyze.js';
import type { Finding } from '../detect/finding.js';

const SEV_COLOR: Record<string, string> = { critical: '\x1b[1;31m', high: '\x1b[31m', medium: '\x1b[33m', low: '\x1b[36m', info: '\x1b[2m' };

export function isoTime(t: number): string {
  return new Date(t * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function renderFindings(findings: readonly (Finding & { lookback?: Lookback })[], opts: { color?: boolean; limit?: number } = {}): string {
  const color = opts.color ?? false;
  const c = (code: string, s: string) => (color ? `${code}${s}\x1b[0m` : s);
  const lines: string[] = [];
  const shown = findings.slice(0, opts.limit ?? findings.length);
  shown.forEach((f, i) => {
    const sev = f.severity.toUpperCase().padEnd(8);
    lines.push(`${String(i + 1).padStart(3)}. ${c(SEV_COLOR[f.severity] ?? '', sev)} ${f.score.toFixed(2)}  ${f.detector.padEnd(9)} ${f.title}`);
    lines.push(`       ${c('\x1b[2m', `${isoTime(f.first)} .. ${isoTime(f.last)}  id ${f.id}  ATT&CK ${f.attack.join(', ')}`)}`);
    for (const r of f.reasons) lines.push(`       - ${r}`);
    const lb = f.lookback;
    if (lb !== undefined && (lb.domains.length > 0 || lb.hosts.length > 1)) {
      const doms = lb.domains.slice(0, 3).map((d) => `${d.fqdn} -> ${d.ip} (seen ${d.count}x, first ${isoTime(d.first)})`).join('; ');
      const hosts = lb.hosts.length > 0 ? `${lb.hosts.length} internal host(s) talked to it${lb.hosts.length <= 5 ? ': ' + lb.hosts.join(', ') : ''}` : '';
      lines.push(`       history: ${[doms, hosts].filter(Boolean).join('; ')}`);
    }
  });
  if (findings.length > shown.length) lines.push(`     ... and ${findings.length - shown.length} more (use --limit or --json)`);
  return lines.join('\n');
}
