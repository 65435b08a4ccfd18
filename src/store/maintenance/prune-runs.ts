import type { DataSource } from 'typeorm';
import { positiveInteger } from '../../internal/check-option';
import { checkInstant, MAX_AGE_MS } from '../../internal/iso-instant';
import { qualifiedTableName } from '../schema/table-names';
import { untraced } from '../../internal/untraced';
import { dropOldPartitions } from './drop-partitions';
import { advanceRetentionBoundary } from './retention-boundary';

export interface PruneRunsOptions {
  /**
   * Runs older than this are deleted: a Date or ISO 8601 string (a point in time from year 1 to 9999), or a number of
   * milliseconds (an age of at most 1,000 years, measured against the database's clock). A trace goes as a whole, and
   * only when every execution of it was written before that point and none is still running.
   */
  olderThan: Date | string | number;
  /** Traces deleted per transaction: the bound on how long one statement holds its row locks. Default 500. */
  batchSize?: number;
}

export interface PruneResult {
  traces: number;
  executions: number;
  performance: number;
  decisions: number;
  events: number;
  /** On time partitions: the partitions dropped whole (see dropOldPartitions). */
  partitionsDropped: string[];
  /** On time partitions: the oldest partition that was due but kept, and why. */
  partitionKept: { partition: string; reason: string } | null;
}

const DEFAULT_BATCH_SIZE = 500;
/** The span of creation time a pass looks at: small enough that a pass never sorts much, large enough to be few. */
const WINDOW_MS = 3_600_000;
const MAX_WINDOW_MS = 30 * 86_400_000;

/**
 * Deletes old runs with their performance, decision and event rows (the tables have no foreign keys, so this is how
 * rows leave them together). It walks from the oldest row to the cutoff in windows of creation time (found through the
 * BRIN index on created_at), and in each window deletes whole traces, `batchSize` at a time, each batch in its own
 * short transaction, so writers and readers are never held for long. Safe to run while agents write: a trace with
 * anything newer than the cutoff, or anything still running, is left alone.
 *
 * On time partitions (migrate --partitioned), the months wholly before the cutoff are first detached and dropped
 * whole (see dropOldPartitions), and the rest as above. Either way the cutoff becomes the rollups' retention boundary:
 * the hours before it are never recomputed from the rows left (refresh the rollups before pruning; the CLI does).
 */
export async function pruneRuns(dataSource: DataSource, options: PruneRunsOptions): Promise<PruneResult> {
  const { cutoffSql, batchSize } = checkPruneRunsOptions(options);
  return untraced(async () => {
    const executions = qualifiedTableName(dataSource, 'agent_executions');
    const total: PruneResult = {
      traces: 0,
      executions: 0,
      performance: 0,
      decisions: 0,
      events: 0,
      partitionsDropped: [],
      partitionKept: null,
    };
    // Time partitions wholly before the cutoff go whole first; whatever is left before it goes by rows.
    const [{ cutoff: cutoffAt }] = (await dataSource.query(
      `SELECT ${cutoffSql.expression} AS cutoff`,
      cutoffSql.parameters,
    )) as Array<{ cutoff: Date }>;
    const partitions = await dropOldPartitions(dataSource, new Date(cutoffAt));
    for (const key of ['traces', 'executions', 'performance', 'decisions', 'events'] as const)
      total[key] += partitions[key];
    total.partitionsDropped = partitions.dropped;
    total.partitionKept = partitions.kept;
    await advanceRetentionBoundary(dataSource, dataSource, new Date(cutoffAt));
    const [bounds] = (await dataSource.query(
      `SELECT min(created_at) AS "oldest", ${cutoffSql.expression} AS "cutoff" FROM ${executions}
       WHERE created_at < ${cutoffSql.expression}`,
      cutoffSql.parameters,
    )) as Array<{ oldest: Date | null; cutoff: Date }>;
    if (bounds?.oldest == null) return total;
    const deleteSql = buildPruneSql(dataSource);
    const cutoff = new Date(bounds.cutoff).getTime();
    let window = WINDOW_MS;
    for (let from = new Date(bounds.oldest).getTime(); from < cutoff;) {
      const until = Math.min(from + window, cutoff);
      let deleted = 0;
      for (;;) {
        const parameters = [new Date(from), new Date(until), new Date(cutoff), batchSize];
        const [batch] = (await dataSource.query(deleteSql, parameters)) as PruneResult[];
        for (const key of ['traces', 'executions', 'performance', 'decisions', 'events'] as const) {
          total[key] += Number(batch![key]);
        }
        deleted += Number(batch!.traces);
        if (Number(batch!.traces) < batchSize) break;
      }
      from = until;
      // Sparse history (a few runs a month) is crossed in a few long windows; a busy hour keeps them short.
      window = deleted === 0 ? Math.min(window * 2, MAX_WINDOW_MS) : WINDOW_MS;
    }
    return total;
  });
}

