import type { ExecutionRecord, SpanRecord } from './records';

/** One span's record after merging every record of it in a batch, with the originals it stands for. */
export interface MergedSpan {
  readonly key: string;
  readonly record: SpanRecord;
  readonly originals: SpanRecord[];
}

/** Descriptive fields a `running` record may fill in when the final record lacks them (mirrors the SQL merge). */
const FILLABLE_FIELDS = [
  'parentSpanId',
  'agentName',
  'agentVersion',
  'input',
  'userId',
  'sessionId',
  'tenantId',
  'conversationId',
  'metadata',
  'serviceName',
] as const satisfies readonly (keyof ExecutionRecord)[];

export function spanKey(execution: Pick<ExecutionRecord, 'traceId' | 'spanId'>): string {
  return `${execution.traceId}:${execution.spanId}`;
}

/**
 * Collapses records of the same (traceId, spanId) into one, with the same rules the upsert applies against rows
 * already stored, so the result does not depend on how records were batched:
 * a final record beats a running one (taking from an earlier running record only what it lacks); a running record
 * after a final one changes nothing; a later final replaces an earlier final; a later running record only fills
 * what an earlier running record lacks.
 * The result is sorted by key so concurrent writers lock rows in the same order.
 */
export function dedupeRecords(records: readonly SpanRecord[]): MergedSpan[] {
  const byKey = new Map<string, MergedSpan>();
  for (const record of records) {
    const key = spanKey(record.execution);
    const seen = byKey.get(key);
    if (seen === undefined) {
      byKey.set(key, { key, record, originals: [record] });
      continue;
    }
    seen.originals.push(record);
    byKey.set(key, { key, record: merge(seen.record, record), originals: seen.originals });
  }
  return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
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

/** `primary` with its missing descriptive fields taken from `secondary`. */
function fillFrom(primary: SpanRecord, secondary: SpanRecord): SpanRecord {
  const execution: ExecutionRecord = { ...primary.execution };
  const writable = execution as unknown as Record<string, unknown>;
  for (const field of FILLABLE_FIELDS) {
    if (writable[field] === null) writable[field] = secondary.execution[field];
  }
  return { ...primary, execution };
}
