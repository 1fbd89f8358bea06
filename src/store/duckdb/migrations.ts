/**
 * The DuckDB schema, as an ordered list of migrations. A store records the migrations it has
 * applied in `schema_version`; opening a store applies the missing ones in order, each in its own
 * transaction. Never edit a released migration: append a new one (and update the snapshot file
 * `schema.snapshot.sql`, which the schema test compares with the live schema).
 *
 * Representation choices (documented once, here):
 * - Times (`ts`, `first_seen` ...) are DOUBLE epoch seconds, as in the records: microsecond
 *   precision until the year 2255, cheap to append and to compare, and no time-zone surprises.
 *   `to_timestamp(ts)` gives a TIMESTAMP WITH TIME ZONE when one is wanted.
 * - Addresses are VARCHAR in canonical text form (dotted quad, RFC 5952 IPv6): IPv4 and IPv6 in
 *   one column, equality and grouping work on the text, and no extension is needed (DuckDB's
 *   `inet` extension is not shipped with the package).
 * - Counters are BIGINT; ports, ids and codes INTEGER; flags BOOLEAN; lists `VARCHAR[]`/`DOUBLE[]`.
 * - Every raw row carries `ingest_id`, the ingest (file) it came from.
 */

/** One schema step. */
export interface Migration {
  version: number;
  description: string;
  statements: readonly string[];
}

const FLOW_COLUMNS = `
  ts DOUBLE NOT NULL,
  uid VARCHAR,
  orig_h VARCHAR,
  orig_p INTEGER,
  resp_h VARCHAR,
  resp_p INTEGER`;

