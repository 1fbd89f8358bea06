#!/usr/bin/env node
/**
 * The `c2hunt` command. Commands are thin: each parses its arguments and calls the library.
 * Only the command that runs is imported (see registry.ts): start-up stays short.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { COMMANDS, commandsFor, type CommandEntry } from './registry.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/**
 * The program with the given commands (default: all of them, in help order). main() passes only
 * the command the command line names, so the others' modules are never imported.
 */
export async function buildProgram(commands: readonly CommandEntry[] = COMMANDS): Promise<Command> {
  const program = new Command('c2hunt')
    .version(pkg.version)
    .description('Find botnet command-and-control (C&C) communication in network traffic: c2hunt turns packets or '
      + 'sensor logs into metadata (connections, DNS, TLS, HTTP, mining protocols), keeps it in a store for history '
      + 'lookback, finds the behaviours of bots (periodic heartbeats, long connections, scanning, mining, DNS abuse) '
      + 'and explains every finding with its numbers.\n\nStart with `c2hunt demo`, then `c2hunt analyze capture.pcap`.')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: false });
  const registers = await Promise.all(commands.map((c) => c.load()));
  for (const register of registers) register(program);
  for (const cmd of [program, ...allCommands(program)]) cmd.description(reflow(cmd.description()));
  return program;
}

function allCommands(c: Command): Command[] {
  return c.commands.flatMap((x) => [x, ...allCommands(x)]);
}

/**
 * Descriptions are written as wrapped source text; join their soft line breaks so the help
 * wraps them to the terminal's width. Blank lines, and lines that start with a space or a dash
 * (lists, examples), keep their breaks.
 */
export function reflow(text: string): string {
  return text.replace(/([^\n])\n(?=[^\s\n-])/g, '$1 ');
}

async function main(): Promise<void> {
  // `c2hunt ... | head`: a reader that goes away is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  const program = await buildProgram(commandsFor(process.argv.slice(2)));
  program.exitOverride();
  try {
    await program.parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode;
      return;
    }
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`c2hunt: ${msg}\n`);
    if (process.env.C2HUNT_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    process.exitCode = 1;
  }
}

await main();
