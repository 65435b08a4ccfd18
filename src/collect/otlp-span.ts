import {
  SpanKind,
  TraceFlags,
  type Attributes,
  type HrTime,
  type Link,
  type SpanContext,
  type SpanStatus,
} from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';

/** The parts of an OTLP span that make a ReadableSpan, read and checked by readTraceRequest. */
export interface OtlpSpanParts {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** The OTLP span kind (0 unspecified … 5 consumer). */
  kind: number;
  startTime: HrTime;
  endTime: HrTime;
  status: SpanStatus;
  attributes: Attributes;
  events: TimedEvent[];
  links: Link[];
  droppedAttributesCount: number;
  droppedEventsCount: number;
  droppedLinksCount: number;
}

/** OTLP's SpanKind numbers (UNSPECIFIED 0, INTERNAL 1 … CONSUMER 5) as OpenTelemetry JS's (INTERNAL 0 … CONSUMER 4). */
function spanKindOf(otlpKind: number): SpanKind {
  return otlpKind >= 1 && otlpKind <= 5 ? ((otlpKind - 1) as SpanKind) : SpanKind.INTERNAL;
}

function durationOf(start: HrTime, end: HrTime): HrTime {
  let seconds = end[0] - start[0];
  let nanos = end[1] - start[1];
  if (nanos < 0) {
    seconds -= 1;
    nanos += 1_000_000_000;
  }
  return [seconds, nanos];
}

/**
 * A span received over OTLP, as the ReadableSpan the processor and the mapping read: the same path as a span ended
 * in this process. It is always ended; it has no onStart (the collector sees spans only once they end).
 */
export class OtlpSpan implements ReadableSpan {
  readonly name: string;
  readonly kind: SpanKind;
  readonly parentSpanContext: SpanContext | undefined;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly status: SpanStatus;
  readonly attributes: Attributes;
  readonly links: Link[];
  readonly events: TimedEvent[];
  readonly ended = true;
  readonly droppedAttributesCount: number;
  readonly droppedEventsCount: number;
  readonly droppedLinksCount: number;
  private readonly context: SpanContext;

  constructor(
    parts: OtlpSpanParts,
    readonly resource: Resource,
    readonly instrumentationScope: InstrumentationScope,
  ) {
    this.context = { traceId: parts.traceId, spanId: parts.spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true };
    this.parentSpanContext =
      parts.parentSpanId === ''
        ? undefined
        : { traceId: parts.traceId, spanId: parts.parentSpanId, traceFlags: TraceFlags.SAMPLED, isRemote: true };
    this.name = parts.name;
    this.kind = spanKindOf(parts.kind);
    this.startTime = parts.startTime;
    this.endTime = parts.endTime;
    this.status = parts.status;
    this.attributes = parts.attributes;
    this.links = parts.links;
    this.events = parts.events;
    this.droppedAttributesCount = parts.droppedAttributesCount;
    this.droppedEventsCount = parts.droppedEventsCount;
    this.droppedLinksCount = parts.droppedLinksCount;
  }

  spanContext(): SpanContext {
    return this.context;
  }

  /** Computed when asked: the mapping reads start and end, so most spans never need it. */
  get duration(): HrTime {
    return durationOf(this.startTime, this.endTime);
  }
}
