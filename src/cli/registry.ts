/**
 * The `c2hunt` commands, in help order, each with the module that defines it. Modules are
 * imported only when needed (main.ts imports just the command that runs), because importing all
 * of them (the store, the detectors, the report renderer ...) costs a third of a second before
 * any work starts.
 */
import type { Command } from 'commander';

/** Adds a command (with its options, help text and action) to the program. */
export type RegisterCommand = (program: Command) => void;

/** One command: its name as typed, and how to load its register function. */
export interface CommandEntry {
  name: string;
  load: () => Promise<RegisterCommand>;
}

/** Every command, in the order the help lists them. */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'demo', load: async () => (await import('./commands/demo.js')).registerDemo },
  { name: 'analyze', load: async () => (await import('./commands/analyze.js')).registerAnalyze },
  { name: 'report', load: async () => (await import('./commands/report.js')).registerReport },
  { name: 'decode', load: async () => (await import('./commands/decode.js')).registerDecode },
  { name: 'simulate', load: async () => (await import('./commands/simulate.js')).registerSimulate },
  { name: 'ingest', load: async () => (await import('./commands/ingest.js')).registerIngest },
  { name: 'lookback', load: async () => (await import('./commands/lookback.js')).registerLookback },
  { name: 'detect', load: async () => (await import('./commands/detect.js')).registerDetect },
  { name: 'findings', load: async () => (await import('./commands/findings.js')).registerFindings },
  { name: 'config', load: async () => (await import('./commands/config.js')).registerConfig },
  { name: 'allow', load: async () => (await import('./commands/allow.js')).registerAllow },
  { name: 'intel', load: async () => (await import('./commands/intel.js')).registerIntel },
];

/**
 * The commands to load for a command line (the arguments after `node main.js`): only the named
 * command when the first argument names one (`decode ...`, or `help decode`), else all of them
 * (the program's own help, errors that list or suggest commands). Returns [] for `--version`
 * and `-V` alone, which need no command.
 */
export function commandsFor(args: readonly string[]): readonly CommandEntry[] {
  const first = args[0];
  if (args.length === 1 && (first === '-V' || first === '--version')) return [];
  const name = first === 'help' ? args[1] : first;
  const one = COMMANDS.find((c) => c.name === name);
  return one !== undefined ? [one] : COMMANDS;
}
