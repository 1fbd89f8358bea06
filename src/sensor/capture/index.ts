/**
 * Capture-file readers (pcap, pcapng, gzip-compressed or not) that feed the packet decoder.
 * The public entry of `sensor/capture`: import from here, not from the files behind it.
 */
export { CaptureError, describeLeadingBytes, type CaptureErrorCode } from './capture-error.js';
export {
  CaptureParser, MAX_BUFFERED_BLOCK, MAX_CAPLEN, MAX_INTERFACES, SNAPLEN_SLACK,
  type CaptureInterface, type CaptureParserOptions, type PacketHandler, type WeirdHandler,
} from './parser.js';
export { readCapture, READ_CHUNK_BYTES, GUNZIP_CHUNK_BYTES, type ReadCaptureOptions, type ReadCaptureResult } from './read.js';
export * from './linktypes.js';
