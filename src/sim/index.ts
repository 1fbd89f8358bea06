/**
 * c2hunt's traffic simulator: realistic, valid, labelled pcaps of an enterprise network with
 * benign background and parameterised malicious behaviours (beacons, mining, scans, DNS abuse).
 * Public entry of the module.
 */
export { simulate, labelsPathFor, SIM_DEFAULTS, type SimOptions, type SimSummary } from './simulate.js';
export { listScenarios } from './scenarios.js';
export type { LabelsFile, BehaviourLabel, BenignPeriodicLabel, BenignNotableLabel, BehaviourKind } from './labels.js';
