/**
 * The records c2hunt produces and consumes. This file is the schema's documentation: every field
 * is described once, here. Field names follow Zeek's logs where Zeek has the field, so analysts
 * and their tools recognise them. Writers (JSON lines, Zeek TSV) map `orig_h` and friends to
 * Zeek's `id.orig_h` names on output.
 *
 * Times are seconds since the Unix epoch as a float (microsecond precision holds until 2255;
 * nanosecond captures lose the last digits, which no detector uses). Addresses are strings in
 * canonical form (dotted quad, RFC 5952 IPv6).
 */

/** The endpoints of a flow, as in Zeek's `conn_id`. */
export interface FlowId {
  /** Originator address: the side that opened the connection (SYN sender, else first sender). */
  orig_h: string;
  /** Originator port (ICMP: type). */
  orig_p: number;
  /** Responder address. */
  resp_h: string;
  /** Responder port (ICMP: code). */
  resp_p: number;
}

export type Transport = 'tcp' | 'udp' | 'icmp' | 'unknown_transport';

/** One connection (Zeek conn.log). */
export interface ConnRecord extends FlowId {
  /** Time of the first packet. */
  ts: number;
  /** Unique id of the connection; every record about this connection carries it. */
  uid: string;
  /** Community ID v1 (`1:base64`), to join with Zeek, Suricata or Arkime data. */
  community_id: string;
  /** Transport protocol. */
  proto: Transport;
  /** Application protocols identified by content, comma-separated (e.g. `dns`, `ssl`, `http`). */
  service: string;
  /** Seconds from first to last packet. */
  duration: number;
  /** Payload bytes sent by the originator (TCP: from sequence numbers, as Zeek). */
  orig_bytes: number;
  /** Payload bytes sent by the responder. */
  resp_bytes: number;
  /** Zeek connection state: S0 S1 SF REJ S2 S3 RSTO RSTR RSTOS0 RSTRH SH SHR OTH. */
  conn_state: string;
  /** Payload bytes the sensor never saw (sequence gaps). */
  missed_bytes: number;
  /** Zeek history letters; upper case for the originator, lower case for the responder. */
  history: string;
  /** Packets from the originator. */
  orig_pkts: number;
  /** IP-layer bytes from the originator (IP header included). */
  orig_ip_bytes: number;
  /** Packets from the responder. */
  resp_pkts: number;
  /** IP-layer bytes from the responder. */
  resp_ip_bytes: number;
  /** Outermost VLAN id, when tagged. */
  vlan?: number;
  /**
   * True for a record of a connection that is still open (reported every interim interval so
   * long sessions are visible before they end). Counters are totals so far; the final record of
   * the same uid supersedes every interim one, so consumers never add them up.
   */
  interim?: boolean;
}

/** One DNS query/response pair (Zeek dns.log). */
export interface DnsRecord extends FlowId {
  ts: number;
  uid: string;
  proto: Transport;
  /** DNS message id. */
  trans_id: number;
  /** Seconds between query and response, when both were seen. */
  rtt?: number;
  /** Query name, lower-cased as sent (no trailing dot). */
  query: string;
  /** Query class number and name (1, C_INTERNET). */
  qclass?: number;
  qclass_name?: string;
  /** Query type number and name (1, A). */
  qtype?: number;
  qtype_name?: string;
  /** Response code number and name (0 NOERROR, 3 NXDOMAIN). Absent when no response was seen. */
  rcode?: number;
  rcode_name?: string;
  /** Flags of the response (or the query when no response was seen). */
  AA: boolean;
  TC: boolean;
  RD: boolean;
  RA: boolean;
  Z: number;
  /** Answer section values in order: addresses, CNAME/NS/PTR targets, TXT strings ... */
  answers: string[];
  /** TTL of each answer, same order. */
  TTLs: number[];
  /** True when the server rejected the query (rcode not NOERROR/NXDOMAIN). */
  rejected: boolean;
}

