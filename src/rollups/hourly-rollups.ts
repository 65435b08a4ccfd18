import { RETAINED_FROM_STATE } from '../store/maintenance/retention-boundary';
import type { DataSource, QueryRunner } from 'typeorm';
import { checkInstant } from '../internal/iso-instant';
import { violatesConstraint, sqlStateOf } from '../store/connection/errors';
import { buildHourlyAggregateSql, HOURLY_COLUMNS, RUN_HOUR_SQL } from './hourly-aggregate-sql';
import { qualifiedTableName } from '../store/schema/table-names';
import { untraced } from '../internal/untraced';

export interface RefreshRollupsOptions {
  /**
   * Recompute every hour from the hour of `since` up to `until` (default: now), whatever changed. Without `since`
   * the refresh is incremental: only hours with a run changed since the last refresh.
   */
  since?: Date | string;
  until?: Date | string;
  /**
   * Incremental refresh: how far before the last refresh to look for changed rows. A row's updated_at is its
   * transaction's start, so a write that was still in flight at the last refresh can carry an older time; the
   * overlap must outlast the longest write transaction. Default 10 minutes.
   */
  overlapMs?: number;
  /** statement_timeout of the refresh's own transaction (a first refresh reads every run). Default 10 minutes. */
  statementTimeoutMs?: number;
}

export interface RefreshRollupsResult {
  /** False when another refresh held the lock: nothing was done (it does the same work). */
  refreshed: boolean;
  /** Hours recomputed. */
  hours: number;
  /** Rollup rows written (one per agent and hour with runs). */
  rows: number;
  /** Where the next incremental refresh starts from (the database time of this one); null for a range refresh. */
  watermark: Date | null;
}

/** The row of agentspan_rollup_state this refresh keeps its watermark in. */
export const HOURLY_ROLLUP_NAME = 'agent_metrics_hourly';
/** Advisory lock (namespace "agsr", key 1) held by one refresh at a time, across processes. */
const ROLLUP_LOCK = [0x61677372, 1] as const;
const DEFAULT_OVERLAP_MS = 600_000;
const DEFAULT_STATEMENT_TIMEOUT_MS = 600_000;
/** A refresh meets another's commit at most once or twice in a row; more means something else is wrong. */
const MAX_ATTEMPTS = 5;

/**
 * Brings agent_metrics_hourly up to date: finds the hours in which any agent run (or its subtree totals) changed
 * since the last refresh, through two partial indexes on updated_at, and recomputes each of those hours whole from
 * the raw rows — delete and insert in one REPEATABLE READ transaction, so a re-run gives the same rows and a reader
 * never sees an hour half done. With `since`, recomputes a range of hours instead. One refresh at a time per
 * database (a transaction-level advisory lock: a second caller returns `refreshed: false` at once; one that gets
 * the lock just after another refresh committed is retried, see below). Runs with tracing suppressed. Throws what the
 * database throws; the scheduled job catches it.
 */
export async function refreshHourlyRollups(
  dataSource: DataSource,
  options: RefreshRollupsOptions = {},
): Promise<RefreshRollupsResult> {
  const plan: RefreshPlan = {
    range: rangeOf(options),
    overlapMs: nonNegative('overlapMs', options.overlapMs ?? DEFAULT_OVERLAP_MS),
    statementTimeoutMs: nonNegative('statementTimeoutMs', options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS),
    rollups: qualifiedTableName(dataSource, 'agent_metrics_hourly'),
    state: qualifiedTableName(dataSource, 'agentspan_rollup_state'),
  };
  return untraced(async () => {
    // The transaction's snapshot is taken by its first statement, before the lock is granted: a refresh that starts
    // while another commits can get the lock with a snapshot that misses that commit. Deleting a row the other one
    // replaced then fails with a serialization error, inserting one it created with a duplicate key. Nothing was
    // written; a new transaction sees the other refresh's rows.
    for (let attempt = 1; ; attempt++) {
      try {
        return await refreshOnce(dataSource, plan);
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || !metAnotherRefresh(error)) throw error;
      }
    }
  });
}

/** A refresh's checked options and table names. */
interface RefreshPlan {
  range: ReturnType<typeof rangeOf>;
  overlapMs: number;
  statementTimeoutMs: number;
  rollups: string;
  state: string;
}