/** Every migration, in order. Versions start at 1 and have no gaps. */
export const MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    version: 1,
    description: 'raw record tables, passive DNS, ingests, findings',
    statements: [
      `CREATE SEQUENCE ingest_id_seq START 1`,
      `CREATE TABLE ingests (
        id INTEGER PRIMARY KEY,
        sha256 VARCHAR NOT NULL UNIQUE,
        path VARCHAR NOT NULL,
        bytes BIGINT NOT NULL,
        format VARCHAR NOT NULL,
        started DOUBLE NOT NULL,
        finished DOUBLE NOT NULL,
        records JSON NOT NULL,
        bad_lines BIGINT NOT NULL,
        first_ts DOUBLE,
        last_ts DOUBLE
      )`,
      `COMMENT ON TABLE ingests IS 'One row per ingested file, identified by the SHA-256 of its content; written in the same transaction as the file''s records'`,
      `CREATE TABLE conn (${FLOW_COLUMNS},
        community_id VARCHAR,
        proto VARCHAR,
        service VARCHAR,
        duration DOUBLE,
        orig_bytes BIGINT,
        resp_bytes BIGINT,
        conn_state VARCHAR,
        missed_bytes BIGINT,
        history VARCHAR,
        orig_pkts BIGINT,
        orig_ip_bytes BIGINT,
        resp_pkts BIGINT,
        resp_ip_bytes BIGINT,
        vlan INTEGER,
        interim BOOLEAN,
        ingest_id INTEGER NOT NULL
      )`,
      `COMMENT ON TABLE conn IS 'Connections (records/schema.ts ConnRecord); interim rows are superseded by the final row of their uid'`,
      `CREATE TABLE dns (${FLOW_COLUMNS},
        proto VARCHAR,
        trans_id INTEGER,
        rtt DOUBLE,
        query VARCHAR,
        qclass INTEGER,
        qclass_name VARCHAR,
        qtype INTEGER,
        qtype_name VARCHAR,
        rcode INTEGER,
        rcode_name VARCHAR,
        aa BOOLEAN,
        tc BOOLEAN,
        rd BOOLEAN,
        ra BOOLEAN,
        z INTEGER,
        answers VARCHAR[],
        ttls DOUBLE[],
        rejected BOOLEAN,
        ingest_id INTEGER NOT NULL
      )`,
      `COMMENT ON TABLE dns IS 'DNS query/response pairs (records/schema.ts DnsRecord)'`,
      `CREATE TABLE tls (${FLOW_COLUMNS},
        version VARCHAR,
        cipher VARCHAR,
        server_name VARCHAR,
        alpn VARCHAR[],
        next_protocol VARCHAR,
        client_versions VARCHAR[],
        ja3 VARCHAR,
        ja3_string VARCHAR,
        ja3s VARCHAR,
        ja3s_string VARCHAR,
        ja4 VARCHAR,
        established BOOLEAN,
        subject VARCHAR,
        issuer VARCHAR,
        not_valid_before DOUBLE,
        not_valid_after DOUBLE,
        self_signed BOOLEAN,
        cert_sha1 VARCHAR,
        ingest_id INTEGER NOT NULL
      )`,
      `COMMENT ON TABLE tls IS 'TLS handshakes (records/schema.ts TlsRecord)'`,
      `CREATE TABLE http (${FLOW_COLUMNS},
        trans_depth INTEGER,
        method VARCHAR,
        host VARCHAR,
        uri VARCHAR,
        referrer VARCHAR,
        version VARCHAR,
        user_agent VARCHAR,
        request_body_len BIGINT,
        response_body_len BIGINT,
        status_code INTEGER,
        status_msg VARCHAR,
        ingest_id INTEGER NOT NULL
      )`,
      `COMMENT ON TABLE http IS 'HTTP requests/responses (records/schema.ts HttpRecord)'`,
      `CREATE TABLE mining (${FLOW_COLUMNS},
        protocol VARCHAR,
        method VARCHAR,
        is_orig BOOLEAN,
        agent VARCHAR,
        login_hash VARCHAR,
        algo VARCHAR,
        ingest_id INTEGER NOT NULL
      )`,
      `COMMENT ON TABLE mining IS 'Miner-protocol messages (records/schema.ts MiningRecord)'`,
      `CREATE TABLE ssh (${FLOW_COLUMNS},
        client VARCHAR,
        server VARCHAR,
        ingest_id INTEGER NOT NULL
      )`,
      `COMMENT ON TABLE ssh IS 'SSH version banners (records/schema.ts SshRecord)'`,
      `CREATE TABLE weird (${FLOW_COLUMNS},
        name VARCHAR,
        addl VARCHAR,
        ingest_id INTEGER NOT NULL
      )`,
      `COMMENT ON TABLE weird IS 'Unexpected input (records/schema.ts WeirdRecord)'`,
      `CREATE TABLE pdns (
        fqdn VARCHAR NOT NULL,
        ip VARCHAR NOT NULL,
        first_seen DOUBLE NOT NULL,
        last_seen DOUBLE NOT NULL,
        count BIGINT NOT NULL,
        PRIMARY KEY (fqdn, ip)
      )`,
      `COMMENT ON TABLE pdns IS 'Passive DNS: every name of an answer chain (query, CNAMEs) and each address that followed; kept across ingests and retention'`,
      `CREATE TABLE findings (
        id VARCHAR PRIMARY KEY,
        detector VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        title VARCHAR NOT NULL,
        src VARCHAR NOT NULL,
        dst VARCHAR,
        dsts VARCHAR[],
        fqdn VARCHAR,
        port INTEGER,
        proto VARCHAR,
        first DOUBLE NOT NULL,
        last DOUBLE NOT NULL,
        score DOUBLE NOT NULL,
        severity VARCHAR NOT NULL,
        evidence JSON NOT NULL,
        reasons VARCHAR[] NOT NULL,
        uids VARCHAR[] NOT NULL,
        attack VARCHAR[] NOT NULL,
        updated DOUBLE NOT NULL
      )`,
      `COMMENT ON TABLE findings IS 'Detector findings (detect/finding.ts), one row per stable finding id; kept by retention'`,
    ],
  },
  {
    version: 2,
    description: 'conn.uid and conn.community_id stored uncompressed',
    // Both are random strings: DuckDB's string compression (FSST, dictionary) gains little on
    // them and cost about a fifth of the CPU of loading conn rows (2 M rows: 5.3-5.4 CPU-s
    // uncompressed against 6.9-7.3 compressed, best of alternating runs), for 7% more file
    // (85 -> 91 MB per million rows). Compression is a column property fixed at creation, so
    // the table is rebuilt once, in this migration's transaction. The DDL is written out here, not
    // derived from version 1's: a released migration runs the same statements forever.
    statements: [
      `CREATE TABLE conn_v2 (
        ts DOUBLE NOT NULL,
        uid VARCHAR USING COMPRESSION uncompressed,
        orig_h VARCHAR,
        orig_p INTEGER,
        resp_h VARCHAR,
        resp_p INTEGER,
        community_id VARCHAR USING COMPRESSION uncompressed,
        proto VARCHAR,
        service VARCHAR,
        duration DOUBLE,
        orig_bytes BIGINT,
        resp_bytes BIGINT,
        conn_state VARCHAR,
        missed_bytes BIGINT,
        history VARCHAR,
        orig_pkts BIGINT,
        orig_ip_bytes BIGINT,
        resp_pkts BIGINT,
        resp_ip_bytes BIGINT,
        vlan INTEGER,
        interim BOOLEAN,
        ingest_id INTEGER NOT NULL
      )`,
      `INSERT INTO conn_v2 SELECT * FROM conn`,
      `DROP TABLE conn`,
      `ALTER TABLE conn_v2 RENAME TO conn`,
      `COMMENT ON TABLE conn IS 'Connections (records/schema.ts ConnRecord); interim rows are superseded by the final row of their uid'`,
    ],
  },
]);

/** The newest schema version this code knows. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** The bookkeeping table, created before any migration runs. */
export const SCHEMA_VERSION_DDL = `CREATE TABLE IF NOT EXISTS schema_version (
  version INTEGER PRIMARY KEY,
  description VARCHAR NOT NULL,
  applied DOUBLE NOT NULL
)`;
