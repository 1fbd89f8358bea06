/** Miner-protocol analyzer (Stratum, Monero Stratum, eth proxies): the module's public entry. */
export { miningAnalyzer, minerProtocolOf, httpMinerProtocol, findJsonMethod, loginHash } from './mining.js';
