import type { DataSource } from 'typeorm';
import { qualifiedTableName } from '../schema/table-names';
import { SPAN_ID_PATTERN, TRACE_ID_PATTERN } from './run-changes';
import { TRACE_LOCK_NAMESPACE } from './trace-locks';

/** Most change rows one transaction prunes: a bounded cost, paid once a minute per writer. */
export const PRUNE_BATCH = 1_000;

/** The advisory lock (in the trace-lock namespace, outside its buckets) one pruning transaction at a time holds. */
const PRUNE_LOCK_KEY = -1;

/**
 * NOTIFY is skipped while the server's notification queue is this full: a full queue fails the COMMIT of every
 * notifying transaction, and a batch must never fail for a notification (a stuck listener can fill the 8 GB queue).
 * Watchers read the log on a timer as well, so a skipped notification only delays them.
 */
const NOTIFY_QUEUE_LIMIT = 0.5;

export type RunChangeSqlVariant = 'plain' | 'seeded';

/**
 * The statement that logs a write part's run changes in its own transaction, run after the part's rows are written
 * and while it still holds its trace locks. One row per transaction, nothing when there is no change; the NOTIFY, in
 * the same statement, is sent by PostgreSQL when the transaction commits, and never if it does not.
 *
 * `plain` (no seeds, the common case: Node found every change): $1 the row's runs (bytes) and $2 its letters, as
 * Node built them; $3 the NOTIFY channel or null for none (the payload is the transaction id: tiny, and only
 * informative).
 *
 * `seeded`: $1, $2 the head (starts, Node's steps) and $3, $4 the tail (ends), runs and letters; $5, $6 the seeds,
 * stored spans above finished spans of the part: walking up from them over (trace_id, span_id) finds the agents still
 * running, which get a step between head and tail unless $7 (Node's step keys) has them. As in the totals walk, UNION
 * ends a corrupt cycle and LIMIT 1 keeps each step one lookup of the unique index. $8 the channel.
 *
 * With `prune`, the last parameter is the retention in ms: rows older than it are deleted, at most PRUNE_BATCH of
 * the oldest, by one transaction at a time (the others skip, so none waits behind another writer's row locks).
 */
export function buildRunChangeSql(dataSource: DataSource, variant: RunChangeSqlVariant, prune: boolean): string {
  const executions = qualifiedTableName(dataSource, 'agent_executions');
  const changes = qualifiedTableName(dataSource, 'agentspan_run_changes');
  const channel = variant === 'plain' ? '$3' : '$8';
  const retention = variant === 'plain' ? '$4' : '$9';
  const lookup = (traceId: string, spanId: string) => `
        SELECT x.trace_id, x.span_id, x.parent_span_id, x.kind, x.status FROM ${executions} x
        WHERE x.trace_id = ${traceId} AND x.span_id = ${spanId} LIMIT 1`;
  const logged =
    variant === 'plain'
      ? `logged AS (
      INSERT INTO ${changes} (xact_id, changed_at, runs, changes)
      SELECT pg_current_xact_id()::text::bigint, now(), $1::bytea, $2::text WHERE $2::text <> ''
      RETURNING xact_id
    )`
      : `ancestry AS (
      SELECT x.* FROM unnest($5::text[], $6::text[]) AS s(trace_id, span_id)
      CROSS JOIN LATERAL (${lookup('s.trace_id', 's.span_id')}) x
      UNION
      SELECT p.* FROM ancestry a CROSS JOIN LATERAL (${lookup('a.trace_id', 'a.parent_span_id')}) p
    ),
    found AS (
      SELECT DISTINCT a.trace_id || a.span_id AS run FROM ancestry a
      WHERE a.kind = 'agent' AND a.status = 'running'
        AND a.trace_id ~ '${TRACE_ID_PATTERN}' AND a.span_id ~ '${SPAN_ID_PATTERN}'
        AND NOT ((a.trace_id || a.span_id) = ANY ($7::text[]))
    ),
    logged AS (
      INSERT INTO ${changes} (xact_id, changed_at, runs, changes)
      SELECT pg_current_xact_id()::text::bigint, now(), $1::bytea || f.runs || $3::bytea,
             $2::text || repeat('p', f.steps) || $4::text
      FROM (SELECT COALESCE(string_agg(decode(run, 'hex'), ''::bytea), ''::bytea) AS runs, count(*)::int AS steps
            FROM found) f
      WHERE length($2::text) + f.steps + length($4::text) > 0
      RETURNING xact_id
    )`;
  const pruned = `,
    pruned AS (
      DELETE FROM ${changes} WHERE xact_id IN (
        SELECT xact_id FROM (SELECT xact_id, changed_at FROM ${changes} ORDER BY xact_id LIMIT ${PRUNE_BATCH}) oldest
        WHERE changed_at < now() - ${retention}::double precision * interval '1 millisecond'
          AND (SELECT pg_try_advisory_xact_lock(${TRACE_LOCK_NAMESPACE}, ${PRUNE_LOCK_KEY})))
      RETURNING 1
    )`;
  return `
    WITH ${variant === 'seeded' ? 'RECURSIVE ' : ''}${logged}${prune ? pruned : ''}
    SELECT ${prune ? '(SELECT count(*) FROM pruned)::int' : '0'} AS pruned,
           (SELECT count(pg_notify(${channel}::text, xact_id::text)::text) FROM logged
            WHERE ${channel}::text IS NOT NULL
              AND pg_notification_queue_usage() < ${NOTIFY_QUEUE_LIMIT})::int AS notified`;
}

/**
 * On Citus, the seeded walk of buildRunChangeSql cannot share a statement with the insert into the change log (a
 * reference table) and must run a shard at a time: this reads the runs still running above the seeds ($1, $2) of the
 * traces $4 (one shard's, see shard-groups), leaving out Node's step keys ($3). The caller logs them with the plain
 * statement, as steps between head and tail.
 */
export function buildRunningAncestorsSql(dataSource: DataSource): string {
  const executions = qualifiedTableName(dataSource, 'agent_executions');
  const lookup = (traceId: string, spanId: string) => `
        SELECT x.trace_id, x.span_id, x.parent_span_id, x.kind, x.status FROM ${executions} x
        WHERE x.trace_id = ${traceId} AND x.span_id = ${spanId} AND x.trace_id = ANY ($4::text[]) LIMIT 1`;
  return `
    WITH RECURSIVE ancestry AS (
      SELECT x.* FROM unnest($1::text[], $2::text[]) AS s(trace_id, span_id)
      CROSS JOIN LATERAL (${lookup('s.trace_id', 's.span_id')}) x
      UNION
      SELECT p.* FROM ancestry a CROSS JOIN LATERAL (${lookup('a.trace_id', 'a.parent_span_id')}) p
    )
    SELECT DISTINCT a.trace_id || a.span_id AS run FROM ancestry a
    WHERE a.kind = 'agent' AND a.status = 'running'
      AND a.trace_id ~ '${TRACE_ID_PATTERN}' AND a.span_id ~ '${SPAN_ID_PATTERN}'
      AND NOT ((a.trace_id || a.span_id) = ANY ($3::text[]))`;
}
