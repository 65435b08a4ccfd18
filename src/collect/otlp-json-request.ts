import type { Attributes } from '@opentelemetry/api';
import {
  attributeValueOf,
  hrTimeOfNanos,
  isPlainKey,
  type PlainValue,
  type ReceivedLink,
  type ReceivedResource,
  type ReceivedSpan,
} from './received-request';

/** A body that is not an ExportTraceServiceRequest at all: the whole request is refused (400). */
export class MalformedRequestError extends Error {}

type Loose = Record<string, unknown> | null | undefined;

/**
 * An OTLP/JSON ExportTraceServiceRequest (as JSON.parse gives it) as ReceivedResources. OTLP/JSON is protobuf's JSON
 * mapping with OTLP's exceptions: ids in hex, enums as numbers; 64-bit integers as decimal strings or numbers, bytes
 * in base64. Field names are lowerCamelCase (the specification's receivers accept no other).
 */
export function readJsonRequest(message: unknown): ReceivedResource[] {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    throw new MalformedRequestError('the body is not an ExportTraceServiceRequest object');
  }
  return listOf((message as Record<string, unknown>).resourceSpans, 'resourceSpans').map((resourceSpans) => ({
    attributes: attributesOf((resourceSpans?.resource as Loose)?.attributes),
    scopes: listOf(resourceSpans?.scopeSpans, 'scopeSpans').map((scopeSpans) => ({
      name: textOf((scopeSpans?.scope as Loose)?.name),
      version: textOf((scopeSpans?.scope as Loose)?.version),
      spans: listOf(scopeSpans?.spans, 'spans').map(spanOf),
    })),
  }));
}

function listOf(value: unknown, what: string): Loose[] {
  if (value == null) return [];
  if (!Array.isArray(value)) {
    throw new MalformedRequestError(`the body is not an ExportTraceServiceRequest: ${what} is not a list`);
  }
  return value as Loose[];
}

const textOf = (value: unknown): string => (typeof value === 'string' ? value : '');
const idOf = (value: unknown): string => (typeof value === 'string' ? value.toLowerCase() : '');
const countOf = (value: unknown): number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : 0;

function spanOf(span: Loose): ReceivedSpan | null {
  if (span == null || typeof span !== 'object') return null;
  const status = (span.status ?? {}) as Record<string, unknown>;
  return {
    traceId: idOf(span.traceId),
    spanId: idOf(span.spanId),
    parentSpanId: idOf(span.parentSpanId),
    name: textOf(span.name),
    kind: typeof span.kind === 'number' ? span.kind : 0,
    startTime: timeOf(span.startTimeUnixNano),
    endTime: timeOf(span.endTimeUnixNano),
    attributes: attributesOf(span.attributes),
    events: listOf(span.events, 'events').map((event) => ({
      name: textOf(event?.name),
      time: timeOf(event?.timeUnixNano),
      attributes: attributesOf(event?.attributes),
      droppedAttributesCount: countOf(event?.droppedAttributesCount),
    })),
    links: listOf(span.links, 'links').map((link): ReceivedLink => ({
      traceId: idOf(link?.traceId),
      spanId: idOf(link?.spanId),
      attributes: attributesOf(link?.attributes),
      droppedAttributesCount: countOf(link?.droppedAttributesCount),
    })),
    statusCode: typeof status.code === 'number' ? status.code : 0,
    statusMessage: textOf(status.message),
    droppedAttributesCount: countOf(span.droppedAttributesCount),
    droppedEventsCount: countOf(span.droppedEventsCount),
    droppedLinksCount: countOf(span.droppedLinksCount),
  };
}

/** fixed64 nanoseconds, as a decimal string or a safe integer; undefined when absent, zero or not a number. */
export function timeOf(value: unknown): ReturnType<typeof hrTimeOfNanos> {
  if (typeof value === 'string' && /^\d{1,20}$/.test(value)) {
    const nanos = BigInt(value);
    return nanos < 1n << 64n ? hrTimeOfNanos(nanos) : undefined;
  }
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return hrTimeOfNanos(BigInt(value));
  return undefined;
}

/** Key-values as Attributes: later duplicates win; entries without a key or a value, and `__proto__`, skipped. */
export function attributesOf(list: unknown): Attributes {
  const attributes: Attributes = {};
  if (!Array.isArray(list)) return attributes;
  for (const entry of list as Loose[]) {
    if (!isPlainKey(entry?.key)) continue;
    const value = attributeValueOf(plainOf(entry.value, 0));
    if (value !== undefined) attributes[entry.key] = value;
  }
  return attributes;
}

const MAX_DEPTH = 32;

/** An AnyValue as plain JSON; undefined for an empty value. */
function plainOf(value: unknown, depth: number): PlainValue | undefined {
  if (value == null || typeof value !== 'object' || depth > MAX_DEPTH) return undefined;
  const any = value as Record<string, unknown>;
  if (typeof any.stringValue === 'string') return any.stringValue;
  if (typeof any.boolValue === 'boolean') return any.boolValue;
  if (any.intValue !== undefined) return integerOf(any.intValue);
  if (any.doubleValue !== undefined) return doubleOf(any.doubleValue);
  if (typeof any.bytesValue === 'string') return any.bytesValue;
  const array = any.arrayValue as Loose;
  if (array != null) return listOrEmpty(array.values).map((item) => plainOf(item, depth + 1) ?? null);
  const map = any.kvlistValue as Loose;
  if (map != null) {
    const object: { [key: string]: PlainValue } = {};
    for (const entry of listOrEmpty(map.values)) {
      if (isPlainKey(entry?.key)) object[entry.key] = plainOf(entry.value, depth + 1) ?? null;
    }
    return object;
  }
  return undefined;
}

const listOrEmpty = (value: unknown): Loose[] => (Array.isArray(value) ? (value as Loose[]) : []);

function integerOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return typeof value === 'string' && /^-?\d{1,20}$/.test(value) ? Number(value) : undefined;
}

function doubleOf(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  // OTLP/JSON may write the non-finite doubles as strings.
  return value === 'NaN' || value === 'Infinity' || value === '-Infinity' ? Number(value) : undefined;
}
