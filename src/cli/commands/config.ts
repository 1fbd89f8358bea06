/** `c2hunt config`: the effective value of every detector setting, its unit, doc and source. */
import type { Command } from 'commander';
import { BEACON_SCORE_APPLIED, CONFIG_ENV, DEFAULT_CONFIG_FILE, effectiveSettings, loadConfig, UNIT_TEXT } from '../../config/index.js';
import { table } from '../table.js';

/** The `--config` option every command that runs detectors shares. */
export const CONFIG_OPTION_HELP = `config file of detector settings (default $${CONFIG_ENV}, else ./${DEFAULT_CONFIG_FILE} when it exists; see c2hunt config)`;

const show = (v: number | readonly string[]): string => (typeof v === 'number' ? String(v) : v.join(','));

export function registerConfig(program: Command): void {
  program.command('config')
    .summary('print the effective detector settings: value, default, unit, source, doc')
    .description(`Print every detector setting: its effective value (the default, or the config file's), the default,
the unit, where the value came from, and what it does. The config file is JSON with the sections
beacon, beaconScore, longConn, scan, dns (objects of settings, as listed here without the section
prefix), internalNets (a list of CIDRs) and store (the store location every command uses when
given no --store: a DuckDB file or a clickhouse:// URL); a top-level "$comment" is allowed for notes. Unknown keys,
wrong types and values out of their unit's range are errors that name the key.`)
    .option('--config <file>', CONFIG_OPTION_HELP)
    .option('--json', 'print the settings as JSON')
    .addHelpText('after', `
Example c2hunt.config.json:
  { "beacon": { "minScore": 0.7 }, "longConn": { "minSession": 7200 },
    "dns": { "tunnelWeights": { "volume": 0.2 } }, "internalNets": ["10.0.0.0/8", "192.168.0.0/16"] }`)
    .action((o: { config?: string; json?: boolean }) => {
      const loaded = loadConfig(o.config);
      const rows = effectiveSettings(loaded);
      if (o.json) {
        process.stdout.write(JSON.stringify({
          file: loaded.path ?? null, origin: loaded.origin, beacon_score_applied: BEACON_SCORE_APPLIED,
          settings: rows.map((r) => ({ key: r.key, value: r.value, default: r.default, unit: r.unit, source: r.source, doc: r.doc })),
        }, null, 2) + '\n');
        return;
      }
      process.stdout.write(loaded.path !== undefined
        ? `config ${loaded.path} (${loaded.origin === 'env' ? `from $${CONFIG_ENV}` : loaded.origin === 'option' ? 'from --config' : 'found in the working directory'}): ${loaded.overridden.size} setting(s) overridden\n\n`
        : `no config file (--config, $${CONFIG_ENV}, ./${DEFAULT_CONFIG_FILE}): defaults\n\n`);
      process.stdout.write(table(['setting', 'value', 'default', 'unit', 'source', 'doc'],
        rows.map((r) => [r.key, (r.source === 'default' ? '' : '*') + show(r.value), show(r.default), UNIT_TEXT[r.unit], r.source, r.doc])) + '\n');
      if (!BEACON_SCORE_APPLIED) process.stdout.write('\nnote: beaconScore.* settings are validated and shown but not yet passed to the beacon scorer by the detector\n');
    });
}
