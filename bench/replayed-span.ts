import type { SpanContext } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/**
 * A recorded span under another trace id. One class, so every copy has the same shape, as the SDK's spans do: an
 * object per copy whose prototype is its original (the first way this bench made copies) gives every copy a shape
 * of its own, and the processor's reads of span fields then go megamorphic, a cost no application pays. Everything
 * but the ids is shared with the original (finished spans are never changed).
 */
export class ReplayedSpan implements ReadableSpan {
  readonly name: string;
  readonly kind: ReadableSpan['kind'];
  readonly parentSpanContext: SpanContext | undefined;
  readonly startTime: ReadableSpan['startTime'];
  readonly endTime: ReadableSpan['endTime'];
  readonly status: ReadableSpan['status'];
  readonly attributes: ReadableSpan['attributes'];
  readonly links: ReadableSpan['links'];
  readonly events: ReadableSpan['events'];
  readonly duration: ReadableSpan['duration'];
  readonly ended: boolean;
  readonly resource: ReadableSpan['resource'];
  readonly instrumentationScope: ReadableSpan['instrumentationScope'];
  readonly droppedAttributesCount: number;
  readonly droppedEventsCount: number;
  readonly droppedLinksCount: number;
  private readonly context: SpanContext;

  constructor(original: ReadableSpan, traceId: string) {
    const context = original.spanContext();
    this.context = { ...context, traceId };
    const parent = original.parentSpanContext;
    this.parentSpanContext = parent === undefined ? undefined : { ...parent, traceId };
    this.name = original.name;
    this.kind = original.kind;
    this.startTime = original.startTime;
    this.endTime = original.endTime;
    this.status = original.status;
    this.attributes = original.attributes;
    this.links = original.links;
    this.events = original.events;
    this.duration = original.duration;
    this.ended = original.ended;
    this.resource = original.resource;
    this.instrumentationScope = original.instrumentationScope;
    this.droppedAttributesCount = original.droppedAttributesCount;
    this.droppedEventsCount = original.droppedEventsCount;
    this.droppedLinksCount = original.droppedLinksCount;
  }

  spanContext(): SpanContext {
    return this.context;
  }
}

/**
 * `count` copies of the recorded spans, made as they are consumed: each copy reads everything from its original but
 * has a trace id of its own, unique per pass over the recording and per `series`, so every copy is a new span to
 * the store and only the recording stays in memory. As in the SDK, the spans of one trace share one trace id string,
 * and trace ids differ from their first characters on (the pass is written over their last eight).
 */
export function* replayed(recorded: ReadableSpan[], count: number, series: number): Generator<ReadableSpan> {
  const traceOf = new Map<string, number>();
  const traceIndex = recorded.map((span) => {
    const traceId = span.spanContext().traceId;
    let index = traceOf.get(traceId);
    if (index === undefined) traceOf.set(traceId, (index = traceOf.size));
    return index;
  });
  const originals = [...traceOf.keys()];
  for (let produced = 0, pass = 0; produced < count; pass++) {
    const suffix = `${series.toString(16).padStart(2, '0')}${pass.toString(16).padStart(6, '0')}`;
    const traceIds = originals.map((traceId) => traceId.slice(0, -suffix.length) + suffix);
    for (let i = 0; i < recorded.length && produced < count; i++, produced++) {
      yield new ReplayedSpan(recorded[i]!, traceIds[traceIndex[i]!]!);
    }
  }
}
