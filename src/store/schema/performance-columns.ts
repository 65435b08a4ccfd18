import type { PerformanceRecord } from '../../model/records';
import { columnsOf, type WrittenColumn } from './column';

/**
 * The columns of agent_performance, in the order of the COPY and upsert column lists, after `execution_id` (the row's
 * key: its execution's id). A record's own figures are replaced whole when a span is written again.
 */

const column = columnsOf<[PerformanceRecord]>();

export const PERFORMANCE_COLUMNS: readonly WrittenColumn<[PerformanceRecord]>[] = [
  column('duration_ms', 'float8', (p) => p.durationMs),
  column('provider', 'text', (p) => p.provider),
  column('request_model', 'text', (p) => p.requestModel),
  column('response_model', 'text', (p) => p.responseModel),
  column('input_tokens', 'int4', (p) => p.inputTokens),
  column('output_tokens', 'int4', (p) => p.outputTokens),
  column('cache_read_tokens', 'int4', (p) => p.cacheReadTokens),
  column('cache_write_tokens', 'int4', (p) => p.cacheWriteTokens),
  column('reasoning_tokens', 'int4', (p) => p.reasoningTokens),
  column('cost_usd', 'numeric', (p) => p.costUsd),
  column('cost_source', 'text', (p) => p.costSource),
  column('usage_source', 'text', (p) => p.usageSource),
  column('price_id', 'int4', (p) => p.priceId),
  // Absent in records spilled by an earlier version: counted.
  column('counted', 'bool', (p) => p.counted !== false),
];

/** An agent's subtree totals, as subtree-totals-sql computes them from stored rows (batch-totals: in Node). */
export interface SubtreeTotals {
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadTokens: number | null;
  cacheWriteTokens: number | null;
  reasoningTokens: number | null;
  /** Exact decimal text with 10 places, capped like the SQL; null when no cost in the subtree is known. */
  costUsd: string | null;
  llmCalls: number;
  toolCalls: number;
  errors: number;
  unknownCostCalls: number;
}

const total = columnsOf<[SubtreeTotals]>();

/**
 * The subtree totals of agent rows, after the record's own columns. Only COPY writes them, when Node summed the
 * agent's run (batch-totals); otherwise they are NULL and subtree-totals-sql fills them after the write.
 */
export const PERFORMANCE_TOTALS_COLUMNS: readonly WrittenColumn<[SubtreeTotals]>[] = [
  total('total_input_tokens', 'int8', (t) => t.inputTokens),
  total('total_output_tokens', 'int8', (t) => t.outputTokens),
  total('total_cache_read_tokens', 'int8', (t) => t.cacheReadTokens),
  total('total_cache_write_tokens', 'int8', (t) => t.cacheWriteTokens),
  total('total_reasoning_tokens', 'int8', (t) => t.reasoningTokens),
  total('total_cost_usd', 'numeric', (t) => t.costUsd),
  total('llm_call_count', 'int4', (t) => t.llmCalls),
  total('tool_call_count', 'int4', (t) => t.toolCalls),
  total('error_count', 'int4', (t) => t.errors),
  total('unknown_cost_count', 'int4', (t) => t.unknownCostCalls),
];
