import type { Attributes, AttributeValue, Link } from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import type { CompiledRedaction } from '../capture/redaction';
import { sanitizeText } from '../capture/sanitize-text';
import { ATTR_AGENTSPAN_TENANT_ID } from '../semconv/attributes';

/** Thrown when a value cannot be scrubbed with certainty (a user redactor failed): the span is then not exported. */
export class ScrubFailure extends Error {}

/** Deeper JSON than this inside an attribute is replaced whole rather than walked (fail closed, bounded work). */
const MAX_JSON_DEPTH = 64;

/**
 * A copy of a finished span with every secret the capture rules know replaced, as it may leave the process: the
 * span name, every attribute (agentspan's own, the application's, another instrumentation's), event names and
 * attributes, the status message and link attributes. A value under a secret key is replaced whole; a string is
 * redacted by shape; a string holding JSON (`input.value`, `gen_ai.input.messages`) is parsed and redacted key by key,
 * then written back. Nothing is cut: the collector gets the data, less the secrets. Throws ScrubFailure when a user
 * redactor fails. The span itself is not changed.
 */
export function scrubSpan(span: ReadableSpan, redaction: CompiledRedaction): ReadableSpan {
  if (!redaction.enabled) return span;
  const scrubber = new Scrubber(redaction);
  const status =
    span.status.message === undefined ? span.status : { ...span.status, message: scrubber.text(span.status.message) };
  return {
    name: scrubber.text(span.name),
    kind: span.kind,
    spanContext: () => span.spanContext(),
    parentSpanContext: span.parentSpanContext,
    startTime: span.startTime,
    endTime: span.endTime,
    status,
    attributes: scrubber.attributes(span.attributes),
    links: span.links.map((link): Link =>
      link.attributes === undefined ? link : { ...link, attributes: scrubber.attributes(link.attributes) },
    ),
    events: span.events.map((event): TimedEvent => ({
      ...event,
      name: scrubber.text(event.name),
      attributes: event.attributes === undefined ? undefined : scrubber.attributes(event.attributes),
    })),
    duration: span.duration,
    ended: span.ended,
    resource: span.resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}

class Scrubber {
  constructor(private readonly redaction: CompiledRedaction) {}

  attributes(attributes: Attributes): Attributes {
    const result: Attributes = {};
    for (const key of Object.keys(attributes)) result[key] = this.attribute(key, attributes[key]);
    return result;
  }

  private attribute(key: string, value: AttributeValue | undefined): AttributeValue | undefined {
    if (value === undefined || value === null) return value;
    // The tenant id is an identifier, checked when it was set and stored exactly: a tenant never merges with another.
    if (key === ATTR_AGENTSPAN_TENANT_ID) return value;
    if (this.redaction.isSecretKey(key)) return this.redaction.replacement;
    if (typeof value === 'string') return this.stringValue(value, key);
    if (Array.isArray(value)) {
      return (value as Array<string | number | boolean | null | undefined>).map((item) =>
        typeof item === 'string' ? this.stringValue(item, key) : item,
      ) as AttributeValue;
    }
    return value;
  }

  /** A string attribute: JSON text is scrubbed as JSON (its keys count), anything else by shape. */
  private stringValue(value: string, key: string): string {
    const first = value.trimStart()[0];
    if (first === '{' || first === '[') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        return this.text(value, key);
      }
      return JSON.stringify(this.json(parsed, key, 0));
    }
    return this.text(value, key);
  }

  private json(value: unknown, key: string | undefined, depth: number): unknown {
    if (typeof value === 'string') return this.text(value, key);
    if (typeof value !== 'object' || value === null) return value;
    if (depth >= MAX_JSON_DEPTH) return this.redaction.replacement;
    if (Array.isArray(value)) return value.map((item) => this.json(item, key, depth + 1));
    const result: Record<string, unknown> = {};
    for (const [name, item] of Object.entries(value)) {
      // defineProperty: a key named __proto__ stays a key.
      const scrubbed = this.redaction.isSecretKey(name) ? this.redaction.replacement : this.json(item, name, depth + 1);
      Object.defineProperty(result, name, { value: scrubbed, enumerable: true, writable: true, configurable: true });
    }
    return result;
  }

  /** One string: secret shapes replaced, then the application's own redactor, as capture applies them. */
  text(value: string, key?: string): string {
    const { redaction } = this;
    if (!redaction.enabled) return value;
    let text = redaction.redactPatterns(value);
    if (redaction.redactor !== undefined) {
      let redacted: unknown;
      try {
        redacted = redaction.redactor(text, key);
      } catch {
        throw new ScrubFailure('a redactor threw');
      }
      if (typeof redacted !== 'string') throw new ScrubFailure('a redactor returned no string');
      text = sanitizeText(redacted);
    }
    return text;
  }
}
