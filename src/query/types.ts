import type {
  CostSource,
  EventLevel,
  ExecutionKind,
  ExecutionRecord,
  ExecutionStatus,
  UsageSource,
} from '../model/records';
import type { RunContextFilters } from './run-filter-types';

/**
 * What the query side returns and accepts: plain objects, numbers as numbers, timestamps as Dates, JSON columns
 * parsed. Null always means "not known" (or "not applicable"), never a stand-in for zero.
 */

export type { CostSource, EventLevel, ExecutionKind, ExecutionStatus, UsageSource };

export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** A point in time: a Date, or an ISO 8601 string (a date alone means midnight UTC; a time needs Z or an offset). */
export type TimeBound = Date | string;

// ── Options ──────────────────────────────────────────────────────────────────────────────────────────────────────

export interface HistoryOptions extends RunContextFilters {
  /** Agent name, exactly. */
  agent?: string;
  /** One status, or any of several. */
  status?: ExecutionStatus | readonly ExecutionStatus[];
  userId?: string;
  tenantId?: string;
  /** Runs started at or after this instant. */
  since?: TimeBound;
  /** Runs started before this instant. */
  until?: TimeBound;
  /** Page size, 1–1000. Default 20. */
  limit?: number;
  /** `nextCursor` of the previous page; absent or null for the first page. */
  cursor?: string | null;
}

/** The filters of latest(agent, filters): history's, for the one newest run. */
export type LatestOptions = Omit<HistoryOptions, 'agent' | 'limit' | 'cursor'>;

/**
 * Which decisions by outcome: `'recorded'` (an outcome was recorded), `'pending'` (none yet), or any other JSON
 * value to match the recorded outcome exactly (e.g. `'success'`, `{ "merged": true }`).
 */
export type OutcomeFilter = 'recorded' | 'pending' | JsonValue;

/** The run filters (metadata, sessionId, …) apply to the execution that took the decision. */
export interface DecisionQueryOptions extends RunContextFilters {
  /** Agent name, exactly. */
  agent?: string;
  /** Only decisions taken by executions of this tenant. */
  tenantId?: string;
  /** Decisions with a confidence of at least this (0–1); decisions without a confidence are left out. */
  minConfidence?: number;
  outcome?: OutcomeFilter;
  /** Decisions taken at or after this instant. */
  since?: TimeBound;
  /** Decisions taken before this instant. */
  until?: TimeBound;
  /** Page size, 1–1000. Default 20. */
  limit?: number;
  /** `nextCursor` of the previous page; absent or null for the first page. */
  cursor?: string | null;
}

export interface OutcomeFeedback {
  /** What came of the decision: any JSON value but null, typically a string such as 'success'. */
  outcome: JsonValue;
  /** How good the outcome was, 0–1. Absent or null: no score. */
  score?: number | null;
}

/** A list price, as setModelPrice takes it. Prices are US dollars per million tokens. */
export interface ModelPriceInput {
  /** The model name, or a pattern with `*` as wildcard (`claude-sonnet-4-5*`); matched case-insensitively. */
  model: string;
  /** Only for spans of this provider (`gen_ai.provider.name`, e.g. `azure.ai.openai`); absent: any provider. */
  provider?: string | null;
  inputUsdPerMillion: number;
  outputUsdPerMillion: number;
  /** Absent: cache reads cost what input costs. */
  cacheReadUsdPerMillion?: number | null;
  /** Absent: cache writes cost what input costs. */
  cacheWriteUsdPerMillion?: number | null;
  /** Absent: reasoning tokens cost what output costs (as every major provider bills them). */
  reasoningUsdPerMillion?: number | null;
  /** From when the price applies (spans that start at or after it). Default now. */
  validFrom?: TimeBound;
  /** Where the figure comes from, for whoever reads the table later. */
  source?: string | null;
}

export interface RepriceOptions {
  /** LLM calls that started at or after this instant. */
  since: TimeBound;
  /** LLM calls that started before this instant. Default now. */
  until?: TimeBound;
}

// ── Results ──────────────────────────────────────────────────────────────────────────────────────────────────────