/** One attempt, in one REPEATABLE READ transaction (see refreshHourlyRollups). */
async function refreshOnce(dataSource: DataSource, plan: RefreshPlan): Promise<RefreshRollupsResult> {
  const { range, overlapMs, statementTimeoutMs, rollups, state } = plan;
  const runner = dataSource.createQueryRunner('master');
  await runner.connect();
  try {
    await runner.startTransaction('REPEATABLE READ');
    await runner.query(`SELECT set_config('statement_timeout', $1, true)`, [String(Math.round(statementTimeoutMs))]);
    const [{ locked }] = await runner.query(`SELECT pg_try_advisory_xact_lock($1::int, $2::int) AS locked`, [
      ...ROLLUP_LOCK,
    ]);
    if (!locked) {
      await runner.rollbackTransaction();
      return { refreshed: false, hours: 0, rows: 0, watermark: null };
    }
    let hours: string[];
    if (range !== undefined) {
      [{ hours }] = await runner.query(
        `SELECT COALESCE(array_agg(h::text), '{}') AS hours FROM generate_series(
           date_trunc('hour', $1::timestamptz, 'UTC'), COALESCE($2::timestamptz, now()) - interval '1 microsecond',
           interval '1 hour') h`,
        [range.since, range.until ?? null],
      );
    } else {
      const [previous] = await runner.query(`SELECT watermark FROM ${state} WHERE name = $1`, [HOURLY_ROLLUP_NAME]);
      hours = await changedHours(runner, dataSource, previous?.watermark ?? null, overlapMs);
    }
    // Hours before the retention boundary keep their rollups: their rows are gone (pruned, partitions dropped), and
    // recomputing them from what is left would replace a summary of history with one of almost nothing.
    [{ hours }] = await runner.query(
      `SELECT COALESCE(array_agg(h::text), '{}') AS hours FROM unnest($1::timestamptz[]) AS h
       WHERE h >= COALESCE((SELECT watermark FROM ${state} WHERE name = $2), '-infinity')`,
      [hours, RETAINED_FROM_STATE],
    );
    await runner.query(`DELETE FROM ${rollups} WHERE hour = ANY($1::timestamptz[])`, [hours]);
    const [{ rows }] = await runner.query(
      `WITH written AS (
         INSERT INTO ${rollups} (${HOURLY_COLUMNS.join(', ')})
         ${buildHourlyAggregateSql(dataSource, {
           joins: `JOIN unnest($1::timestamptz[]) AS dirty(hour)
                     ON e.started_at >= dirty.hour AND e.started_at < dirty.hour + interval '1 hour'`,
           where: 'true',
         })}
         RETURNING 1)
       SELECT count(*)::int AS rows FROM written`,
      [hours],
    );
    let watermark: Date | null = null;
    if (range === undefined) {
      [{ watermark }] = await runner.query(
        `INSERT INTO ${state} (name, watermark) VALUES ($1, now())
         ON CONFLICT (name) DO UPDATE SET watermark = EXCLUDED.watermark RETURNING watermark`,
        [HOURLY_ROLLUP_NAME],
      );
    }
    await runner.commitTransaction();
    return { refreshed: true, hours: hours.length, rows, watermark: watermark === null ? null : new Date(watermark) };
  } catch (error) {
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    throw error;
  } finally {
    await runner.release();
  }
}

/**
 * An error a refresh meets only when another refresh committed after its snapshot (under the lock, refreshes are the
 * only writers of these tables): serialization_failure (40001), or unique_violation (23505) of a rollup row.
 */
function metAnotherRefresh(error: unknown): boolean {
  const state = sqlStateOf(error);
  return state === '40001' || (state === '23505' && violatesConstraint(error, 'pk_agent_metrics_hourly'));
}

/**
 * The time up to which the rollups are complete: the last incremental refresh's watermark, or null if never. `on`:
 * the connection to ask on (a transaction's manager), the DataSource's pool by default.
 */
export async function rollupWatermark(
  dataSource: DataSource,
  on: Pick<DataSource, 'query'> = dataSource,
): Promise<Date | null> {
  const state = qualifiedTableName(dataSource, 'agentspan_rollup_state');
  const [row] = await untraced(() => on.query(`SELECT watermark FROM ${state} WHERE name = $1`, [HOURLY_ROLLUP_NAME]));
  return row === undefined ? null : new Date(row.watermark);
}

/** Hours (as timestamptz text) with an agent run or agent totals changed after `watermark − overlap`; all if never. */
async function changedHours(
  runner: QueryRunner,
  dataSource: DataSource,
  watermark: Date | null,
  overlapMs: number,
): Promise<string[]> {
  const executions = qualifiedTableName(dataSource, 'agent_executions');
  const performance = qualifiedTableName(dataSource, 'agent_performance');
  const after = watermark === null ? '-infinity' : new Date(new Date(watermark).getTime() - overlapMs).toISOString();
  const [{ hours }] = await runner.query(
    `SELECT COALESCE(array_agg(hour::text), '{}') AS hours FROM (
       SELECT ${RUN_HOUR_SQL} AS hour FROM ${executions} e WHERE e.kind = 'agent' AND e.updated_at > $1::timestamptz
       UNION
       SELECT ${RUN_HOUR_SQL} FROM ${performance} p JOIN ${executions} e ON e.trace_id = p.trace_id AND e.id = p.execution_id
       WHERE p.llm_call_count IS NOT NULL AND p.updated_at > $1::timestamptz AND e.kind = 'agent'
     ) changed`,
    [after],
  );
  return hours;
}

function rangeOf(options: RefreshRollupsOptions): { since: string; until?: string } | undefined {
  if (options.since === undefined) {
    if (options.until !== undefined) throw new TypeError('agentspan: refreshHourlyRollups: until needs since');
    return undefined;
  }
  const since = instant('since', options.since);
  const until = options.until === undefined ? undefined : instant('until', options.until);
  if (until !== undefined && Date.parse(since) >= Date.parse(until)) {
    throw new TypeError(`agentspan: refreshHourlyRollups: since must be before until, got ${since} and ${until}`);
  }
  return { since, until };
}

function instant(name: string, value: Date | string): string {
  const checked = checkInstant(value);
  if ('instant' in checked) return checked.instant;
  if (checked.problem === 'out-of-range') {
    throw new TypeError(`agentspan: refreshHourlyRollups: ${name} must be a time from year 1 to 9999 (UTC)`);
  }
  throw new TypeError(`agentspan: refreshHourlyRollups: ${name} must be a Date or an ISO 8601 time`);
}

function nonNegative(name: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`agentspan: refreshHourlyRollups: ${name} must be a number >= 0, got ${String(value)}`);
  }
  return value;
}
