import type { DataSource } from 'typeorm';
import { copyNumber, copyText, copyTimestamp, CopyRows, NotCopyableError } from './copy-text';
import type { SubtreeTotals } from './batch-totals';
import type { MergedSpan } from './dedupe-records';
import type { SpanRecord } from './records';
import { uniqueByOrdinal } from './span-upsert-sql';
import { qualifiedTableName } from './table-names';
import { timeOrderedId } from './time-ordered-id';

/**
 * The fast path for spans that are new to the database: their rows streamed into the four tables with
 * `COPY … FROM STDIN` (text format). COPY skips what makes the JSON-fed upsert expensive for the server — parsing
 * a JSON document, planning a statement of five CTEs, a speculative insertion per unique index and the joins that
 * hand execution ids to the child rows — and measured about 2.7× less PostgreSQL CPU per span. Execution ids are
 * generated here (time-ordered, see time-ordered-id), so performance, decision and event rows can name their
 * execution without asking the database.
 *
 * COPY cannot resolve conflicts: a chunk that meets a row already stored (a re-delivered span) or a value the
 * database refuses fails as a whole, and the writer redoes that chunk with the upsert.
 */

export interface CopyStatements {
  readonly executions: string;
  readonly performance: string;
  readonly decisions: string;
  readonly events: string;
}

/** The four COPY statements for one DataSource (schema-qualified names). */
export function buildCopyStatements(dataSource: DataSource): CopyStatements {
  const copy = (table: Parameters<typeof qualifiedTableName>[1], columns: string) =>
    `COPY ${qualifiedTableName(dataSource, table)} (${columns}) FROM STDIN`;
  return {
    executions: copy(
      'agent_executions',
      'id, trace_id, span_id, parent_span_id, kind, name, agent_name, agent_version, status, started_at, ' +
        'completed_at, error_type, error_message, input, output, quality_score, user_id, session_id, tenant_id, ' +
        'conversation_id, metadata, service_name, metrics',
    ),
    performance: copy(
      'agent_performance',
      'execution_id, duration_ms, provider, request_model, response_model, input_tokens, output_tokens, ' +
        'cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_usd, cost_source, usage_source, price_id, ' +
        'total_input_tokens, total_output_tokens, total_cache_read_tokens, total_cache_write_tokens, ' +
        'total_reasoning_tokens, total_cost_usd, llm_call_count, tool_call_count, error_count, unknown_cost_count',
    ),
    decisions: copy(
      'agent_decisions',
      'id, execution_id, trace_id, span_id, ordinal, agent_name, name, choice, alternatives, reasoning, confidence, ' +
        'context, occurred_at',
    ),
    events: copy(
      'agent_events',
      'id, execution_id, trace_id, span_id, ordinal, level, message, attributes, occurred_at',
    ),
  };
}

/** COPY data for each table; an empty buffer when the chunk has no rows for it. */
export interface CopyChunk {
  executions: Buffer;
  performance: Buffer;
  decisions: Buffer;
  events: Buffer;
}

/**
 * Encodes final records of spans new to the database (see isCopyable) as COPY text, one line per row. Decisions and
 * events keep the last item of each ordinal, as the upsert does. A span with a value COPY would change (a NUL, a
 * lone surrogate: see copyText) is left out and returned in `refused`, for the upsert to store or reject on its own.
 */
export function encodeCopyChunk(
  spans: readonly MergedSpan[],
  totalsOf: (span: MergedSpan) => SubtreeTotals | undefined = noTotals,
): { data: CopyChunk; refused: MergedSpan[] } {
  const encoder = new CopyChunkEncoder(spans.length, totalsOf);
  for (const span of spans) encoder.add(span);
  return { data: encoder.data(), refused: encoder.refused };
}

/** encodeCopyChunk a span at a time, so the caller can pause between spans (see nextTurn). */
export class CopyChunkEncoder {
  /** Spans left out (see encodeCopyChunk). */
  readonly refused: MergedSpan[] = [];
  private readonly executions: CopyRows;
  private readonly performance: CopyRows;
  private readonly decisions = new CopyRows(4 * 1024);
  private readonly events = new CopyRows(4 * 1024);

  constructor(
    expectedSpans: number,
    private readonly totalsOf: (span: MergedSpan) => SubtreeTotals | undefined = noTotals,
  ) {
    this.executions = new CopyRows(expectedSpans * 512);
    this.performance = new CopyRows(expectedSpans * 160);
  }

  /** Appends the rows of one span; a span COPY cannot carry (see copyText) leaves nothing behind and is refused. */
  add(span: MergedSpan): void {
    let rows: SpanRows;
    try {
      rows = encodeSpan(span.record, this.totalsOf(span));
    } catch (error) {
      if (!(error instanceof NotCopyableError)) throw error;
      this.refused.push(span);
      return;
    }
    this.executions.row(rows.execution);
    if (rows.performance !== null) this.performance.row(rows.performance);
    for (const row of rows.decisions) this.decisions.row(row);
    for (const row of rows.events) this.events.row(row);
  }

