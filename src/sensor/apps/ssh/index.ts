/** SSH version-banner analyzer: the module's public entry. */
export { sshAnalyzer } from './ssh.js';
