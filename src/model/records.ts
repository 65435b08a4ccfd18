/**
 * The records that flow from the span processor through the pipeline into the store.
 *
 * One `SpanRecord` per span lifecycle event: a `running` record when an agent span starts, a final record when any
 * recorded span ends. Records are plain data (no class instances, no spans) so the pipeline can size, queue, spill
 * and retry them without knowing where they came from. Writes are idempotent on (traceId, spanId).
 */

export type ExecutionKind = 'agent' | 'task' | 'tool' | 'llm' | 'decision' | 'other';

export type ExecutionStatus = 'running' | 'completed' | 'failed' | 'cancelled' | 'abandoned';

/** Where a cost figure came from: reported by the provider or the user, computed from a price table, or not known. */
export type CostSource = 'provided' | 'calculated' | 'unknown';

/**
 * Where token figures came from: reported (by the provider's response, another instrumentation's attributes or
 * recordUsage), or estimated by the application (recordUsage with `source: 'estimated'`).
 */
export type UsageSource = 'provided' | 'estimated';

export type EventLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * A point in time: a Date, or an ISO-8601 UTC string with microseconds (`2026-11-22T04:30:42.123456Z`), which keeps
 * the precision PostgreSQL stores and a Date would lose — spans of one run often start within the same millisecond.
 */
export type Timestamp = Date | string;

/** JSON text that is already safe for PostgreSQL jsonb (no NUL, no lone surrogates), produced by the capture module. */
export type JsonText = string;

export interface ExecutionRecord {
  traceId: string; // 32 lowercase hex
  spanId: string; // 16 lowercase hex
  parentSpanId: string | null;
  kind: ExecutionKind;
  name: string;
  agentName: string | null;
  agentVersion: string | null;
  status: ExecutionStatus;
  startedAt: Timestamp;
  completedAt: Timestamp | null;
  errorType: string | null;
  errorMessage: string | null;
  input: JsonText | null;
  output: JsonText | null;
  /** 0–100 */
  qualityScore: number | null;
  userId: string | null;
  sessionId: string | null;
  tenantId: string | null;
  conversationId: string | null;
  /** JSON object text: issue number, PR number, repository id and any other run attribute. */
  metadata: JsonText | null;
  serviceName: string | null;
  /**
   * JSON object text of business metrics (recordMetrics): `{"name": number}`, finite numbers only. Optional: records
   * spilled by an earlier version have none.
   */
  metrics?: JsonText | null;
  /**
   * The OpenTelemetry instrumentation scope that made the span: its name, and `@version` when it has one
   * (`@traceloop/instrumentation-openai@0.27.0`). Optional: records spilled by an earlier version have none, and
   * query results leave it out when it is not known.
   */
  instrumentationScope?: string | null;
  /**
   * The language of the SDK that made the span, from its resource's `telemetry.sdk.language` (`nodejs`, `python`,
   * `go`…). Optional as instrumentationScope is.
   */
  sdkLanguage?: string | null;
}

/**
 * Token figures are disjoint buckets: input excludes cache reads and writes, output excludes reasoning. Null means
 * unknown, never zero by default.
 */
export interface TokenBuckets {
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadTokens: number | null;
  cacheWriteTokens: number | null;
  reasoningTokens: number | null;
}

export interface PerformanceRecord extends TokenBuckets {
  durationMs: number | null;
  provider: string | null;
  requestModel: string | null;
  responseModel: string | null;
  /** Exact decimal as a string (numeric in PostgreSQL), so no float rounding creeps into sums. */
  costUsd: string | null;
  costSource: CostSource;
  /** Null when no token figure is known. */
  usageSource: UsageSource | null;
  /** The model_prices row a calculated cost came from; set by the writer, which prices calls of unknown cost. */
  priceId: number | null;
  /**
   * False when another span already reports these figures — a second span of the same model call, or a span of
   * another instrumentation whose usage sums the calls below it (docs/ARCHITECTURE.md, "One model call, counted
   * once"). Such a row keeps its own figures but is left out of every sum and call count. Absent (records spilled
   * by an earlier version) means true.
   */
  counted?: boolean;
}

export interface DecisionRecord {
  /** Position among the span's decisions; with (traceId, spanId) it makes the decision's idempotency key. */
  ordinal: number;
  name: string;
  choice: JsonText | null;
  alternatives: JsonText | null;
  reasoning: string | null;
  /** 0–1 */
  confidence: number | null;
  context: JsonText | null;
  occurredAt: Timestamp;
}

export interface EventRecord {
  /** Position among the span's events; with (traceId, spanId) it makes the event's idempotency key. */
  ordinal: number;
  level: EventLevel;
  message: string;
  attributes: JsonText | null;
  occurredAt: Timestamp;
}

export interface SpanRecord {
  execution: ExecutionRecord;
  /** Present on final records; absent on `running` records. */
  performance: PerformanceRecord | null;
  decisions: DecisionRecord[];
  events: EventRecord[];
}
