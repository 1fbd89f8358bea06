/**
 * Errors of the intel module, each with a stable code (for scripts and tests) and a message that
 * reads "Cannot X: reason".
 *
 * - INTEL_ERR_NAME: a feed name that is not `[A-Za-z0-9][A-Za-z0-9._-]{0,63}`.
 * - INTEL_ERR_EXISTS: `add` of a name already present (without replace).
 * - INTEL_ERR_NOT_FOUND: `remove`/`update` of a name not present.
 * - INTEL_ERR_READ: the file cannot be read (missing, too large, zip).
 * - INTEL_ERR_FETCH: the URL cannot be fetched (refused, timeout, HTTP error).
 * - INTEL_ERR_FORMAT: no format accepts the content, or `--format` is unknown.
 * - INTEL_ERR_EMPTY: the feed parsed but holds no valid indicator (the first broken lines are named).
 * - INTEL_ERR_TRUNCATED: the feed is incomplete (a missing trailer) or otherwise unusable as a whole.
 * - INTEL_ERR_STORE: the intel directory cannot be written or a stored feed is damaged.
 */
export type IntelErrorCode =
  | 'INTEL_ERR_NAME' | 'INTEL_ERR_EXISTS' | 'INTEL_ERR_NOT_FOUND' | 'INTEL_ERR_READ' | 'INTEL_ERR_FETCH'
  | 'INTEL_ERR_FORMAT' | 'INTEL_ERR_EMPTY' | 'INTEL_ERR_TRUNCATED' | 'INTEL_ERR_STORE';

/** An error of the intel module: a stable `code` and a "Cannot X: reason" message. */
export class IntelError extends Error {
  constructor(readonly code: IntelErrorCode, message: string) {
    super(message);
    this.name = 'IntelError';
  }
}
