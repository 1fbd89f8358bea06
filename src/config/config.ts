/**
 * The configuration file: every detector tunable in one JSON file that overrides the defaults.
 * Read from `--config FILE`, else `$C2HUNT_CONFIG`, else `./c2hunt.config.json` when it exists
 * (defaults only when it does not). Validated strictly at the edge (an unknown key or a value of
 * the wrong type or range is an error naming the key), then frozen.
 *
 * ```json
 * { "beacon": { "minScore": 0.7 }, "beaconScore": { "maxPeriod": 3600 },
 *   "longConn": { "minSession": 7200 }, "scan": { "icmpMinHosts": 50 }, "dns": { "tunnelWeights": { "volume": 0.2 } },
 *   "firstSeen": { "bonus": 0.05, "minHistory": 86400 },
 *   "internalNets": ["10.0.0.0/8"] }
 * ```
 */
import { existsSync, readFileSync } from 'node:fs';
import type { BeaconDetectorSettings } from '../detect/beacons.js';
import { resolveSettings, type BeaconSettings } from '../detect/beacon/settings.js';
import type { LongConnSettings } from '../detect/long-conn.js';
import { scanSettings, type ScanSettings } from '../detect/scan.js';
import type { FirstSeenSettings } from '../detect/first-seen.js';
import { dnsSettings, type DnsSettings } from '../detect/dns/settings.js';
import { parseCidr } from '../detect/networks.js';
import type { DetectSettings } from '../detect/run.js';
import { DEFAULT_INTERNAL_NETS, SECTIONS, SECTION_TABLE, settingsTable, type Section, type SettingDoc, type SettingRow, type Unit } from './settings-table.js';

/** Config file looked for in the working directory when neither `--config` nor `$C2HUNT_CONFIG` is given. */
export const DEFAULT_CONFIG_FILE = 'c2hunt.config.json';
/** Environment variable naming the config file. */
export const CONFIG_ENV = 'C2HUNT_CONFIG';
/** Largest config file read (bytes): a config is a few kB; anything bigger is a mistake. */
export const MAX_CONFIG_BYTES = 1 << 20;

/** The effective settings: defaults overlaid with the file, validated, deeply frozen. */
export interface C2huntConfig {
  readonly beacon: Readonly<BeaconDetectorSettings>;
  readonly beaconScore: Readonly<BeaconSettings>;
  readonly longConn: Readonly<LongConnSettings>;
  readonly scan: Readonly<ScanSettings>;
  readonly dns: Readonly<DnsSettings>;
  readonly firstSeen: Readonly<FirstSeenSettings>;
  readonly internalNets: readonly string[];
  /**
   * Store location used when a command gets no `--store`/`--db` and `$C2HUNT_STORE` is unset:
   * a DuckDB file path or a `clickhouse://` URL.
   */
  readonly store?: string;
}

/** A loaded configuration and where its values came from. */
export interface LoadedConfig {
  /** The file read, as given; undefined when none was found (defaults only). */
  readonly path?: string;
  /** Where the path came from. */
  readonly origin: 'option' | 'env' | 'default-file' | 'none';
  readonly settings: C2huntConfig;
  /** Dotted keys the file set (`beacon.minScore`, `dns.tunnelWeights.unique`, `internalNets`). */
  readonly overridden: ReadonlySet<string>;
}

/** Stable error codes: the file cannot be read, is not JSON, or holds an invalid setting. */
export type ConfigErrorCode = 'CONFIG_READ' | 'CONFIG_PARSE' | 'CONFIG_INVALID';

