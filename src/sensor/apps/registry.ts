/**
 * The application analyzers, in the order the flow layer offers them a connection's first
 * payload. Each claims by content; the order only matters where two signatures could both match:
 * the byte-exact signatures (TLS record header, HTTP request line, SSH banner, miner JSON-RPC,
 * a whole SOCKS greeting or request) come before DNS, whose header check is the loosest.
 */
import type { AppAnalyzerFactory } from './types.js';
import { dnsAnalyzer } from './dns/index.js';
import { httpAnalyzer } from './http/index.js';
import { miningAnalyzer } from './mining/index.js';
import { socksAnalyzer } from './socks/index.js';
import { sshAnalyzer } from './ssh/index.js';
import { tlsAnalyzerFactory as tlsAnalyzer } from './tls/index.js';

export const DEFAULT_ANALYZERS: readonly AppAnalyzerFactory[] = Object.freeze([
  tlsAnalyzer, httpAnalyzer, sshAnalyzer, miningAnalyzer, socksAnalyzer, dnsAnalyzer,
]);
