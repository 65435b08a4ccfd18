import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { cutText } from '../capture/sanitize-text';
import type { CaptureSettings } from '../capture/settings';
import { type Fields, STORED_AS_NULL, WIDTH } from './record-fields';

// Who a span is: its ids, its parent, its name and the tracer that made it, each checked to fit its column.

type InstrumentationScope = ReadableSpan['instrumentationScope'];

/** Most spans of a process come from a few tracers: the text of the last scope seen is kept. */
let lastScope: InstrumentationScope | undefined;
let lastScopeText: string | null = null;

/** `name@version` of the tracer that made the span (its name alone without a version), cut to its column. */
export function instrumentationScopeOf(scope: InstrumentationScope, fields: Fields): string | null {
  if (scope === lastScope) return lastScopeText;
  const { name, version } = scope;
  if (typeof name !== 'string') return fields.text(name, 'instrumentation scope', WIDTH.id);
  lastScopeText = fields.text(version ? `${name}@${version}` : name, 'instrumentation scope', WIDTH.id);
  lastScope = scope;
  return lastScopeText;
}

/** The span's name, its secrets replaced (another instrumentation may put a URL or a key in it), cut to the column. */
export function spanNameOf(span: ReadableSpan, settings: CaptureSettings): string {
  const name = typeof span.name === 'string' && span.name.length > 0 ? span.name : 'span';
  return cutText(settings.redaction.enabled ? settings.redaction.redactPatterns(name) : name, WIDTH.name);
}

export function parentOf(span: ReadableSpan, fields: Fields): string | null {
  const parent = span.parentSpanContext?.spanId;
  if (parent === undefined) return null;
  if (isId(parent, SPAN_ID_LENGTH)) return parent;
  fields.note('parent span id', `is not ${SPAN_ID_LENGTH} characters`, STORED_AS_NULL, parent);
  return null;
}

export const TRACE_ID_LENGTH = 32;
export const SPAN_ID_LENGTH = 16;

/**
 * An id that fits its column. Only the length is checked: the SDK makes lowercase hex, and a full hex check of three
 * ids cost a third of the mapping; an id of the right length with characters PostgreSQL refuses (NUL) is rejected
 * by the database, for its row alone.
 */
export function isId(id: unknown, length: number): id is string {
  return typeof id === 'string' && id.length === length;
}
