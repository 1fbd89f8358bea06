/** Command-line flags of the benchmark scripts: node:util's parseArgs plus whole-number checks. */
import { parseArgs } from 'node:util';

/** The flags a benchmark takes: `--name value` strings and `--name` switches. */
export interface FlagSpec {
  strings: readonly string[];
  switches: readonly string[];
}

/** Parse `argv` strictly (an unknown flag or a missing value throws, naming `script`'s header for help). */
export function benchFlags(argv: string[], spec: FlagSpec, script: string): { [k: string]: string | boolean | undefined } {
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const s of spec.strings) options[s] = { type: 'string' };
  for (const s of spec.switches) options[s] = { type: 'boolean' };
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new Error(`${(e as Error).message} (see the header of ${script})`);
  }
}

/** `--flag`'s value as a positive whole number, or `fallback` when the flag is absent. */
export function positiveWhole(flag: string, v: string | boolean | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n <= 0) throw new Error(`--${flag} needs a positive whole number, got '${String(v)}'`);
  return n;
}
