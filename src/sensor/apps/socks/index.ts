/** SOCKS 4/4a/5 handshake analyzer (hands the tunnel over): the module's public entry. */
export { socksAnalyzer, SOCKS_MAX_BUFFER } from './socks.js';
