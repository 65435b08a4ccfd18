import type { WrittenColumn } from '../schema/column';
import { DECISION_COLUMNS } from '../schema/decision-columns';
import { EVENT_COLUMNS } from '../schema/event-columns';
import { EXECUTION_COLUMNS } from '../schema/execution-columns';
import { PERFORMANCE_COLUMNS } from '../schema/performance-columns';
import type { DecisionRecord, EventRecord, ExecutionRecord, PerformanceRecord, SpanRecord } from '../../model/records';
import { objectBuilder } from './compiled-columns';
import { uniqueByOrdinal, type MergedSpan } from './dedupe-records';

/**
 * The JSON parameters of the upsert (span-upsert-sql): one flat object per span whose keys are the recordset's column
 * names — the execution's columns, `has_performance` and the performance columns prefixed; and the spans' decisions
 * and events, each a flat object of its own columns with its span's trace_id and span_id, in arrays of their own.
 * Flat, so the statement unpacks each with one json_to_recordset and no set-returning function correlated with
 * another row (which Citus cannot plan). Nulls are left out (json_to_recordset reads a missing key as NULL): that
 * makes the JSON about a third smaller and the server's parse as much faster.
 */

/** Prefix of the performance columns in a payload row (they share it with the execution's). */
export const PERFORMANCE_PREFIX = 'p_';

/** The upsert's parameters for a chunk of spans: spans ($1), decisions ($2) and events ($3), each JSON text. */
export type UpsertPayload = [spans: string, decisions: string, events: string];

/** The JSON parameters of the upsert for a chunk of spans. */
export function upsertPayload(chunk: readonly MergedSpan[]): UpsertPayload {
  const spans: Record<string, unknown>[] = [];
  const decisions: Record<string, unknown>[] = [];
  const events: Record<string, unknown>[] = [];
  for (const { record } of chunk) {
    const e = record.execution;
    spans.push(toPayloadRow(record));
    if (record.decisions.length > 0)
      for (const item of uniqueByOrdinal(record.decisions)) decisions.push(decisionRow(item, e));
    if (record.events.length > 0) for (const item of uniqueByOrdinal(record.events)) events.push(eventRow(item, e));
  }
  return [JSON.stringify(spans), JSON.stringify(decisions), JSON.stringify(events)];
}

/** One record's span row (its decisions and events go to their own arrays). */
export function toPayloadRow(record: SpanRecord): Record<string, unknown> {
  return spanRow(record.execution, record.performance);
}

type SpanRowArgs = [execution: ExecutionRecord, performance: PerformanceRecord | null];

/**
 * Payload fields of an item table's columns: its span's keys, then those read from the item (the rest come from the
 * execution's row).
 */
function itemFields<R>(columns: readonly WrittenColumn<[R, ExecutionRecord]>[]) {
  return [
    { key: 'trace_id', read: (_: R, e: ExecutionRecord) => e.traceId },
    { key: 'span_id', read: (_: R, e: ExecutionRecord) => e.spanId },
    ...columns.filter((column) => !column.fromParent).map(({ name, read }) => ({ key: name, read })),
  ];
}

const spanRow = objectBuilder<SpanRowArgs>([
  ...EXECUTION_COLUMNS.map(({ name, read }) => ({ key: name, read })),
  { key: 'has_performance', read: (_, p) => p !== null },
  ...PERFORMANCE_COLUMNS.map(({ name, read }) => ({ key: PERFORMANCE_PREFIX + name, read, of: 1 })),
]);
const decisionRow = objectBuilder<[DecisionRecord, ExecutionRecord]>(itemFields(DECISION_COLUMNS));
const eventRow = objectBuilder<[EventRecord, ExecutionRecord]>(itemFields(EVENT_COLUMNS));
