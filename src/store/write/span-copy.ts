import type { DataSource } from 'typeorm';
import { CopyBinaryRows, NotCopyableError } from './copy-binary';
import { fieldWriter } from './compiled-columns';
import { uniqueByOrdinal, type MergedSpan } from './dedupe-records';
import type { SpanRecord } from '../../model/records';
import { columnNames } from '../schema/column';
import { DECISION_COLUMNS } from '../schema/decision-columns';
import { EVENT_COLUMNS } from '../schema/event-columns';
import { EXECUTION_COLUMNS } from '../schema/execution-columns';
import { PERFORMANCE_COLUMNS, PERFORMANCE_TOTALS_COLUMNS, type SubtreeTotals } from '../schema/performance-columns';
import { qualifiedTableName } from '../schema/table-names';

/**
 * The fast path for spans that are new to the database: their rows streamed into the four tables with
 * `COPY … FROM STDIN` in the binary format (see copy-binary). COPY skips what makes the JSON-fed upsert expensive
 * for the server — parsing a JSON document, planning a statement of five CTEs, a speculative insertion per unique
 * index and the joins that hand execution ids to the child rows — and measured about 2.7× less PostgreSQL CPU per
 * span (in text format; binary took another 20–30 % off the COPY itself). Execution ids are
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

/** The four COPY statements for one DataSource (schema-qualified names), their columns from the column tables. */
export function buildCopyStatements(dataSource: DataSource): CopyStatements {
  const copy = (table: Parameters<typeof qualifiedTableName>[1], columns: string) =>
    `COPY ${qualifiedTableName(dataSource, table)} (${columns}) FROM STDIN WITH (FORMAT binary)`;
  return {
    executions: copy('agent_executions', `id, ${columnNames(EXECUTION_COLUMNS)}`),
    performance: copy(
      'agent_performance',
      `execution_id, trace_id, ${columnNames(PERFORMANCE_COLUMNS)}, ${columnNames(PERFORMANCE_TOTALS_COLUMNS)}`,
    ),
    decisions: copy('agent_decisions', `id, execution_id, ${columnNames(DECISION_COLUMNS)}`),
    events: copy('agent_events', `id, execution_id, ${columnNames(EVENT_COLUMNS)}`),
  };
}

/** Writers of each table's columns, built once (see compiled-columns). */
const writeExecution = fieldWriter(EXECUTION_COLUMNS);
const writePerformance = fieldWriter(PERFORMANCE_COLUMNS);
const writeTotals = fieldWriter(PERFORMANCE_TOTALS_COLUMNS);
const writeDecision = fieldWriter(DECISION_COLUMNS);
const writeEvent = fieldWriter(EVENT_COLUMNS);
const EXECUTION_FIELDS = 1 + EXECUTION_COLUMNS.length; // id first
const PERFORMANCE_FIELDS = 2 + PERFORMANCE_COLUMNS.length + PERFORMANCE_TOTALS_COLUMNS.length; // execution_id, trace_id first
const DECISION_FIELDS = 2 + DECISION_COLUMNS.length; // id, execution_id first
const EVENT_FIELDS = 2 + EVENT_COLUMNS.length;

/** COPY data for each table; an empty buffer when the chunk has no rows for it. */
export interface CopyChunk {
  executions: Buffer;
  performance: Buffer;
  decisions: Buffer;
  events: Buffer;
}

/**
 * Encodes final records of spans new to the database (see isCopyable) as binary COPY data. Decisions and events keep
 * the last item of each ordinal, as the upsert does. A span with a value COPY would change (a NUL, a lone surrogate:
 * see CopyBinaryRows) is left out and returned in `refused`, for the upsert to store or reject on its own.
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
  private readonly executions: CopyBinaryRows;
  private readonly performance: CopyBinaryRows;
  private readonly decisions = new CopyBinaryRows(4 * 1024);
  private readonly events = new CopyBinaryRows(4 * 1024);

  constructor(
    expectedSpans: number,
    private readonly totalsOf: (span: MergedSpan) => SubtreeTotals | undefined = noTotals,
  ) {
    this.executions = new CopyBinaryRows(expectedSpans * 512);
    this.performance = new CopyBinaryRows(expectedSpans * 200);
  }

  /** Appends the rows of one span; a span COPY cannot carry leaves nothing behind and is refused. */
  add(span: MergedSpan): void {
    this.executions.mark();
    this.performance.mark();
    this.decisions.mark();
    this.events.mark();
    try {
      this.write(span.record, this.totalsOf(span));
    } catch (error) {
      if (!(error instanceof NotCopyableError)) throw error;
      this.executions.rewind();
      this.performance.rewind();
      this.decisions.rewind();
      this.events.rewind();
      this.refused.push(span);
    }
  }

  /** The rows so far; call once, after the last span. */
  data(): CopyChunk {
    return {
      executions: this.executions.bytes(),
      performance: this.performance.bytes(),
      decisions: this.decisions.bytes(),
      events: this.events.bytes(),
    };
  }

  /** The rows of one span, in the order of the COPY statements' columns (see buildCopyStatements). */
  private write(record: SpanRecord, totals: SubtreeTotals | undefined): void {
    const e = record.execution;
    const x = this.executions;
    x.row(EXECUTION_FIELDS);
    const id = x.newUuid();
    writeExecution(x, e);

    const p = record.performance;
    if (p !== null) {
      const r = this.performance;
      r.row(PERFORMANCE_FIELDS);
      r.sameUuid(x, id);
      r.text(e.traceId);
      writePerformance(r, p);
      if (totals !== undefined) writeTotals(r, totals);
      else for (let i = 0; i < PERFORMANCE_TOTALS_COLUMNS.length; i++) r.null(); // the SQL fills agents' totals
    }

    if (record.decisions.length > 0) {
      const d = this.decisions;
      for (const decision of uniqueByOrdinal(record.decisions)) {
        d.row(DECISION_FIELDS);
        d.newUuid();
        d.sameUuid(x, id);
        writeDecision(d, decision, e);
      }
    }

    if (record.events.length > 0) {
      const v = this.events;
      for (const event of uniqueByOrdinal(record.events)) {
        v.row(EVENT_FIELDS);
        v.newUuid();
        v.sameUuid(x, id);
        writeEvent(v, event, e);
      }
    }
  }
}

const noTotals = (): undefined => undefined;

/**
 * Spans the COPY path may take whatever the database holds: final records of spans that cannot have a row yet. Only
 * agents get `running` rows, so that is every other span, and an agent whose start is merged into this very batch
 * (its running record was never written before). An agent that ends without its start in the batch may have a
 * running row to complete: see isLoneFinishedAgent.
 */
export function isCopyable(span: MergedSpan): boolean {
  const { kind, status } = span.record.execution;
  if (status === 'running') return false;
  return kind !== 'agent' || span.originals.some((original) => original.execution.status === 'running');
}

/**
 * A finished agent whose start is not in the batch. An application's agent most likely has a `running` row from an
 * earlier batch, which the upsert completes; a span received over OTLP (only ended spans are exported) has none. The
 * writer asks the database, under the trace's lock, whether it holds any row of the trace: if not, COPY takes it.
 */
export function isLoneFinishedAgent(span: MergedSpan): boolean {
  const { kind, status } = span.record.execution;
  return kind === 'agent' && status !== 'running' && !isCopyable(span);
}
