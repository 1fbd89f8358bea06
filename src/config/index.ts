/**
 * Configuration (public entry of this folder): the one config file of every detector tunable,
 * its validation, and the table of settings with units and docs that `c2hunt config` prints.
 */
export {
  BEACON_SCORE_APPLIED, CONFIG_ENV, ConfigError, DEFAULT_CONFIG_FILE, MAX_CONFIG_BYTES,
  configLocation, detectSettingsOf, effectiveSettings, loadConfig, parseConfig, parseConfigObject,
  type C2huntConfig, type ConfigErrorCode, type EffectiveRow, type LoadedConfig,
} from './config.js';
export { SECTIONS, SECTION_TABLE, UNIT_TEXT, settingsTable, type Section, type SettingDoc, type SettingRow, type Unit } from './settings-table.js';
