/** HTTP/1.x analyzer: the module's public entry. */
export { httpAnalyzer, HTTP_MAX_HEADER_BYTES, HTTP_METHODS } from './http.js';
