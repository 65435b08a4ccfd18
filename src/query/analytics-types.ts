import type { ExecutionStatus } from '../model/records';
import type { MetadataGroupBy, RunContextFilters } from './run-filter-types';
import type { JsonValue, TimeBound } from './types';

/**
 * Options and results of the analytics queries (stats, topErrors, costBreakdown, decisionStats): plain objects,
 * numbers as numbers. A figure is null when nothing in its group reported it (no run had a duration, every token
 * count was unknown): never a stand-in for zero. Hours and days are UTC.
 */

/** Which runs an analytics query looks at; every filter is optional and they combine with AND. */
export interface AnalyticsFilters extends RunContextFilters {
  /** Agent name, exactly. */
  agent?: string;
  tenantId?: string;
  userId?: string;
  /** One status, or any of several. */
  status?: ExecutionStatus | readonly ExecutionStatus[];
  /** At or after this instant (runs: their start; decisions: when they were taken). */
  since?: TimeBound;
  /** Before this instant. */
  until?: TimeBound;
}

/**
 * What stats counts: agent runs (every execution of kind agent, nested agents included — the default), LLM calls
 * (the default for groupBy 'model') or tool calls.
 */
export type StatsKind = 'agent' | 'llm' | 'tool';

/** `session`: withAgentContext's sessionId; `metadata.<key>`: a top-level metadata key (`metadata.repo`). */
export type StatsGroupBy =
  'agent' | 'model' | 'user' | 'tenant' | 'status' | 'hour' | 'day' | 'session' | MetadataGroupBy;

/**
 * Where stats reads from: `raw` rows (exact), the hourly `rollup`s (for long ranges: exact counts, tokens and cost,
 * percentiles within 2.5 %), or `auto`: rollups when they can answer and the range is at least
 * `rollupAfterHours` long.
 */
export type StatsSource = 'auto' | 'raw' | 'rollup';

export interface StatsOptions extends AnalyticsFilters {
  groupBy: StatsGroupBy;
  kind?: StatsKind;
  source?: StatsSource;
  /** With source 'auto': the shortest range (since to until, or now) read from rollups. Default 48 hours. */
  rollupAfterHours?: number;
}

export interface DurationStats {
  avgMs: number | null;
  minMs: number | null;
  maxMs: number | null;
  /** percentile_cont over the raw rows; from rollups within 2.5 % of it (see StatsResult). */
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

/** Tokens in five disjoint buckets (input excludes cache reads and writes, output excludes reasoning). */
export interface TokenTotals {
  input: number | null;
  output: number | null;
  cacheRead: number | null;
  cacheWrite: number | null;
  reasoning: number | null;
}

/** One business metric (recordMetrics) over the executions of a group that recorded it. */
export interface MetricStats {
  count: number;
  sum: number;
  avg: number;
  /** percentile_cont(0.95); null when read from rollups, which keep only counts and sums. */
  p95: number | null;
}

export interface StatsGroup {
  /**
   * The agent, model, user, tenant, status, session or metadata value (as text: `->>`); for hour and day the
   * bucket's start as ISO text. Null: none set.
   */
  key: string | null;
  /** For groupBy hour or day: the start of the bucket; else null. */
  bucketStart: Date | null;
  count: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  abandoned: number;
  running: number;
  /** succeeded / finished (every status but running); null when none has finished. */
  successRate: number | null;
  duration: DurationStats;
  /** Agent runs: their subtree totals (a nested agent's tokens are also in its parent's). LLM/tool calls: their own. */
  tokens: TokenTotals;
  /** Known cost, same sources as tokens; null when no execution of the group has a cost. */
  costUsd: number | null;
  metrics: Record<string, MetricStats>;
}

export interface StatsResult {
  groupBy: StatsGroupBy;
  kind: StatsKind;
  since: Date | null;
  until: Date | null;
  source: 'raw' | 'rollup';
  /** True when percentiles come from merged hourly histograms: within 2.5 % of percentile_cont (0.5 ms under 1 ms). */
  approximate: boolean;
  /**
   * Ordered by count (most first) then key; hours and days in time order, and — when `since` is given — every bucket
   * from since to until (or now) is there, with zero counts for buckets without runs.
   */
  groups: StatsGroup[];
}

export interface TopErrorsOptions extends AnalyticsFilters {
  /** Which failed executions: agent runs (default), LLM calls, tool calls, or 'all' kinds. */
  kind?: StatsKind | 'all';
  /** How many groups, 1–100. Default 10. */
  limit?: number;
}

/** Failed executions with the same error type and message. */
export interface ErrorGroup {
  errorType: string | null;
  errorMessage: string | null;
  count: number;
  /** The agents whose executions failed so, by name. */
  agents: string[];
  firstSeenAt: Date;
  lastSeenAt: Date;
  /** The most recent failure of the group, to open with getRun. */
  latestTraceId: string;
  latestExecutionId: string;
}

/** `session`: withAgentContext's sessionId; `metadata.<key>`: a top-level metadata key (cost per repository). */
export type CostGroupBy = 'agent' | 'model' | 'user' | 'tenant' | 'hour' | 'day' | 'session' | MetadataGroupBy;

export interface CostBreakdownOptions extends AnalyticsFilters {
  groupBy: CostGroupBy;
}

/**
 * Cost and tokens of the executions that reported any (their own figures, never subtree totals, so each token is
 * counted once however agents nest), attributed to the execution's own agent, model, user, tenant and start time.
 */
export interface CostFigures {
  /** Executions with any token count or cost. */
  executions: number;
  /** Sum of the known costs. */
  costUsd: number | null;
  tokens: TokenTotals;
  /** Executions that used tokens but have no cost, and how many tokens they used (all buckets). */
  unknownCost: { executions: number; tokens: number };
}

export interface CostGroup extends CostFigures {
  key: string | null;
  bucketStart: Date | null;
}

export interface CostBreakdownResult {
  groupBy: CostGroupBy;
  since: Date | null;
  until: Date | null;
  /** Ordered by cost (most first), hours and days in time order (all buckets when `since` is given). */
  groups: CostGroup[];
  /** The whole range: the sum of the groups. */
  total: CostFigures;
}

export interface DecisionStatsOptions extends AnalyticsFilters {
  /** The decision point, exactly. */
  name?: string;
}

export interface OutcomeStats {
  outcome: JsonValue;
  count: number;
  averageConfidence: number | null;
  averageScore: number | null;
}

/** Decisions whose confidence falls in [from, to) (the last bucket includes 1) and that have an outcome score. */
export interface CalibrationBucket {
  from: number;
  to: number;
  count: number;
  averageConfidence: number | null;
  averageScore: number | null;
}

export interface DecisionStatsResult {
  total: number;
  /** No outcome recorded yet. */
  pending: number;
  recorded: number;
  averageConfidence: number | null;
  /** By recorded outcome, most frequent first. */
  byOutcome: OutcomeStats[];
  /** Ten buckets of confidence, all present (empty ones with count 0). */
  calibration: CalibrationBucket[];
  /** Expected calibration error: the count-weighted mean of |averageConfidence − averageScore| over the buckets. */
  calibrationError: number | null;
}
