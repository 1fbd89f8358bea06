#!/usr/bin/env node
/**
 * The `c2hunt` command. Commands are thin: each parses its arguments and calls the library.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerDecode } from './commands/decode.js';
import { registerSimulate } from './commands/simulate.js';
import { registerDemo } from './commands/demo.js';
import { registerAnalyze } from './commands/analyze.js';
import { registerIngest } from './commands/ingest.js';
import { registerLookback } from './commands/lookback.js';
import { registerReport } from './commands/report.js';
import { registerAllow } from './commands/allow.js';
import { registerIntel } from './commands/intel.js';
import { registerDetect } from './commands/detect.js';
import { registerFindings } from './commands/findings.js';
import { registerConfig } from './commands/config.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export function buildProgram(): Command {
  const program = new Command('c2hunt')
    .version(pkg.version)
    .description('Find botnet command-and-control (C&C) communication in network traffic: c2hunt turns packets or '
      + 'sensor logs into metadata (connections, DNS, TLS, HTTP, mining protocols), keeps it in a store for history '
      + 'lookback, finds the behaviours of bots (periodic heartbeats, long connections, scanning, mining, DNS abuse) '
      + 'and explains every finding with its numbers.\n\nStart with `c2hunt demo`, then `c2hunt analyze capture.pcap`.')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: false });
  registerDemo(program);
  registerAnalyze(program);
  registerReport(program);
  registerDecode(program);
  registerSimulate(program);
  registerIngest(program);
  registerLookback(program);
  registerDetect(program);
  registerFindings(program);
  registerConfig(program);
  registerAllow(program);
  registerIntel(program);
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
  const program = buildProgram();
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
