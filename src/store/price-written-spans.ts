import type { DataSource, QueryRunner } from 'typeorm';
import type { MergedSpan } from './dedupe-records';
import { buildPriceSpansSql } from './price-spans-sql';

const statements = new WeakMap<DataSource, string>();

/**
 * Prices the LLM spans of a write whose cost is unknown but could be calculated (both input and output tokens
 * known), in the write's own transaction, before the subtree totals are recomputed: one statement for all of them,
 * none when there is nothing to price. Spans with a provided cost, other kinds and spans without usage never reach
 * the database here, so a batch of agentspan's ordinary spans pays one loop in Node and nothing more.
 */
export async function priceWrittenSpans(
  queryRunner: QueryRunner,
  dataSource: DataSource,
  spans: readonly MergedSpan[],
): Promise<void> {
  const traceIds: string[] = [];
  const spanIds: string[] = [];
  for (const { record } of spans) {
    const p = record.performance;
    if (record.execution.kind !== 'llm' || p === null || p.costSource !== 'unknown') continue;
    if (p.inputTokens === null || p.outputTokens === null) continue;
    traceIds.push(record.execution.traceId);
    spanIds.push(record.execution.spanId);
  }
  if (traceIds.length === 0) return;
  let sql = statements.get(dataSource);
  if (sql === undefined) {
    sql = buildPriceSpansSql(dataSource);
    statements.set(dataSource, sql);
  }
  await queryRunner.query(sql, [traceIds, spanIds]);
}
