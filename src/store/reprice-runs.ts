import type { DataSource } from 'typeorm';
import { buildPriceSpansSql } from './price-spans-sql';
import { buildSubtreeTotalsSql } from './subtree-totals-sql';
import { qualifiedTableName } from './table-names';
import { LOCK_TRACES_SQL, TRACE_LOCK_NAMESPACE, traceLockBuckets } from './trace-locks';
import { untraced } from './untraced';

export interface RepriceResult {
  /** LLM executions looked at: those of the range whose cost was not provided. */
  considered: number;
  /** Of those, the ones whose cost, cost source or price changed. */
  updated: number;
}

/** Executions per transaction: bounds how long one transaction holds its traces' write locks. */
const BATCH_SIZE = 1_000;
const STATEMENT_TIMEOUT_MS = '60000';

/**
 * Prices stored LLM executions that started in [since, until) again from model_prices as it is now (after a price
 * was added or corrected), with the writer's own statement (price-spans-sql), and recomputes the totals of the agents
 * above every execution it looked at. A provided cost is never touched. Batches of 1,000 executions, each in its own
 * transaction under the same per-trace locks the writer takes, so it is safe while agents write. `since` and `until`
 * are ISO instants the caller has checked.
 */
export async function repriceStoredRuns(dataSource: DataSource, since: string, until: string): Promise<RepriceResult> {
  const executions = qualifiedTableName(dataSource, 'agent_executions');
  const performance = qualifiedTableName(dataSource, 'agent_performance');
  const priceSql = buildPriceSpansSql(dataSource);
  const totalsSql = buildSubtreeTotalsSql(dataSource);
  const result: RepriceResult = { considered: 0, updated: 0 };
  return untraced(async () => {
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const batch = (await dataSource.query(
        `SELECT e.id, e.trace_id AS "traceId", e.span_id AS "spanId"
         FROM ${executions} e JOIN ${performance} p ON p.execution_id = e.id
         WHERE e.kind = 'llm' AND e.started_at >= $1::timestamptz AND e.started_at < $2::timestamptz
           AND p.cost_source <> 'provided' AND e.id > $3::uuid
         ORDER BY e.id LIMIT ${BATCH_SIZE}`,
        [since, until, after],
      )) as Array<{ id: string; traceId: string; spanId: string }>;
      if (batch.length === 0) return result;
      const traceIds = batch.map((row) => row.traceId);
      const spanIds = batch.map((row) => row.spanId);
      await dataSource.transaction(async (manager) => {
        await manager.query(LOCK_TRACES_SQL, [TRACE_LOCK_NAMESPACE, traceLockBuckets(traceIds), STATEMENT_TIMEOUT_MS]);
        const [priced] = (await manager.query(priceSql, [traceIds, spanIds])) as Array<{ considered: number; updated: number }>;
        result.considered += Number(priced!.considered);
        result.updated += Number(priced!.updated);
        await manager.query(totalsSql, [traceIds, spanIds, false]);
      });
      after = batch[batch.length - 1]!.id;
      if (batch.length < BATCH_SIZE) return result;
    }
  });
}
