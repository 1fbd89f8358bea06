CREATE SEQUENCE ingest_id_seq;
CREATE TABLE conn (
  ts DOUBLE NOT NULL,
  uid VARCHAR,
  orig_h VARCHAR,
  orig_p INTEGER,
  resp_h VARCHAR,
  resp_p INTEGER,
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
);
CREATE TABLE dns (
  ts DOUBLE NOT NULL,
  uid VARCHAR,
  orig_h VARCHAR,
  orig_p INTEGER,
  resp_h VARCHAR,
  resp_p INTEGER,
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
);
CREATE TABLE findings (
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
  "first" DOUBLE NOT NULL,
  "last" DOUBLE NOT NULL,
  score DOUBLE NOT NULL,
  severity VARCHAR NOT NULL,
  evidence JSON NOT NULL,
  reasons VARCHAR[] NOT NULL,
  uids VARCHAR[] NOT NULL,
  attack VARCHAR[] NOT NULL,
  updated DOUBLE NOT NULL
);
CREATE TABLE http (
  ts DOUBLE NOT NULL,
  uid VARCHAR,
  orig_h VARCHAR,
  orig_p INTEGER,
  resp_h VARCHAR,
  resp_p INTEGER,
  trans_depth INTEGER,
  "method" VARCHAR,
  host VARCHAR,
  uri VARCHAR,
  referrer VARCHAR,
  "version" VARCHAR,
  user_agent VARCHAR,
  request_body_len BIGINT,
  response_body_len BIGINT,
  status_code INTEGER,
  status_msg VARCHAR,
  ingest_id INTEGER NOT NULL
);
CREATE TABLE ingests (
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
);
CREATE TABLE mining (
  ts DOUBLE NOT NULL,
  uid VARCHAR,
  orig_h VARCHAR,
  orig_p INTEGER,
  resp_h VARCHAR,
  resp_p INTEGER,
  protocol VARCHAR,
  "method" VARCHAR,
  is_orig BOOLEAN,
  agent VARCHAR,
  login_hash VARCHAR,
  algo VARCHAR,
  ingest_id INTEGER NOT NULL
);
CREATE TABLE pdns (
  fqdn VARCHAR,
  ip VARCHAR,
  first_seen DOUBLE NOT NULL,
  last_seen DOUBLE NOT NULL,
  count BIGINT NOT NULL,
  PRIMARY KEY(fqdn, ip)
);
CREATE TABLE schema_version (
  "version" INTEGER PRIMARY KEY,
  description VARCHAR NOT NULL,
  applied DOUBLE NOT NULL
);
CREATE TABLE ssh (
  ts DOUBLE NOT NULL,
  uid VARCHAR,
  orig_h VARCHAR,
  orig_p INTEGER,
  resp_h VARCHAR,
  resp_p INTEGER,
  client VARCHAR,
  "server" VARCHAR,
  ingest_id INTEGER NOT NULL
);
CREATE TABLE tls (
  ts DOUBLE NOT NULL,
  uid VARCHAR,
  orig_h VARCHAR,
  orig_p INTEGER,
  resp_h VARCHAR,
  resp_p INTEGER,
  "version" VARCHAR,
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
);
CREATE TABLE weird (
  ts DOUBLE NOT NULL,
  uid VARCHAR,
  orig_h VARCHAR,
  orig_p INTEGER,
  resp_h VARCHAR,
  resp_p INTEGER,
  "name" VARCHAR,
  addl VARCHAR,
  ingest_id INTEGER NOT NULL
);
COMMENT ON TABLE conn IS 'Connections (records/schema.ts ConnRecord); interim rows are superseded by the final row of their uid';
COMMENT ON TABLE dns IS 'DNS query/response pairs (records/schema.ts DnsRecord)';
COMMENT ON TABLE findings IS 'Detector findings (detect/finding.ts), one row per stable finding id; kept by retention';
COMMENT ON TABLE http IS 'HTTP requests/responses (records/schema.ts HttpRecord)';
COMMENT ON TABLE ingests IS 'One row per ingested file, identified by the SHA-256 of its content; written in the same transaction as the file''s records';
COMMENT ON TABLE mining IS 'Miner-protocol messages (records/schema.ts MiningRecord)';
COMMENT ON TABLE pdns IS 'Passive DNS: every name of an answer chain (query, CNAMEs) and each address that followed; kept across ingests and retention';
COMMENT ON TABLE ssh IS 'SSH version banners (records/schema.ts SshRecord)';
COMMENT ON TABLE tls IS 'TLS handshakes (records/schema.ts TlsRecord)';
COMMENT ON TABLE weird IS 'Unexpected input (records/schema.ts WeirdRecord)';
