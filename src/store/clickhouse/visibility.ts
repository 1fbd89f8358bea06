/**
 * What readers see: rows of committed ingests only, with superseded rows hidden. Every query of
 * the store reads raw tables through {@link visibleSource}, so an open, aborted or crashed ingest
 * is never seen, and a file is seen once even when two sensors committed it.
 */
import type { RecordKind } from '../../records/schema.js';
import { ident, join, raw, sql, type Sql } from './sql.js';

/** Most values in one `IN (...)` list; longer lists are split into several queries. */
export const IN_LIST_MAX = 5_000;

/** The ingests that are visible: per file content, the first committed. */
export const VISIBLE_INGESTS = raw('(SELECT argMin(id, tuple(finished, id)) FROM ingests GROUP BY sha256)');
export const VIS = raw(`ingest_id GLOBAL IN ${VISIBLE_INGESTS.text}`);
export const CLOSED_CONNS = raw(`(SELECT uid FROM superseded WHERE kind = 'conn' AND by_ingest GLOBAL IN ${VISIBLE_INGESTS.text})`);
const HIDDEN_TLS = raw(`(SELECT old_ingest, uid, ts FROM superseded WHERE kind = 'tls' AND by_ingest GLOBAL IN ${VISIBLE_INGESTS.text})`);
const HIDDEN_HTTP = raw(`(SELECT old_ingest, uid, ts, depth FROM superseded WHERE kind = 'http' AND by_ingest GLOBAL IN ${VISIBLE_INGESTS.text})`);

/**
 * The visible rows of a raw table as a subquery (every column), with extra conditions. Conn rows
 * are the final records plus, per uid still open, its longest interim record. `table` names the
 * raw tables read (default: as given, the Distributed tables on a cluster; a shard's `_local`
 * tables to read only that shard's rows). The ingest and superseded lists are always read whole.
 */
export function visibleSource(kind: RecordKind, where: readonly Sql[] = [], table: (name: string) => string = (t) => t): Sql {
  const cond = join([VIS, ...where], ' AND ');
  const t = (name: string): Sql => ident(table(name));
  switch (kind) {
    case 'conn':
      return sql`(SELECT * FROM ${t('conn')} WHERE ${cond}
        UNION ALL SELECT * FROM (SELECT * FROM ${t('conn_open')} WHERE ${cond} AND uid GLOBAL NOT IN ${CLOSED_CONNS}
                                 ORDER BY uid, duration DESC, ingest_id DESC LIMIT 1 BY uid))`;
    case 'tls':
      return sql`(SELECT * FROM ${t('tls')} WHERE ${cond} AND (ingest_id, uid, ts) GLOBAL NOT IN ${HIDDEN_TLS})`;
    case 'http':
      return sql`(SELECT * FROM ${t('http')} WHERE ${cond} AND (ingest_id, uid, ts, trans_depth) GLOBAL NOT IN ${HIDDEN_HTTP})`;
    default:
      return sql`(SELECT * FROM ${t(kind)} WHERE ${cond})`;
  }
}
