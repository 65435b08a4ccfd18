import type { DataSource } from 'typeorm';
import { positiveInteger } from '../../internal/check-option';
import { qualifiedTableName } from '../schema/table-names';
import { runChangesChannel } from '../write/run-change-channel';
import { tableLayoutOf, type TableLayout } from '../schema/table-layout';
import { SPAN_ID_PATTERN, TRACE_ID_PATTERN } from '../write/run-changes';
import { untraced } from '../../internal/untraced';

export interface AbandonStaleRunsOptions {
  /** Executions still `running` this many milliseconds after they started are marked `abandoned`. */
  abandonAfterMs: number;
  /** Most rows one statement changes (the function repeats until no stale row is left). Default 1_000. */
  batchSize?: number;
}

/** The error type an abandoned execution gets. */
export const ABANDONED_ERROR_TYPE = 'AbandonedRun';

const DEFAULT_BATCH_SIZE = 1_000;
// A bound on the repeats, so a table that keeps producing stale rows cannot hold the caller forever.
const MAX_ROUNDS = 1_000;

/**
 * Marks executions that were left `running` — the process running them crashed or was killed before their final
 * record was written — as `abandoned`, with `completed_at` set to now and error type `AbandonedRun`. Only rows still
 * `running` are touched, one batch at a time and skipping rows another transaction holds (a write in progress wins).
 * A final record that arrives later still overwrites the row (the upsert lets any final record replace a stored
 * state other than its own), so a run that was merely slow ends up with its real outcome.
 *
 * Resolves with the number of executions abandoned. Age is measured against the database's clock.
 */
export async function abandonStaleRuns(dataSource: DataSource, options: AbandonStaleRunsOptions): Promise<number> {
  const abandonAfterMs = options?.abandonAfterMs;
  if (typeof abandonAfterMs !== 'number' || !Number.isFinite(abandonAfterMs) || abandonAfterMs < 0) {
    throw new TypeError(
      `agentspan: abandonStaleRuns: abandonAfterMs must be a number of milliseconds ≥ 0, got ${String(abandonAfterMs)}`,
    );
  }
  const batchSize = positiveInteger('abandonStaleRuns: batchSize', options.batchSize ?? undefined, DEFAULT_BATCH_SIZE);
  const sql = buildAbandonSql(dataSource, await untraced(() => tableLayoutOf(dataSource, dataSource)));
  const message =
    `no final record within ${formatDuration(abandonAfterMs)} of its start: ` +
    'the process running it probably stopped';
  let total = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const parameters = [abandonAfterMs, batchSize, ABANDONED_ERROR_TYPE, message, runChangesChannel(dataSource)];
    const rows = (await untraced(() => dataSource.query(sql, parameters))) as Array<{ abandoned: number }>;
    const abandoned = Number(rows[0]?.abandoned ?? 0);
    total += abandoned;
    if (abandoned < batchSize) break;
  }
  return total;
}

/**
 * On Citus (`distributed`) without FOR UPDATE SKIP LOCKED, which it cannot run across shards: a row a write holds is
 * waited for instead of skipped (the update's own `status = 'running'` check keeps the write's outcome).
 */
function buildAbandonSql(dataSource: DataSource, layout: TableLayout): string {
  const executions = qualifiedTableName(dataSource, 'agent_executions');
  const changes = qualifiedTableName(dataSource, 'agentspan_run_changes');
  // The partial index on (started_at) WHERE status = 'running' finds the candidates.
  return `
    WITH stale AS (
      SELECT id, trace_id FROM ${executions}
      WHERE status = 'running' AND started_at < now() - $1::double precision * interval '1 millisecond'
      ORDER BY started_at
      LIMIT $2${layout === 'distributed' ? '' : '\n      FOR UPDATE SKIP LOCKED'}
    ),
    abandoned AS (
      UPDATE ${executions} AS t
      SET status = 'abandoned', completed_at = now(), error_type = $3, error_message = $4, updated_at = now()
      FROM stale
      WHERE t.id = stale.id AND t.trace_id = stale.trace_id AND t.status = 'running'
      RETURNING t.trace_id, t.span_id, t.kind
    ),
    -- The abandoned runs, for watch(): logged and notified in this statement's transaction (see run-change-sql).
    logged AS (
      INSERT INTO ${changes} (xact_id, changed_at, runs, changes)
      SELECT pg_current_xact_id()::text::bigint, now(), string_agg(decode(trace_id || span_id, 'hex'), ''::bytea),
             repeat('a', count(*)::int)
      FROM abandoned
      WHERE kind = 'agent' AND trace_id ~ '${TRACE_ID_PATTERN}' AND span_id ~ '${SPAN_ID_PATTERN}'
      HAVING count(*) > 0
      RETURNING xact_id
    )
    SELECT (SELECT count(*) FROM abandoned)::int AS abandoned,
           (SELECT count(pg_notify($5::text, xact_id::text)::text) FROM logged
            WHERE pg_notification_queue_usage() < 0.5)::int AS notified`;
}

function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000} min`;
  if (ms % 1_000 === 0 && ms > 0) return `${ms / 1_000} s`;
  return `${ms} ms`;
}
