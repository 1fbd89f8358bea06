/**
 * The application analyzers, in the order the flow layer offers them a connection's first
 * payload. Each claims by content; the order only matters where two signatures could both match:
 * the byte-exact signatures (TLS record header, HTTP request line, SSH banner, miner JSON-RPC,
 * a whole SOCKS greeting or request) come before DNS, whose header check is the loosest.
 * The line protocols that upgrade to TLS in-band (IMAP, POP3, SMTP, FTP) come after all of
 * those, so they only see first payloads that no byte-exact signature claimed; their own
 * signatures are whole greeting or command words (`* OK`, `+OK ... POP`, `220 ... ESMTP`,
 * `EHLO`, `USER name`), and they come before DNS so its loose check cannot take them.
 */
import type { AppAnalyzerFactory } from './types.js';
import { dnsAnalyzer } from './dns/index.js';
import { httpAnalyzer } from './http/index.js';
import { ftpAnalyzer, imapAnalyzer, pop3Analyzer, smtpAnalyzer } from './mail/index.js';
import { miningAnalyzer } from './mining/index.js';
import { socksAnalyzer } from './socks/index.js';
import { sshAnalyzer } from './ssh/index.js';
import { tlsAnalyzerFactory as tlsAnalyzer } from './tls/index.js';

export const DEFAULT_ANALYZERS: readonly AppAnalyzerFactory[] = Object.freeze([
  tlsAnalyzer, httpAnalyzer, sshAnalyzer, miningAnalyzer, socksAnalyzer,
  imapAnalyzer, pop3Analyzer, smtpAnalyzer, ftpAnalyzer, dnsAnalyzer,
]);
