import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { COMMANDS, commandsFor } from './registry.js';

test('every registry entry loads the module that defines the command of that name', async () => {
  for (const entry of COMMANDS) {
    const program = new Command('c2hunt');
    (await entry.load())(program);
    assert.deepEqual(program.commands.map((c) => c.name()), [entry.name]);
  }
  assert.equal(new Set(COMMANDS.map((c) => c.name)).size, COMMANDS.length);
});

test('commandsFor loads only the command a command line names, everything otherwise, nothing for --version', () => {
  const names = (args: string[]) => commandsFor(args).map((c) => c.name);
  assert.deepEqual(names(['decode', 'x.pcap', '--workers', '2']), ['decode']);
  assert.deepEqual(names(['intel', 'add', 'feed.csv']), ['intel']);
  assert.deepEqual(names(['help', 'report']), ['report']);
  assert.deepEqual(names(['decode', '--help']), ['decode']);
  const all = COMMANDS.map((c) => c.name);
  assert.deepEqual(names([]), all);
  assert.deepEqual(names(['--help']), all);
  assert.deepEqual(names(['help']), all);
  assert.deepEqual(names(['decod']), all); // unknown: the error suggests a similar name from all of them
  assert.deepEqual(names(['-V', 'decode']), all);
  assert.deepEqual(names(['--version']), []);
  assert.deepEqual(names(['-V']), []);
});
