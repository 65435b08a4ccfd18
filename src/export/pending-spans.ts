import type { Attributes } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { nextTurn, SPANS_PER_SLICE } from '../internal/next-turn';
import type { RejectedRecord } from '../pipeline/types';
import { ATTR_AGENTSPAN_INPUT, ATTR_AGENTSPAN_OUTPUT } from '../semconv/attributes';
import type { SpanRecord } from '../model/records';
import { mapSpan, type SpanPhase } from '../mapping/map-span';
import type { Placement } from './span-lineage';

/**
 * A span waiting to be written, mapped to its record only when its batch is written: the finished span itself (the
 * common case: nothing allocated, nothing more for the garbage collector to copy while it waits), or a
 * PendingRecord for an agent's start or a span that came with withAgentContext attributes.
 */
export type PendingSpan = ReadableSpan | PendingRecord | MappedRecord;

export class PendingRecord {
  constructor(
    readonly span: ReadableSpan,
    readonly phase: SpanPhase,
    readonly runAttributes: Attributes | undefined,
    readonly placement?: Placement,
  ) {}
}

/**
 * A record mapped before it was queued: a span received over OTLP, mapped as its request is taken, so that what
 * waits in the queue is the record alone, not the span with all its attributes as well.
 */
export class MappedRecord {
  constructor(
    readonly record: SpanRecord,
    readonly estimatedBytes: number,
  ) {}
}

function spanOf(pending: ReadableSpan | PendingRecord): ReadableSpan {
  return pending instanceof PendingRecord ? pending.span : pending;
}

/** What a mapped record holds on to, roughly: its texts plus a fixed overhead. */
export function mappedRecordSize(record: SpanRecord): number {
  const { execution } = record;
  const text = (value: string | null | undefined) => (value == null ? 0 : value.length * 2);
  return (
    1_024 +
    text(execution.input) +
    text(execution.output) +
    text(execution.errorMessage) +
    text(execution.metadata) +
    record.events.length * 256 +
    record.decisions.length * 512
  );
}

/**
 * Records of a batch, mapped: each with the queued span it came from (`sources[i]` made `records[i]`), and the spans
 * that could not be mapped.
 */
export interface MappedBatch {
  readonly records: SpanRecord[];
  readonly sources: PendingSpan[];
  readonly rejected: Array<RejectedRecord<PendingSpan>>;
}

/**
 * Maps queued spans to records. A span that fails to map is rejected with the reason. One that maps to nothing is
 * skipped when writing (it needs no row), but rejected when spilling: the spill must hold every record it counts.
 */
export function mapBatch(batch: PendingSpan[], rejectUnmapped: boolean): MappedBatch {
  const mapped: MappedBatch = { records: [], sources: [], rejected: [] };
  mapInto(mapped, batch, 0, batch.length, rejectUnmapped);
  return mapped;
}

/** mapBatch, a slice at a time, letting I/O callbacks run between slices (see nextTurn). */
export async function mapBatchInSlices(batch: PendingSpan[], rejectUnmapped: boolean): Promise<MappedBatch> {
  const mapped: MappedBatch = { records: [], sources: [], rejected: [] };
  for (let start = 0; start < batch.length; start += SPANS_PER_SLICE) {
    if (start > 0) await nextTurn();
    mapInto(mapped, batch, start, Math.min(batch.length, start + SPANS_PER_SLICE), rejectUnmapped);
  }
  return mapped;
}

function mapInto(mapped: MappedBatch, batch: PendingSpan[], start: number, end: number, rejectUnmapped: boolean): void {
  for (let i = start; i < end; i++) {
    const pending = batch[i]!;
    try {
      const record =
        pending instanceof MappedRecord
          ? pending.record
          : pending instanceof PendingRecord
            ? mapSpan(pending.span, pending.phase, pending.runAttributes, pending.placement)
            : mapSpan(pending, 'end');
      if (record) {
        mapped.records.push(record);
        mapped.sources.push(pending);
      } else if (rejectUnmapped) {
        mapped.rejected.push({ record: pending, reason: 'not a span agentspan records' });
      }
    } catch (error) {
      mapped.rejected.push({ record: pending, reason: `mapping failed: ${String(error)}` });
    }
  }
}

/**
 * The SDK detects some resource attributes asynchronously (host id, say); reading them before they settle is an
 * error, so the batch waits for them here, in the background, as the SDK's own exporters do.
 */
export async function settleResources(batch: PendingSpan[]): Promise<void> {
  const pending = new Set<Resource>();
  for (const item of batch) {
    if (item instanceof MappedRecord) continue;
    const resource = spanOf(item).resource;
    if (resource?.asyncAttributesPending) pending.add(resource);
  }
  for (const resource of pending) await resource.waitForAsyncAttributes?.();
}

/** What a queued span holds on to, roughly: its captured payloads plus a fixed overhead. */
export function pendingSize(pending: PendingSpan): number {
  if (pending instanceof MappedRecord) return pending.estimatedBytes;
  const span = spanOf(pending);
  const attributes = span.attributes;
  const input = attributes[ATTR_AGENTSPAN_INPUT];
  const output = attributes[ATTR_AGENTSPAN_OUTPUT];
  return (
    1_024 +
    (typeof input === 'string' ? input.length * 2 : 0) +
    (typeof output === 'string' ? output.length * 2 : 0) +
    span.events.length * 256
  );
}
