import type { ExecutionRecord, SpanRecord } from '../../model/records';
import { FILLED_FIELDS } from '../schema/execution-columns';

/** One span's record after merging every record of it in a batch, with the originals it stands for. */
export interface MergedSpan {
  readonly record: SpanRecord;
  readonly originals: SpanRecord[];
}

export function spanKey(execution: Pick<ExecutionRecord, 'traceId' | 'spanId'>): string {
  return `${execution.traceId}:${execution.spanId}`;
}

/**
 * Collapses records of the same (traceId, spanId) into one, with the same rules the upsert applies against rows
 * already stored, so the result does not depend on how records were batched:
 * a final record beats a running one (taking from an earlier running record only what it lacks); a running record
 * after a final one changes nothing; a later final replaces an earlier final; a later running record only fills
 * what an earlier running record lacks.
 * The result is sorted by trace id, then span id, so concurrent writers lock rows in the same order. Sorting first
 * (stable: records of one span keep their order) puts the records of a span next to each other, so no lookup table
 * is needed.
 */
export function dedupeRecords(records: readonly SpanRecord[]): MergedSpan[] {
  const sorted = [...records].sort(bySpan);
  const merged: MergedSpan[] = [];
  let last: MergedSpan | undefined;
  for (const record of sorted) {
    if (last !== undefined && sameSpan(last.record.execution, record.execution)) {
      last.originals.push(record);
      last = { record: merge(last.record, record), originals: last.originals };
      merged[merged.length - 1] = last;
      continue;
    }
    last = { record, originals: [record] };
    merged.push(last);
  }
  return merged;
}

type SpanIds = Pick<ExecutionRecord, 'traceId' | 'spanId'>;

function sameSpan(a: SpanIds, b: SpanIds): boolean {
  return a.spanId === b.spanId && a.traceId === b.traceId;
}

/** By trace id, then span id (for ids of the lengths the mapping admits, the order of their spanKey). */
function bySpan({ execution: a }: SpanRecord, { execution: b }: SpanRecord): number {
  if (a.traceId !== b.traceId) return a.traceId < b.traceId ? -1 : 1;
  if (a.spanId === b.spanId) return 0;
  return a.spanId < b.spanId ? -1 : 1;
}

function isFinal(record: SpanRecord): boolean {
  return record.execution.status !== 'running';
}

function merge(earlier: SpanRecord, later: SpanRecord): SpanRecord {
  if (isFinal(later)) return isFinal(earlier) ? later : fillFrom(later, earlier);
  // A running record after a final one (a late or retried start) changes nothing, exactly like the upsert's guard.
  if (isFinal(earlier)) return earlier;
  return fillFrom(earlier, later);
}

/**
 * `primary` with the fields it lacks taken from `secondary`: the columns of merge rule `fill`, as the upsert's merge
 * does in SQL (a missing optional field, from a record spilled by an earlier version, counts as lacking).
 */
function fillFrom(primary: SpanRecord, secondary: SpanRecord): SpanRecord {
  const execution: ExecutionRecord = { ...primary.execution };
  const writable = execution as unknown as Record<string, unknown>;
  for (const field of FILLED_FIELDS) {
    if (writable[field] == null) writable[field] = secondary.execution[field];
  }
  return { ...primary, execution };
}

/** The upsert cannot touch one row twice in a statement: keep the last item of each ordinal. */
export function uniqueByOrdinal<T extends { ordinal: number }>(items: readonly T[]): readonly T[] {
  if (items.length < 2) return items;
  const byOrdinal = new Map<number, T>();
  for (const item of items) byOrdinal.set(item.ordinal, item);
  return byOrdinal.size === items.length ? items : [...byOrdinal.values()];
}
