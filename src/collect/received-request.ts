import type { Attributes, AttributeValue, HrTime } from '@opentelemetry/api';

/**
 * An ExportTraceServiceRequest as both encodings are read into (otlp-protobuf-request.ts, otlp-json-request.ts):
 * ids as lowercase hex ('' when absent), times as HrTime (undefined when absent or zero), attributes as OpenTelemetry
 * JS holds them. Nothing is checked yet: readTraceRequest decides what can be stored.
 */
export interface ReceivedResource {
  attributes: Attributes;
  scopes: ReceivedScope[];
}

export interface ReceivedScope {
  name: string;
  version: string;
  spans: Array<ReceivedSpan | null>;
}

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP's SpanKind number (0 unspecified … 5 consumer). */
  kind: number;
  startTime: HrTime | undefined;
  endTime: HrTime | undefined;
  attributes: Attributes;
  events: ReceivedEvent[];
  links: ReceivedLink[];
  /** OTLP's status code (0 unset, 1 ok, 2 error) and message. */
  statusCode: number;
  statusMessage: string;
  droppedAttributesCount: number;
  droppedEventsCount: number;
  droppedLinksCount: number;
}

export interface ReceivedEvent {
  name: string;
  time: HrTime | undefined;
  attributes: Attributes;
  droppedAttributesCount: number;
}

export interface ReceivedLink {
  traceId: string;
  spanId: string;
  attributes: Attributes;
  droppedAttributesCount: number;
}

/** An AnyValue as plain JSON: scalars, arrays, and maps as objects (bytes as base64). */
export type PlainValue = string | number | boolean | null | PlainValue[] | { [key: string]: PlainValue };

/** A key that can be an own property of a plain object (`__proto__` would set the object's prototype instead). */
export const isPlainKey = (key: unknown): key is string => typeof key === 'string' && key !== '__proto__';

/**
 * A value as an attribute: scalars as they are, an array of scalars of one type as that array, anything else (a map,
 * a nested or mixed array) as its JSON text, as an SDK that serialized a structured value itself would have sent it.
 * Undefined for an empty value.
 */
export function attributeValueOf(value: PlainValue | undefined): AttributeValue | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) {
    const first = typeof value[0];
    const homogeneous =
      (first === 'string' || first === 'number' || first === 'boolean') && value.every((item) => typeof item === first);
    return homogeneous || value.length === 0 ? (value as AttributeValue) : JSON.stringify(value);
  }
  if (typeof value === 'object') return JSON.stringify(value);
  return value;
}

/** Nanoseconds since the epoch as HrTime; undefined for zero (OTLP's "not set"). */
export function hrTimeOfNanos(nanos: bigint): HrTime | undefined {
  if (nanos <= 0n) return undefined;
  return [Number(nanos / 1_000_000_000n), Number(nanos % 1_000_000_000n)];
}

/**
 * The events and links of the many spans that have none: one shared, frozen empty list rather than two arrays per
 * span (a span waits in the queue long enough for every allocation of it to be copied by the garbage collector).
 */
export const NONE = Object.freeze([]) as unknown as never[];