/**
 * One batch: up to $4 traces that have a row created in [$1, $2), none created at or after the cutoff $3 and none
 * running; each deleted with everything that belongs to it.
 */
function buildPruneSql(dataSource: DataSource): string {
  const executions = qualifiedTableName(dataSource, 'agent_executions');
  const performance = qualifiedTableName(dataSource, 'agent_performance');
  const decisions = qualifiedTableName(dataSource, 'agent_decisions');
  const events = qualifiedTableName(dataSource, 'agent_events');
  return `
    WITH doomed AS (
      SELECT c.trace_id FROM (
        SELECT DISTINCT trace_id FROM ${executions} WHERE created_at >= $1 AND created_at < $2
      ) c
      WHERE NOT EXISTS (
        SELECT 1 FROM ${executions} x
        WHERE x.trace_id = c.trace_id AND (x.created_at >= $3 OR x.status = 'running')
      )
      LIMIT $4
    ),
    gone AS (
      DELETE FROM ${executions} e USING doomed d WHERE e.trace_id = d.trace_id RETURNING e.id, e.trace_id
    ),
    gone_performance AS (
      DELETE FROM ${performance} p USING gone g WHERE p.trace_id = g.trace_id AND p.execution_id = g.id RETURNING 1
    ),
    gone_decisions AS (
      DELETE FROM ${decisions} v USING doomed d WHERE v.trace_id = d.trace_id RETURNING 1
    ),
    gone_events AS (
      DELETE FROM ${events} v USING doomed d WHERE v.trace_id = d.trace_id RETURNING 1
    )
    SELECT (SELECT count(*) FROM doomed)::int AS traces,
           (SELECT count(*) FROM gone)::int AS executions,
           (SELECT count(*) FROM gone_performance)::int AS performance,
           (SELECT count(*) FROM gone_decisions)::int AS decisions,
           (SELECT count(*) FROM gone_events)::int AS events`;
}

/** The options checked (a TypeError naming the wrong one), before anything is asked of the database. */
export function checkPruneRunsOptions(options: PruneRunsOptions): {
  cutoffSql: { expression: string; parameters: unknown[] };
  batchSize: number;
} {
  const cutoffSql = cutoffOf(options?.olderThan);
  const batchSize = positiveInteger('pruneRuns: batchSize', options.batchSize ?? undefined, DEFAULT_BATCH_SIZE);
  return { cutoffSql, batchSize };
}

/** The cutoff as an SQL expression with its parameter: a point in time, or now() minus an age. */
function cutoffOf(olderThan: unknown): { expression: string; parameters: unknown[] } {
  if (typeof olderThan === 'number' && Number.isFinite(olderThan) && olderThan >= 0) {
    // A larger age would put the cutoff before year 1: PostgreSQL's "timestamp out of range", not an answer.
    if (olderThan > MAX_AGE_MS) {
      throw new TypeError(
        `agentspan: pruneRuns: olderThan as an age must be at most ${MAX_AGE_MS} ms (1,000 years), got ${olderThan}`,
      );
    }
    return { expression: `(now() - make_interval(secs => $1::float8 / 1000))`, parameters: [olderThan] };
  }
  const checked = typeof olderThan === 'string' || olderThan instanceof Date ? checkInstant(olderThan) : undefined;
  if (checked !== undefined && 'instant' in checked)
    return { expression: '$1::timestamptz', parameters: [checked.instant] };
  if (checked?.problem === 'out-of-range') {
    throw new TypeError(
      `agentspan: pruneRuns: olderThan must be a time from year 1 to 9999 (UTC), got ${String(olderThan)}`,
    );
  }
  throw new TypeError(
    `agentspan: pruneRuns: olderThan must be a Date, an ISO 8601 time or an age in milliseconds ≥ 0, got ${String(olderThan)}`,
  );
}
