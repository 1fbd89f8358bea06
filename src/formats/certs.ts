/**
 * Certificates from Zeek x509 logs, so that ssl records can carry their leaf certificate's
 * subject, issuer and validity. Recent Zeek versions log those only in x509.log (ssl.log keeps
 * `cert_chain_fps`, the SHA-256 fingerprints; older versions `cert_chain_fuids`, file ids), so
 * without this join a TLS record from modern Zeek would have no certificate at all.
 *
 * The join is deliberately simple and honest: an ssl line takes the certificate of its first
 * chain entry when that certificate was read before it (listLogFiles orders an x509 log before
 * the ssl log of the same time slot; Zeek writes the x509 line when it sees the certificate,
 * before the connection's ssl line). When the certificate is unknown, the record keeps what the
 * ssl log holds. `cert_sha1` is filled only when the x509 fingerprint is a SHA-1 (40 hex digits);
 * Zeek's default fingerprint is SHA-256, which the record has no field for.
 */

/** The certificate fields a TLS record can take. */
export interface CertInfo {
  subject?: string;
  issuer?: string;
  not_valid_before?: number;
  not_valid_after?: number;
  /** SHA-1 of the certificate, lower-case hex, when the log's fingerprint is one. */
  sha1?: string;
}

/** Certificates kept; beyond it the oldest are forgotten (counted in `evicted`). */
export const MAX_CERTS = 500_000;

/** Certificates by fingerprint (x509 `fingerprint`) and by file id (x509 `id`). */
export class CertIndex {
  private readonly map = new Map<string, CertInfo>();
  /** Certificates forgotten because the index was full. */
  evicted = 0;

  constructor(private readonly limit = MAX_CERTS) {}

  /** Remember a certificate under a key (fingerprint or file id). */
  add(key: string, cert: CertInfo): void {
    if (this.map.has(key)) this.map.delete(key);
    else if (this.map.size >= this.limit) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
      this.evicted++;
    }
    this.map.set(key, cert);
  }

  /** The certificate under a key, if known. */
  get(key: string): CertInfo | undefined {
    return this.map.get(key);
  }

  get size(): number {
    return this.map.size;
  }
}
