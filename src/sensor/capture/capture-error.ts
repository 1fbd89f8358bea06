/**
 * The one error type of the capture readers, with stable codes, and the helper that says what a
 * non-capture input looks like.
 */

/**
 * Stable error codes (part of the public API; messages read "Cannot read capture: reason").
 * - `CAPTURE_BAD_MAGIC`: the input does not start like a pcap or pcapng file.
 * - `CAPTURE_CORRUPT`: an impossible record or block (length out of range, trailing length copy
 *   differs, bad byte-order mark): the rest of the stream cannot be trusted.
 * - `CAPTURE_TRUNCATED`: the stream ended inside a file header, record or block (everything
 *   before it was delivered), or a gzip stream ended early.
 * - `CAPTURE_EMPTY`: the input held no bytes at all.
 * - `CAPTURE_OPEN`: the file could not be opened or read (the cause is in `cause`).
 * - `CAPTURE_GZIP`: the gzip data is corrupt.
 */
export type CaptureErrorCode =
  | 'CAPTURE_BAD_MAGIC'
  | 'CAPTURE_CORRUPT'
  | 'CAPTURE_TRUNCATED'
  | 'CAPTURE_EMPTY'
  | 'CAPTURE_OPEN'
  | 'CAPTURE_GZIP';

/** An unreadable capture. `offset` is the byte offset in the (decompressed) stream where it went wrong. */
export class CaptureError extends Error {
  readonly code: CaptureErrorCode;
  readonly offset: number;

  constructor(code: CaptureErrorCode, offset: number, reason: string, options?: { cause?: unknown }) {
    super(`Cannot read capture: ${reason}`, options);
    this.name = 'CaptureError';
    this.code = code;
    this.offset = offset;
  }
}

/** Leading-byte signatures of things people feed to a capture reader by mistake. */
const SIGNATURES: readonly (readonly [bytes: readonly number[], what: string])[] = [
  [[0x1f, 0x8b], 'gzip-compressed data (readCapture decompresses it; the push parser does not)'],
  [[0xa1, 0xb2, 0xcd, 0x34], 'modified (Kuznetzov) pcap, not supported'],
  [[0x34, 0xcd, 0xb2, 0xa1], 'modified (Kuznetzov) pcap, not supported'],
  [[0x28, 0xb5, 0x2f, 0xfd], 'zstd-compressed data: decompress it first'],
  [[0xfd, 0x37, 0x7a, 0x58, 0x5a], 'xz-compressed data: decompress it first'],
  [[0x42, 0x5a, 0x68], 'bzip2-compressed data: decompress it first'],
  [[0x04, 0x22, 0x4d, 0x18], 'lz4-compressed data: decompress it first'],
  [[0x50, 0x4b, 0x03, 0x04], 'a zip archive: extract it first'],
  [[0x73, 0x6e, 0x6f, 0x6f, 0x70, 0x00], 'a snoop capture, not supported'],
  // "#sep(arator)" and "#fie(lds)": the header of a Zeek TSV log (four bytes are enough to tell).
  [[0x23, 0x73, 0x65, 0x70], 'looks like text: a Zeek log?'],
  [[0x23, 0x66, 0x69, 0x65], 'looks like text: a Zeek log?'],
  [[0x7b], 'looks like text: JSON (Suricata EVE or a Zeek JSON log?)'],
];

/**
 * A short description of what the first bytes of a non-capture input look like, e.g.
 * `first bytes 23 73 65 70 ("#sep"), looks like text: a Zeek log?`.
 */
export function describeLeadingBytes(b: Uint8Array): string {
  const n = Math.min(b.length, 8);
  let hex = '';
  let text = '';
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    hex += (i ? ' ' : '') + c.toString(16).padStart(2, '0');
    text += c >= 0x20 && c < 0x7f && c !== 0x22 ? String.fromCharCode(c) : '.';
  }
  const head = n === 0 ? 'no bytes' : `first bytes ${hex} ("${text}")`;
  for (const [sig, what] of SIGNATURES) {
    if (sig.length <= b.length && sig.every((v, i) => b[i] === v)) return `${head}, ${what}`;
  }
  let printable = 0;
  const m = Math.min(b.length, 64);
  for (let i = 0; i < m; i++) {
    const c = b[i]!;
    if ((c >= 0x20 && c < 0x7f) || c === 0x09 || c === 0x0a || c === 0x0d) printable++;
  }
  if (m > 0 && printable === m) return `${head}, looks like text`;
  return `${head}, not a known capture format`;
}
