import type { CostSource, UsageSource } from '../model/records';
import { numberOrNull, stringOrNull } from './sql-values';
import type { PerformanceView, RunTotals } from './types';

/**
 * The SELECT lists over agent_performance aliased `p` (LEFT JOINed: every column may be null). Costs travel as text,
 * so the exact decimal survives whatever type parser the application has set; `p.execution_id` tells "no row" from "a
 * row of nulls".
 */
export const RUN_TOTALS_COLUMNS = `
  p.total_input_tokens AS "totalInputTokens", p.total_output_tokens AS "totalOutputTokens",
  p.total_cache_read_tokens AS "totalCacheReadTokens", p.total_cache_write_tokens AS "totalCacheWriteTokens",
  p.total_reasoning_tokens AS "totalReasoningTokens", p.total_cost_usd::text AS "totalCostUsd",
  p.llm_call_count AS "llmCallCount", p.tool_call_count AS "toolCallCount", p.error_count AS "errorCount",
  p.unknown_cost_count AS "unknownCostCount"`;

export const PERFORMANCE_VIEW_COLUMNS = `
  p.execution_id AS "performanceId", p.duration_ms AS "durationMs", p.provider AS "provider",
  p.request_model AS "requestModel", p.response_model AS "responseModel", p.input_tokens AS "inputTokens",
  p.output_tokens AS "outputTokens", p.cache_read_tokens AS "cacheReadTokens",
  p.cache_write_tokens AS "cacheWriteTokens", p.reasoning_tokens AS "reasoningTokens",
  p.cost_usd::text AS "costUsd", p.cost_source AS "costSource", p.usage_source AS "usageSource",
  p.price_id AS "priceId", p.counted AS "counted",
  ${RUN_TOTALS_COLUMNS}`;

export function toRunTotals(row: Record<string, unknown>): RunTotals {
  const costUsdExact = stringOrNull(row.totalCostUsd);
  return {
    inputTokens: numberOrNull(row.totalInputTokens),
    outputTokens: numberOrNull(row.totalOutputTokens),
    cacheReadTokens: numberOrNull(row.totalCacheReadTokens),
    cacheWriteTokens: numberOrNull(row.totalCacheWriteTokens),
    reasoningTokens: numberOrNull(row.totalReasoningTokens),
    costUsd: numberOrNull(costUsdExact),
    costUsdExact,
    llmCalls: numberOrNull(row.llmCallCount),
    toolCalls: numberOrNull(row.toolCallCount),
    errors: numberOrNull(row.errorCount),
    unknownCostCalls: numberOrNull(row.unknownCostCount),
  };
}

/** Null when the execution has no performance row (a running execution). */
export function toPerformanceView(row: Record<string, unknown>, isAgent: boolean): PerformanceView | null {
  if (row.performanceId === null || row.performanceId === undefined) return null;
  const costUsdExact = stringOrNull(row.costUsd);
  return {
    durationMs: numberOrNull(row.durationMs),
    provider: stringOrNull(row.provider),
    requestModel: stringOrNull(row.requestModel),
    responseModel: stringOrNull(row.responseModel),
    inputTokens: numberOrNull(row.inputTokens),
    outputTokens: numberOrNull(row.outputTokens),
    cacheReadTokens: numberOrNull(row.cacheReadTokens),
    cacheWriteTokens: numberOrNull(row.cacheWriteTokens),
    reasoningTokens: numberOrNull(row.reasoningTokens),
    costUsd: numberOrNull(costUsdExact),
    costUsdExact,
    costSource: (row.costSource ?? 'unknown') as CostSource,
    usageSource: (row.usageSource ?? null) as UsageSource | null,
    priceId: numberOrNull(row.priceId),
    counted: row.counted !== false,
    totals: isAgent ? toRunTotals(row) : null,
  };
}