/** Token, cost and call figures of an agent's whole subtree (the agent, every span below it, nested agents too). */
export interface RunTotals {
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadTokens: number | null;
  cacheWriteTokens: number | null;
  reasoningTokens: number | null;
  costUsd: number | null;
  /** The same cost as the exact decimal PostgreSQL stores, for sums that must not drift. */
  costUsdExact: string | null;
  llmCalls: number | null;
  toolCalls: number | null;
  /** Spans of the subtree that failed. */
  errors: number | null;
  /**
   * LLM calls of the subtree whose cost is unknown (no price for the model, no usage): costUsd leaves them out, so
   * when this is above 0 the total cost is a lower bound, not the cost.
   */
  unknownCostCalls: number | null;
}

/** Execution fields a query returns in another form than the record carries them: times as Dates, JSON parsed. */
interface ExecutionReadForms {
  startedAt: Date;
  completedAt: Date | null;
  input: JsonValue;
  output: JsonValue;
  metadata: JsonObject | null;
  /** Business metrics recorded on the execution (recordMetrics), null when none. */
  metrics: Record<string, number> | null;
}

/**
 * One stored span: an agent run, a task, a tool call, an LLM call or a decision. Its fields are the record's (every
 * column of agent_executions), with times and JSON in their read form; a field optional in the record is left out
 * when the row has no value for it.
 */
export interface ExecutionView extends Omit<ExecutionRecord, keyof ExecutionReadForms>, ExecutionReadForms {
  executionId: string;
}

/**
 * An agent run as history lists it. Totals are null until the writer has computed them (a run still running has
 * none by default).
 */
export interface RunSummary extends ExecutionView {
  durationMs: number | null;
  totals: RunTotals;
}

export interface RunPage {
  /** Newest first. */
  runs: RunSummary[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** An execution's own performance figures (token buckets are disjoint). */
export interface PerformanceView {
  durationMs: number | null;
  provider: string | null;
  requestModel: string | null;
  responseModel: string | null;
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadTokens: number | null;
  cacheWriteTokens: number | null;
  reasoningTokens: number | null;
  costUsd: number | null;
  costUsdExact: string | null;
  costSource: CostSource;
  /** Where the token figures came from; null when none is known. */
  usageSource: UsageSource | null;
  /** The model_prices row a calculated cost came from. */
  priceId: number | null;
  /**
   * False when another span already reports these figures — a second span of the same model call (a wrapper
   * around an instrumented call, an SDK's own span inside an instrumentation's), or another instrumentation's span
   * whose usage sums the calls below it. Such figures are left out of every total, stat and cost breakdown.
   */
  counted: boolean;
  /** On agent executions the subtree totals; null on every other kind. */
  totals: RunTotals | null;
}

export interface ModelPriceView {
  priceId: number;
  /** Lower case, `*` as wildcard. */
  model: string;
  provider: string | null;
  inputUsdPerMillion: number;
  outputUsdPerMillion: number;
  cacheReadUsdPerMillion: number | null;
  cacheWriteUsdPerMillion: number | null;
  reasoningUsdPerMillion: number | null;
  /** Null: since always (the seeded list prices). */
  validFrom: Date | null;
  /** Null: still current. */
  validTo: Date | null;
  source: string | null;
}

export interface DecisionView {
  decisionId: string;
  executionId: string;
  traceId: string;
  spanId: string;
  /** Position among the decisions of its span. */
  ordinal: number;
  agentName: string | null;
  /** The decision point. */
  name: string;
  choice: JsonValue;
  alternatives: JsonValue;
  reasoning: string | null;
  /** 0–1 */
  confidence: number | null;
  context: JsonValue;
  /** Null until an outcome is recorded. */
  outcome: JsonValue;
  /** 0–1 */
  outcomeScore: number | null;
  occurredAt: Date;
}

export interface DecisionPage {
  /** Newest first. */
  decisions: DecisionView[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface EventView {
  eventId: string;
  executionId: string;
  traceId: string;
  spanId: string;
  /** Position among the events of its span. */
  ordinal: number;
  level: EventLevel;
  message: string;
  attributes: JsonObject | null;
  occurredAt: Date;
}

/** One execution in a run tree, with everything recorded about it. */
export interface RunNode {
  execution: ExecutionView;
  /** Null while the execution is running (or if its performance row was never written). */
  performance: PerformanceView | null;
  /** By ordinal. */
  decisions: DecisionView[];
  /** By ordinal. */
  events: EventView[];
  /** By start time. */
  children: RunNode[];
}

export interface RunTree {
  traceId: string;
  /**
   * For a trace: its executions whose parent is not in the trace, by start time. For an execution id: that
   * execution alone, its descendants below it.
   */
  roots: RunNode[];
}
