/**
 * TLS application analyzer (Zeek service `ssl`): the public entry of this folder. Register
 * `tlsAnalyzerFactory` with the flow layer; the fingerprint and certificate helpers are exported
 * for readers of other sources (e.g. ClientHellos from other transports) and for tests.
 */
export { TLS_MAX_BUFFER_BYTES, TLS_MAX_RECORD_LEN, TlsAnalyzer, probeTls, tlsAnalyzerFactory } from './analyzer.js';
export { ja3String, ja3sString, ja4, ja4Parts, ja4Raw, md5Hex, type Ja4Parts, type Ja4Transport } from './fingerprint.js';
export { parseClientHello, parseServerHello, type ClientHello, type Report, type ServerHello } from './hello.js';
export { cipherName, isGrease, versionName } from './names.js';
export { parseCertificate, type CertInfo } from './x509.js';