/** An error of the configuration; messages read "Cannot use config FILE: reason". */
export class ConfigError extends Error {
  constructor(readonly code: ConfigErrorCode, message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Which file to read: the option, else the environment, else the default file if it exists. */
export function configLocation(option?: string, env: NodeJS.ProcessEnv = process.env): { path?: string; origin: LoadedConfig['origin'] } {
  if (option !== undefined && option !== '') return { path: option, origin: 'option' };
  const e = env[CONFIG_ENV];
  if (e !== undefined && e !== '') return { path: e, origin: 'env' };
  return existsSync(DEFAULT_CONFIG_FILE) ? { path: DEFAULT_CONFIG_FILE, origin: 'default-file' } : { origin: 'none' };
}

/**
 * Load the configuration (see {@link configLocation}). A file named by the option or the
 * environment must exist. Throws {@link ConfigError}.
 */
export function loadConfig(option?: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const where = configLocation(option, env);
  if (where.path === undefined) return parseConfigObject({}, '(defaults)', undefined, 'none');
  let text: string;
  try {
    const buf = readFileSync(where.path);
    if (buf.length > MAX_CONFIG_BYTES) throw new Error(`larger than ${MAX_CONFIG_BYTES} bytes`);
    text = buf.toString('utf8');
  } catch (e) {
    throw new ConfigError('CONFIG_READ', `Cannot use config ${where.path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  return parseConfig(text, where.path, where.origin);
}

/** Parse and validate config text; `name` is the file name used in messages. */
export function parseConfig(text: string, name: string, origin: LoadedConfig['origin'] = 'option'): LoadedConfig {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new ConfigError('CONFIG_PARSE', `Cannot use config ${name}: not valid JSON (${(e as Error).message})`);
  }
  return parseConfigObject(obj, name, name, origin);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Range check of a unit: undefined when fine, else the phrase after "must be". */
function unitProblem(unit: Unit, v: unknown): string | undefined {
  const num = typeof v === 'number' && Number.isFinite(v);
  switch (unit) {
    case 'share': case 'score': case 'factor': case 'weight':
      return num && v >= 0 && v <= 1 ? undefined : 'a number 0..1';
    case 'count':
      return num && Number.isInteger(v) && v >= 0 ? undefined : 'a whole number >= 0';
    case 'integer':
      return num && Number.isInteger(v) ? undefined : 'a whole number';
    case 'seconds': case 'bytes': case 'characters': case 'ratio':
      return num && v >= 0 ? undefined : `a number >= 0 (${unit === 'ratio' ? 'a ratio' : unit})`;
    case 'cidr list':
      return 'a list of networks';
  }
}

/** Validate an already-parsed config object. */
export function parseConfigObject(obj: unknown, name: string, path: string | undefined, origin: LoadedConfig['origin']): LoadedConfig {
  const fail = (why: string): never => { throw new ConfigError('CONFIG_INVALID', `Cannot use config ${name}: ${why}`); };
  if (!isObject(obj)) fail('the file must hold a JSON object ({ "beacon": {...}, ... })');
  const root = obj as Record<string, unknown>;
  const overridden = new Set<string>();
  const out: Record<string, unknown> = {};
  const known = [...SECTIONS, 'internalNets', 'store', '$comment'];
  for (const k of Object.keys(root)) if (!known.includes(k)) fail(`unknown key ${k} (known: ${known.join(', ')})`);

  for (const sec of SECTIONS) {
    const { defaults, docs } = SECTION_TABLE[sec];
    const given = root[sec];
    const merged: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(defaults)) merged[k] = isObject(v) ? { ...v } : v;
    if (given !== undefined) {
      if (!isObject(given)) fail(`${sec} must be an object of settings`);
      for (const [k, v] of Object.entries(given as Record<string, unknown>)) {
        const doc = docs[k];
        if (doc === undefined || !Object.hasOwn(defaults, k)) fail(`unknown key ${sec}.${k} (see c2hunt config for the settings)`);
        if (isObject(defaults[k])) {
          const sub = doc as Record<string, SettingDoc>;
          if (!isObject(v)) fail(`${sec}.${k} must be an object (${Object.keys(sub).join(', ')})`);
          for (const [j, w] of Object.entries(v as Record<string, unknown>)) {
            const dj = Object.hasOwn(sub, j) ? sub[j] : undefined;
            if (dj === undefined) fail(`unknown key ${sec}.${k}.${j} (known: ${Object.keys(sub).join(', ')})`);
            const p = unitProblem(dj!.unit, w);
            if (p !== undefined) fail(`${sec}.${k}.${j} must be ${p}`);
            (merged[k] as Record<string, unknown>)[j] = w;
            overridden.add(`${sec}.${k}.${j}`);
          }
        } else {
          const p = unitProblem((doc as SettingDoc).unit, v);
          if (p !== undefined) fail(`${sec}.${k} must be ${p}`);
          merged[k] = v;
          overridden.add(`${sec}.${k}`);
        }
      }
    }
    out[sec] = merged;
  }
  // The detectors' own cross-checks (minPeriod < maxPeriod ...), reported with the file's name.
  try {
    out.beaconScore = resolveSettings(out.beaconScore as BeaconSettings);
    out.dns = dnsSettings(out.dns as DnsSettings);
    out.scan = scanSettings(out.scan as ScanSettings);
  } catch (e) {
    fail((e as Error).message.replace(/^Cannot use (beacon settings|DNS setting|scan setting)s?:?\s*/, (_m, w: string) => (w === 'beacon settings' ? 'beaconScore: ' : w === 'scan setting' ? 'scan: ' : 'dns.')));
  }

  let nets: readonly string[] = DEFAULT_INTERNAL_NETS;
  if (root.internalNets !== undefined) {
    const v = root.internalNets;
    if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string')) fail('internalNets must be a non-empty list of networks (CIDR strings such as "10.0.0.0/8")');
    (v as string[]).forEach((c, i) => {
      try { parseCidr(c); } catch (e) { fail(`internalNets[${i}]: ${(e as Error).message}`); }
    });
    nets = [...(v as string[])];
    overridden.add('internalNets');
  }
  out.internalNets = nets;
  if (root.store !== undefined) {
    if (typeof root.store !== 'string' || root.store.trim() === '') fail('store must be a DuckDB file path or a clickhouse:// URL (a non-empty string)');
    out.store = root.store;
    overridden.add('store');
  }
  const settings = deepFreeze(out) as unknown as C2huntConfig;
  return Object.freeze({ ...(path !== undefined ? { path } : {}), origin, settings, overridden });
}

function deepFreeze<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  for (const x of Object.values(v)) deepFreeze(x);
  if (!Object.isFrozen(v)) Object.freeze(v);
  return v;
}

/** The settings `runDetectors` takes (without `intel`, which commands add). */
export function detectSettingsOf(cfg: C2huntConfig): DetectSettings {
  return { beacon: cfg.beacon, beaconScore: cfg.beaconScore, longConn: cfg.longConn, scan: cfg.scan, dns: cfg.dns, firstSeen: cfg.firstSeen };
}

/** Whether `beaconScore` reaches the scorer (it does: runDetectors passes it to scoreBeacon). */
export const BEACON_SCORE_APPLIED = true;

/** One row of `c2hunt config`: a setting's effective value and where it came from. */
export interface EffectiveRow extends SettingRow {
  value: number | readonly string[];
  /** `default`, or the config file that set it. */
  source: string;
}

/** Every setting with its effective value, default, unit, doc and source. */
export function effectiveSettings(loaded: LoadedConfig): EffectiveRow[] {
  return settingsTable().map((r) => {
    const value = r.key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], loaded.settings) as number | readonly string[];
    return { ...r, value, source: loaded.overridden.has(r.key) ? loaded.path ?? 'file' : 'default' };
  });
}

export type { Section };
