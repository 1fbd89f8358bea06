/**
 * Where the shared public captures are (../shared/data beside the checkout, or $C2HUNT_DATA),
 * and helpers for tests that use them: they skip with a message when the data is absent.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';

export const DATA_DIR = resolve(process.env.C2HUNT_DATA ?? resolve(process.cwd(), '../shared/data'));

/** Path inside the shared data folder, or undefined when it is absent. */
export function dataPath(...parts: string[]): string | undefined {
  const p = join(DATA_DIR, ...parts);
  return existsSync(p) ? p : undefined;
}

/** A skip reason for node:test when the data (or a tool) is missing, else false. */
export function skipUnless(path: string | undefined, tool?: string): string | false {
  if (path === undefined) return `shared data absent (looked in ${DATA_DIR}; set C2HUNT_DATA to run this test)`;
  if (tool !== undefined && !hasTool(tool)) return `${tool} not installed`;
  return false;
}

const toolCache = new Map<string, boolean>();
export function hasTool(tool: string): boolean {
  let ok = toolCache.get(tool);
  if (ok === undefined) {
    try {
      execFileSync(tool, ['--version'], { stdio: 'ignore' });
      ok = true;
    } catch {
      ok = false;
    }
    toolCache.set(tool, ok);
  }
  return ok;
}

/** Every capture file (.pcap, .pcapng, .trace, .cap, optionally gzip) under a folder, sorted. */
export function listCaptures(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(pcap|pcapng|trace|cap)(\.gz)?$/i.test(name)) out.push(p);
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}
