/**
 * A one-line progress display on stderr (only on a terminal, never in --json or piped runs):
 * label, percent, bytes, rate and ETA, redrawn at most every PROGRESS_REDRAW_MS.
 */
export const PROGRESS_REDRAW_MS = 200;

export class Progress {
  private last = 0;
  private readonly t0 = Date.now();
  private shown = false;
  constructor(private label: string, private readonly enabled = process.stderr.isTTY === true) {}

  setLabel(label: string): void {
    this.label = label;
  }

  /** Report `done` units of `total` (bytes unless `unit` says otherwise). */
  update(done: number, total: number | undefined, unit = 'B'): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < PROGRESS_REDRAW_MS) return;
    this.last = now;
    const secs = (now - this.t0) / 1000;
    const rate = done / Math.max(secs, 1e-3);
    let line = `${this.label} ${human(done, unit)}`;
    if (total !== undefined && total > 0) {
      const frac = Math.min(1, done / total);
      const width = 24;
      const fill = Math.round(frac * width);
      const eta = rate > 0 ? (total - done) / rate : 0;
      line = `${this.label} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${(frac * 100).toFixed(0).padStart(3)}% ${human(done, unit)}/${human(total, unit)} ${human(rate, unit)}/s ETA ${eta.toFixed(0)}s`;
    } else line += ` ${human(rate, unit)}/s`;
    process.stderr.write(`\r${line.slice(0, (process.stderr.columns ?? 100) - 1)}\x1b[K`);
    this.shown = true;
  }

  done(): void {
    if (this.shown) process.stderr.write('\r\x1b[K');
    this.shown = false;
  }
}

/** 1234567 -> "1.2 MB" (decimal units). */
export function human(n: number, unit = 'B'): string {
  const u = ['', 'k', 'M', 'G', 'T'];
  let i = 0;
  while (Math.abs(n) >= 1000 && i < u.length - 1) { n /= 1000; i++; }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${u[i]}${unit}`;
}
