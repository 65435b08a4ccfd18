import type { WrittenColumn } from '../schema/column';
import { DECISION_COLUMNS } from '../schema/decision-columns';
import { EVENT_COLUMNS } from '../schema/event-columns';
import { EXECUTION_COLUMNS } from '../schema/execution-columns';
import { PERFORMANCE_COLUMNS } from '../schema/performance-columns';
import type { DecisionRecord, EventRecord, ExecutionRecord, PerformanceRecord, SpanRecord } from '../../model/records';
import { objectBuilder } from './compiled-columns';
import { uniqueByOrdinal, type MergedSpan } from './dedupe-records';

/**
 * The JSON parameter of the upsert (span-upsert-sql): one flat object per span whose keys are the recordset's column
 * names — the execution's columns, `has_performance` and the performance columns prefixed, then the span's decisions
 * and events as arrays of objects of their own columns. Nulls are left out (json_to_recordset reads a missing key as
 * NULL): that makes the JSON about a third smaller and the server's parse as much faster.
 */

/** Prefix of the performance columns in a payload row (they share it with the execution's). */
export const PERFORMANCE_PREFIX = 'p_';

/** The JSON parameter of the upsert for a chunk of spans. */
export function upsertPayload(chunk: readonly MergedSpan[]): string {
  return JSON.stringify(chunk.map((span) => toPayloadRow(span.record)));
}

/** One record as a payload row. */
export function toPayloadRow(record: SpanRecord): Record<string, unknown> {
  const e = record.execution;
  const decisions = record.decisions.length > 0 ? itemRows(record.decisions, e, decisionRow) : undefined;
  const events = record.events.length > 0 ? itemRows(record.events, e, eventRow) : undefined;
  return spanRow(e, record.performance, decisions, events);
}

function itemRows<T extends { ordinal: number }>(
  items: readonly T[],
  execution: ExecutionRecord,
  rowOf: (item: T, execution: ExecutionRecord) => Record<string, unknown>,
): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const item of uniqueByOrdinal(items)) rows.push(rowOf(item, execution));
  return rows;
}

type SpanRowArgs = [
  execution: ExecutionRecord,
  performance: PerformanceRecord | null,
  decisions: Record<string, unknown>[] | undefined,
  events: Record<string, unknown>[] | undefined,
];

/** Payload fields of an item table's columns: those read from the item (the rest come from the execution's row). */
function ownFields<R>(columns: readonly WrittenColumn<[R, ExecutionRecord]>[]) {
  return columns.filter((column) => !column.fromParent).map(({ name, read }) => ({ key: name, read }));
}

const spanRow = objectBuilder<SpanRowArgs>([
  ...EXECUTION_COLUMNS.map(({ name, read }) => ({ key: name, read })),
  { key: 'has_performance', read: (_, p) => p !== null },
  ...PERFORMANCE_COLUMNS.map(({ name, read }) => ({ key: PERFORMANCE_PREFIX + name, read, of: 1 })),
  { key: 'decisions', read: (_, __, decisions) => decisions },
  { key: 'events', read: (_, __, ___, events) => events },
]);
const decisionRow = objectBuilder<[DecisionRecord, ExecutionRecord]>(ownFields(DECISION_COLUMNS));
const eventRow = objectBuilder<[EventRecord, ExecutionRecord]>(ownFields(EVENT_COLUMNS));
