/**
 * A reverse shell: the infected host connects out to the attacker and keeps one long TCP session
 * with a command prompt; the operator types commands in bursts, the host answers with output,
 * long idle stretches in between.
 */
import type { Generator, SimContext } from '../context.js';
import { EventTracker, type BehaviourLabel } from '../labels.js';
import type { Host } from '../network.js';
import { utf8 } from '../payload/bytes.js';
import type { Rng } from '../rng.js';
import { TcpFlow, type StepSource, type TcpStep } from '../tcp-flow.js';

const COMMANDS = ['whoami', 'hostname', 'ipconfig /all', 'net user', 'net group "domain admins" /domain', 'systeminfo', 'tasklist',
  'dir C:\\Users', 'netstat -ano', 'arp -a', 'nltest /dclist:', 'quser', 'wmic qfe list brief', 'type C:\\Windows\\System32\\drivers\\etc\\hosts'];

/** Console-like text of about `n` bytes (lines of words and numbers). */
function textOutput(rng: Rng, n: number): string {
  let s = '';
  while (s.length < n) {
    const words = rng.int(2, 8);
    for (let i = 0; i < words; i++) s += (i ? ' '.repeat(rng.int(1, 6)) : '') + rng.chars(rng.int(2, 12), 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_\\:');
    s += '\r\n';
  }
  return s;
}

/** Parameters of a reverse shell. `start` in µs. */
export interface ReverseShellParams {
  id: string;
  host: Host;
  ip: string;
  port: number;
  start: number;
  /** Session length, seconds. */
  durationSec: number;
  description: string;
}

/** A reverse-shell generator (one session). */
export class ReverseShell implements Generator {
  private started = false;
  private readonly track = new EventTracker();
  private commands = 0;

  constructor(private readonly ctx: SimContext, readonly p: ReverseShellParams, private readonly rng: Rng) {}

  window(_ws: number, we: number): void {
    if (this.started || this.p.start >= we) return;
    this.started = true;
    const { ctx, p, rng } = this;
    const { side, rtt } = ctx.apps.remote(p.ip, rng);
    const dur = p.durationSec * 1e6;
    let elapsed = 0;
    let pending: TcpStep | null = null;
    let burst = 0;
    let first = true;
    const banner = 'Microsoft Windows [Version 10.0.19045.5131]\r\n(c) Microsoft Corporation. All rights reserved.\r\n\r\nC:\\Windows\\system32>';
    const src: StepSource = {
      next: (): TcpStep | null => {
        if (first) {
          first = false;
          return { from: 0, data: [utf8(banner)], think: 0 };
        }
        if (pending) {
          const s = pending;
          pending = null;
          return s;
        }
        if (elapsed >= dur) return null;
        let gap: number;
        if (burst > 0) { burst--; gap = rng.int(2e6, 25e6); } else { burst = rng.int(2, 9); gap = rng.int(120e6, 1800e6); }
        elapsed += gap;
        const cmd = rng.pick(COMMANDS);
        this.commands++;
        this.track.hit(p.start + elapsed, ctx.end);
        pending = { from: 0, data: [utf8(`${cmd}\r\n${textOutput(rng, rng.int(60, 4000))}\r\nC:\\Windows\\system32>`)], think: rng.int(50_000, 2_000_000) };
        return { from: 1, data: [utf8(cmd + '\r\n')], think: gap };
      },
    };
    ctx.add(new TcpFlow({ client: p.host.side, server: side, sport: ctx.net.port(p.host), dport: p.port, start: p.start, rtt, steps: src,
      close: 'fin_s', closeDelay: rng.int(1e6, 10e6), rng }));
  }

  labels(): { behaviours: BehaviourLabel[] } {
    const p = this.p;
    return {
      behaviours: [{
        id: p.id, kind: 'reverse_shell', malicious: true, host: p.host.ipStr, dst_ip: p.ip, port: p.port, proto: 'tcp',
        start: p.start / 1e6, end: Math.min(this.ctx.end, p.start + p.durationSec * 1e6) / 1e6,
        params: { duration_sec: p.durationSec, commands: this.commands, long_conn: true, transport: 'tcp' },
        events: this.track.count, description: p.description,
      }],
    };
  }
}
