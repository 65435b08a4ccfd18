import type { SpanRecord } from '../model/records';

const HEX_32 = /^[0-9a-f]{32}$/;
const HEX_16 = /^[0-9a-f]{16}$/;

/**
 * Whether a value read back from a spill file looks like a SpanRecord the writer can take. Spill files outlive the
 * process that wrote them (and maybe the version of agentspan), so replay checks the fields the writer relies on
 * before handing it anything; the database checks the rest, row by row.
 */
export function isSpanRecord(value: unknown): value is SpanRecord {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Partial<SpanRecord>;
  const execution = record.execution;
  if (typeof execution !== 'object' || execution === null) return false;
  if (typeof execution.traceId !== 'string' || !HEX_32.test(execution.traceId)) return false;
  if (typeof execution.spanId !== 'string' || !HEX_16.test(execution.spanId)) return false;
  if (
    typeof execution.kind !== 'string' ||
    typeof execution.status !== 'string' ||
    typeof execution.name !== 'string'
  ) {
    return false;
  }
  if (typeof execution.startedAt !== 'string') return false;
  if (record.performance !== null && (typeof record.performance !== 'object' || record.performance === undefined)) {
    return false;
  }
  return areObjects(record.decisions) && areObjects(record.events);
}

function areObjects(values: unknown): boolean {
  return Array.isArray(values) && values.every((value) => typeof value === 'object' && value !== null);
}
