import type { DataSource, QueryRunner } from 'typeorm';
import { costOf, epochMicros, type PriceTable } from '../../cost/price-table';
import type { MergedSpan } from './dedupe-records';
import { loadPriceTable } from '../maintenance/load-price-table';
import type { PerformanceRecord } from '../../model/records';

/**
 * Prices the LLM spans of a write whose cost is unknown, in the write's transaction and before they are stored:
 * the price table is read once (only when the part has such a span), each call priced in Node, and the cost goes into
 * the rows as they are copied or upserted — no statement per span, no UPDATE of rows just written. A call gets
 * cost_source 'calculated' and the price's id, or stays 'unknown' with cost null when it has no price or lacks input
 * or output tokens. Spans whose cost was provided (or given as calculated by the caller) are left as they are.
 *
 * The merged records are updated in place (their performance replaced): a retry of the same batch writes the same
 * figures, priced again only if still unknown.
 */
export async function priceWrittenSpans(
  queryRunner: QueryRunner,
  dataSource: DataSource,
  spans: readonly MergedSpan[],
): Promise<void> {
  let table: PriceTable | undefined;
  for (const { record } of spans) {
    const p = record.performance;
    if (record.execution.kind !== 'llm' || p === null || p.costSource !== 'unknown') continue;
    table ??= await loadPriceTable(queryRunner, dataSource);
    record.performance = pricedPerformance(table, p, record.execution.startedAt);
  }
}

/** A performance record with its cost from the table: calculated, or unknown (cost and price id null). */
export function pricedPerformance(
  table: PriceTable,
  p: PerformanceRecord,
  startedAt: Date | string,
): PerformanceRecord {
  const price =
    p.inputTokens === null || p.outputTokens === null
      ? undefined
      : table.priceOf({
          provider: p.provider,
          responseModel: p.responseModel,
          requestModel: p.requestModel,
          startedAtMicros: () => epochMicros(startedAt),
        });
  const cost = price === undefined ? null : costOf(p, price);
  return cost === null
    ? { ...p, costUsd: null, costSource: 'unknown', priceId: null }
    : { ...p, costUsd: cost, costSource: 'calculated', priceId: price!.id };
}
