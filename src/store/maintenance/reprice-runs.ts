import type { DataSource } from 'typeorm';
import { loadPriceTable } from './load-price-table';
import { pricedPerformance } from '../write/price-written-spans';
import type { PerformanceRecord } from '../../model/records';
import { shardGroups, tableLayoutOf } from '../schema/table-layout';
import { buildTotalsStatements, refreshSubtreeTotals } from '../write/subtree-totals';
import { qualifiedTableName } from '../schema/table-names';
import { LOCK_TRACES_SQL, TRACE_LOCK_NAMESPACE, traceLockBuckets } from '../write/trace-locks';
import { untraced } from '../../internal/untraced';

export interface RepriceResult {
  /** LLM executions looked at: those of the range whose cost was not provided. */
  considered: number;
  /** Of those, the ones whose cost, cost source or price changed. */
  updated: number;
}

/** Executions per transaction: bounds how long one transaction holds its traces' write locks. */
const BATCH_SIZE = 1_000;
const STATEMENT_TIMEOUT_MS = '60000';

type StoredCall = Pick<
  PerformanceRecord,
  | 'provider'
  | 'requestModel'
  | 'responseModel'
  | 'inputTokens'
  | 'outputTokens'
  | 'cacheReadTokens'
  | 'cacheWriteTokens'
  | 'reasoningTokens'
  | 'costUsd'
  | 'costSource'
  | 'priceId'
> & { id: string; traceId: string; spanId: string; startedAt: string };

/**
 * Prices stored LLM executions that started in [since, until) again from model_prices as it is now (after a price
 * was added or corrected), by the writer's own rule (pricedPerformance), and recomputes the totals of the agents above
 * every execution that changed. A provided cost is never touched. Batches of 1,000 executions, each in its own
 * transaction under the per-trace locks the writer takes, so it is safe while agents write. `since` and `until` are
 * ISO instants the caller has checked.
 */
export async function repriceStoredRuns(dataSource: DataSource, since: string, until: string): Promise<RepriceResult> {
  const executions = qualifiedTableName(dataSource, 'agent_executions');
  const performance = qualifiedTableName(dataSource, 'agent_performance');
  const totals = buildTotalsStatements(dataSource);
  const result: RepriceResult = { considered: 0, updated: 0 };
  return untraced(async () => {
    const layout = await tableLayoutOf(dataSource, dataSource);
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const batch = await dataSource.transaction(async (manager) => {
        const calls = (await manager.query(
          `SELECT e.id, e.trace_id AS "traceId", e.span_id AS "spanId",
                  to_char(e.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "startedAt",
                  p.provider, p.request_model AS "requestModel", p.response_model AS "responseModel",
                  p.input_tokens AS "inputTokens", p.output_tokens AS "outputTokens",
                  p.cache_read_tokens AS "cacheReadTokens", p.cache_write_tokens AS "cacheWriteTokens",
                  p.reasoning_tokens AS "reasoningTokens", p.cost_usd::text AS "costUsd", p.cost_source AS "costSource",
                  p.price_id AS "priceId"
           FROM ${executions} e JOIN ${performance} p ON p.trace_id = e.trace_id AND p.execution_id = e.id
           WHERE e.kind = 'llm' AND e.started_at >= $1::timestamptz AND e.started_at < $2::timestamptz
             AND p.cost_source <> 'provided' AND e.id > $3::uuid
           ORDER BY e.id LIMIT ${BATCH_SIZE}`,
          [since, until, after],
        )) as StoredCall[];
        if (calls.length === 0) return calls;
        await manager.query(LOCK_TRACES_SQL, [
          STATEMENT_TIMEOUT_MS,
          TRACE_LOCK_NAMESPACE,
          traceLockBuckets(calls.map((call) => call.traceId)),
        ]);
        const table = await loadPriceTable(manager, dataSource);
        const changed = calls.flatMap((call) => {
          const priced = pricedPerformance(
            table,
            { ...call, durationMs: null, costSource: 'unknown', usageSource: null },
            call.startedAt,
          );
          const same =
            priced.costSource === call.costSource &&
            priced.priceId === call.priceId &&
            sameCost(priced.costUsd, call.costUsd);
          return same ? [] : [{ call, priced }];
        });
        result.considered += calls.length;
        if (changed.length === 0) return calls;
        await manager.query(
          `UPDATE ${performance} AS t SET cost_usd = r.cost_usd, cost_source = r.cost_source, price_id = r.price_id,
             updated_at = now()
           FROM json_to_recordset($1::json)
             AS r(trace_id text, execution_id uuid, cost_usd numeric, cost_source text, price_id integer)
           WHERE t.trace_id = r.trace_id AND t.execution_id = r.execution_id AND t.cost_source <> 'provided'`,
          [
            JSON.stringify(
              changed.map(({ call, priced }) => ({
                trace_id: call.traceId,
                execution_id: call.id,
                cost_usd: priced.costUsd,
                cost_source: priced.costSource,
                price_id: priced.priceId,
              })),
            ),
          ],
        );
        result.updated += changed.length;
        const seeds: [string[], string[]] = [
          changed.map(({ call }) => call.traceId),
          changed.map(({ call }) => call.spanId),
        ];
        const groups = await shardGroups(manager, dataSource, layout, seeds[0]);
        await refreshSubtreeTotals(manager, totals, layout, groups, seeds, false);
        return calls;
      });
      if (batch.length < BATCH_SIZE) return result;
      after = batch[batch.length - 1]!.id;
    }
  });
}

/** Costs as the database and the writer write them: equal as numbers (`0.5000000000` is `0.5`). */
function sameCost(a: string | null, b: string | null): boolean {
  return a === null || b === null
    ? a === b
    : Number(a) === Number(b) && a.replace(/\.?0+$/, '') === b.replace(/\.?0+$/, '');
}