  /** The rows so far. */
  data(): CopyChunk {
    return {
      executions: this.executions.bytes(),
      performance: this.performance.bytes(),
      decisions: this.decisions.bytes(),
      events: this.events.bytes(),
    };
  }
}

interface SpanRows {
  execution: string;
  performance: string | null;
  decisions: readonly string[];
  events: readonly string[];
}

/** Most spans have no decisions and no events. */
const NO_ROWS: readonly string[] = [];

/** All rows of one span, encoded before any is written, so a refused value leaves nothing of its span behind. */
function encodeSpan(record: SpanRecord, totals: SubtreeTotals | undefined): SpanRows {
  const e = record.execution;
  const id = timeOrderedId();
  const traceId = copyText(e.traceId);
  const spanId = copyText(e.spanId);
  const execution =
    `${id}\t${traceId}\t${spanId}\t${copyText(e.parentSpanId)}\t${copyText(e.kind)}\t${copyText(e.name)}\t` +
    `${copyText(e.agentName)}\t${copyText(e.agentVersion)}\t${copyText(e.status)}\t${copyTimestamp(e.startedAt)}\t` +
    `${copyTimestamp(e.completedAt)}\t${copyText(e.errorType)}\t${copyText(e.errorMessage)}\t${copyText(e.input)}\t` +
    `${copyText(e.output)}\t${copyNumber(e.qualityScore)}\t${copyText(e.userId)}\t${copyText(e.sessionId)}\t` +
    `${copyText(e.tenantId)}\t${copyText(e.conversationId)}\t${copyText(e.metadata)}\t${copyText(e.serviceName)}\t` +
    copyText(e.metrics ?? null);
  const p = record.performance;
  const performance =
    p === null
      ? null
      : `${id}\t${copyNumber(p.durationMs)}\t${copyText(p.provider)}\t${copyText(p.requestModel)}\t` +
        `${copyText(p.responseModel)}\t${copyNumber(p.inputTokens)}\t${copyNumber(p.outputTokens)}\t` +
        `${copyNumber(p.cacheReadTokens)}\t${copyNumber(p.cacheWriteTokens)}\t${copyNumber(p.reasoningTokens)}\t` +
        `${copyText(p.costUsd)}\t${copyText(p.costSource)}\t${copyText(p.usageSource)}\t${copyNumber(p.priceId)}\t` +
        (totals === undefined ? NO_TOTALS : totalsFields(totals));
  const agentName = copyText(e.agentName);
  const decisions = record.decisions.length === 0 ? NO_ROWS : uniqueByOrdinal(record.decisions).map(
    (d) =>
      `${timeOrderedId()}\t${id}\t${traceId}\t${spanId}\t${copyNumber(d.ordinal)}\t${agentName}\t${copyText(d.name)}\t` +
      `${copyText(d.choice)}\t${copyText(d.alternatives)}\t${copyText(d.reasoning)}\t${copyNumber(d.confidence)}\t` +
      `${copyText(d.context)}\t${copyTimestamp(d.occurredAt)}`,
  );
  const events = record.events.length === 0 ? NO_ROWS : uniqueByOrdinal(record.events).map(
    (v) =>
      `${timeOrderedId()}\t${id}\t${traceId}\t${spanId}\t${copyNumber(v.ordinal)}\t${copyText(v.level)}\t` +
      `${copyText(v.message)}\t${copyText(v.attributes)}\t${copyTimestamp(v.occurredAt)}`,
  );
  return { execution, performance, decisions, events };
}

/** The ten subtree-total columns of an agent's performance row. */
function totalsFields(t: SubtreeTotals): string {
  return (
    `${copyNumber(t.inputTokens)}\t${copyNumber(t.outputTokens)}\t${copyNumber(t.cacheReadTokens)}\t` +
    `${copyNumber(t.cacheWriteTokens)}\t${copyNumber(t.reasoningTokens)}\t${copyText(t.costUsd)}\t` +
    `${t.llmCalls}\t${t.toolCalls}\t${t.errors}\t${t.unknownCostCalls}`
  );
}

/** Every span but an agent with totals computed in Node: the totals columns stay null (the SQL fills agents'). */
const NO_TOTALS = Array.from({ length: 10 }, () => '\\N').join('\t');

const noTotals = (): undefined => undefined;

/**
 * Spans the COPY path may take: final records of spans that cannot have a row yet. Only agents get `running` rows,
 * so that is every other span, and an agent whose start is merged into this very batch (its running record was
 * never written before). An agent that ends without its start in the batch most likely has a running row to
 * complete: the upsert takes it.
 */
export function isCopyable(span: MergedSpan): boolean {
  const { kind, status } = span.record.execution;
  if (status === 'running') return false;
  return kind !== 'agent' || span.originals.some((original) => original.execution.status === 'running');
}