/** One TLS handshake (Zeek ssl.log plus the ja3/ja4 packages' fields). */
export interface TlsRecord extends FlowId {
  ts: number;
  uid: string;
  /** Negotiated version (`TLSv12`, `TLSv13`), from the ServerHello (supported_versions wins). */
  version?: string;
  /** Negotiated cipher suite name or hex code. */
  cipher?: string;
  /** Server Name Indication from the ClientHello. */
  server_name?: string;
  /** ALPN protocols offered by the client. */
  alpn?: string[];
  /** ALPN protocol chosen by the server. */
  next_protocol?: string;
  /** Versions the client offered (supported_versions, else the ClientHello version). */
  client_versions?: string[];
  /** JA3 fingerprint (MD5 of `ja3_string`) of the ClientHello, GREASE removed. */
  ja3?: string;
  ja3_string?: string;
  /** JA3S fingerprint of the ServerHello. */
  ja3s?: string;
  ja3s_string?: string;
  /** JA4 fingerprint of the ClientHello. */
  ja4?: string;
  /** True when a ServerHello was seen. */
  established: boolean;
  /** Server certificate, when visible (TLS 1.2 and older). */
  subject?: string;
  issuer?: string;
  not_valid_before?: number;
  not_valid_after?: number;
  /** Subject equals issuer on the leaf certificate. */
  self_signed?: boolean;
  /** SHA-1 of the leaf certificate's DER bytes, lower-case hex. */
  cert_sha1?: string;
}

/** One HTTP request/response (Zeek http.log). */
export interface HttpRecord extends FlowId {
  ts: number;
  uid: string;
  /** 1 for the first request on the connection, 2 for the next ... */
  trans_depth: number;
  method?: string;
  host?: string;
  uri?: string;
  referrer?: string;
  version?: string;
  user_agent?: string;
  /** Body bytes of the request and the response as transferred. */
  request_body_len: number;
  response_body_len: number;
  status_code?: number;
  status_msg?: string;
}

/** One miner-protocol message (Stratum v1, Monero-style JSON-RPC, getwork/getblocktemplate). */
export interface MiningRecord extends FlowId {
  ts: number;
  uid: string;
  /** `stratum` (mining.* methods), `xmr-stratum` (login/job/submit), `getwork`, `eth` (eth_*). */
  protocol: string;
  /** JSON-RPC method (`mining.subscribe`, `login`, `eth_submitLogin` ...), or `result` for replies. */
  method: string;
  /** True when the originator sent it. */
  is_orig: boolean;
  /** Miner software as announced (`agent` of login, first param of mining.subscribe). */
  agent?: string;
  /** SHA-256 (hex, first 16 chars) of the pool login: wallets are personal data. */
  login_hash?: string;
  /** Algorithm when announced (`rx/0`, `cn/r` ...). */
  algo?: string;
}

/** SSH version banners (Zeek ssh.log, first fields). */
export interface SshRecord extends FlowId {
  ts: number;
  uid: string;
  client?: string;
  server?: string;
}

/** Something unexpected in the input (Zeek weird.log). Malformed input is data, not a crash. */
export interface WeirdRecord {
  ts: number;
  /** Connection uid when the weird belongs to one, else empty. */
  uid: string;
  orig_h?: string;
  orig_p?: number;
  resp_h?: string;
  resp_p?: number;
  /** `proto_what_went_wrong`, e.g. `dns_label_len_gt_pkt`, `ipv4_truncated_header`. */
  name: string;
  /** Additional detail. */
  addl?: string;
}

export interface RecordMap {
  conn: ConnRecord;
  dns: DnsRecord;
  tls: TlsRecord;
  http: HttpRecord;
  mining: MiningRecord;
  ssh: SshRecord;
  weird: WeirdRecord;
}
export type RecordKind = keyof RecordMap;
export const RECORD_KINDS: readonly RecordKind[] = ['conn', 'dns', 'tls', 'http', 'mining', 'ssh', 'weird'];

/** Where records go. Implementations: writers (JSON lines, Zeek TSV), the store, tests. */
export interface RecordSink {
  write<K extends RecordKind>(kind: K, rec: RecordMap[K]): void;
}
