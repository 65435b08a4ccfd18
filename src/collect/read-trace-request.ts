import { SpanStatusCode, type Link } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { TimedEvent } from '@opentelemetry/sdk-trace-base';
import { ATTR_AGENTSPAN_TENANT_ID } from '../semconv/attributes';
import { TRACER_NAME } from '../semconv/tracer-name';
import { OtlpSpan } from './otlp-span';
import { NONE, type ReceivedResource, type ReceivedSpan } from './received-request';

/** The statuses of most spans, shared: one object per span less to keep while it waits in the queue. */
const UNSET_STATUS = Object.freeze({ code: SpanStatusCode.UNSET });
const OK_STATUS = Object.freeze({ code: SpanStatusCode.OK });

/** The scope name spans that say they are agentspan's get here: received spans are read as anyone else's. */
export const REMOTE_AGENTSPAN_SCOPE = `${TRACER_NAME} (otlp)`;

export interface ReadRequestOptions {
  /**
   * The tenant every span of the request belongs to (the collector's pinned tenant, or the request's tenant header):
   * it replaces any tenant the spans or their resource name. Absent: a span's own `agentspan.tenant.id`, else its
   * resource's.
   */
  tenant?: string;
}

export interface ReadRequest {
  spans: OtlpSpan[];
  /** Spans that cannot be stored (bad ids, no start time): reported in partial_success, never queued. */
  rejected: number;
  /** Why the first of them were rejected, for partial_success's error_message. */
  reasons: string[];
}

const MAX_REASONS = 3;
const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const isZero = (id: string) => /^0+$/.test(id);

/**
 * The spans of a request (either encoding, read into ReceivedResources) as OtlpSpans with their resource and scope.
 * A span that cannot be stored is counted as rejected with its reason; the others are kept.
 */
export function readTraceRequest(resources: ReceivedResource[], options: ReadRequestOptions = {}): ReadRequest {
  const result: ReadRequest = { spans: [], rejected: 0, reasons: [] };
  const reject = (reason: string) => {
    result.rejected++;
    if (result.reasons.length < MAX_REASONS) result.reasons.push(reason);
  };
  for (const received of resources) {
    const resource = resourceFromAttributes(received.attributes);
    const resourceTenant = received.attributes[ATTR_AGENTSPAN_TENANT_ID];
    for (const receivedScope of received.scopes) {
      const scope: InstrumentationScope = {
        // Only this process's own spans are trusted as agentspan's (their JSON made by capture, already scrubbed).
        name: receivedScope.name === TRACER_NAME ? REMOTE_AGENTSPAN_SCOPE : receivedScope.name,
        ...(receivedScope.version === '' ? {} : { version: receivedScope.version }),
      };
      for (const span of receivedScope.spans) {
        const problem = problemOf(span);
        if (problem !== undefined) {
          reject(problem);
          continue;
        }
        const attributes = span!.attributes;
        if (options.tenant !== undefined) attributes[ATTR_AGENTSPAN_TENANT_ID] = options.tenant;
        else if (attributes[ATTR_AGENTSPAN_TENANT_ID] === undefined && resourceTenant !== undefined) {
          attributes[ATTR_AGENTSPAN_TENANT_ID] = resourceTenant;
        }
        result.spans.push(otlpSpan(span!, resource, scope));
      }
    }
  }
  return result;
}

/** Why a span cannot be stored, or undefined. */
function problemOf(span: ReceivedSpan | null): string | undefined {
  if (span === null) return 'a span is empty';
  const label = `span ${JSON.stringify(span.name.slice(0, 64))}`;
  if (!TRACE_ID.test(span.traceId) || isZero(span.traceId)) {
    return `${label}: traceId is not 16 bytes (32 hex digits), not all zero`;
  }
  if (!SPAN_ID.test(span.spanId) || isZero(span.spanId)) {
    return `${label}: spanId is not 8 bytes (16 hex digits), not all zero`;
  }
  if (span.parentSpanId !== '' && !SPAN_ID.test(span.parentSpanId)) {
    return `${label}: parentSpanId is not 8 bytes (16 hex digits)`;
  }
  if (span.startTime === undefined) return `${label}: startTimeUnixNano is missing or not a time`;
  return undefined;
}

function otlpSpan(span: ReceivedSpan, resource: OtlpSpan['resource'], scope: InstrumentationScope): OtlpSpan {
  const startTime = span.startTime!;
  const code = statusCodeOf(span.statusCode);
  return new OtlpSpan(
    {
      traceId: span.traceId,
      spanId: span.spanId,
      parentSpanId: isZero(span.parentSpanId) ? '' : span.parentSpanId,
      name: span.name,
      kind: span.kind,
      startTime,
      // A span without an end is stored as ending at its start (the mapping notes clock problems the same way).
      endTime: span.endTime ?? startTime,
      status:
        code === SpanStatusCode.ERROR
          ? { code, message: span.statusMessage }
          : code === SpanStatusCode.OK
            ? OK_STATUS
            : UNSET_STATUS,
      attributes: span.attributes,
      events:
        span.events.length === 0
          ? NONE
          : span.events.map((event): TimedEvent => ({
              name: event.name,
              time: event.time ?? startTime,
              attributes: event.attributes,
              droppedAttributesCount: event.droppedAttributesCount,
            })),
      links:
        span.links.length === 0
          ? NONE
          : span.links.flatMap((link): Link[] =>
              TRACE_ID.test(link.traceId) && SPAN_ID.test(link.spanId)
                ? [
                    {
                      context: { traceId: link.traceId, spanId: link.spanId, traceFlags: 1, isRemote: true },
                      attributes: link.attributes,
                      droppedAttributesCount: link.droppedAttributesCount,
                    },
                  ]
                : [],
            ),
      droppedAttributesCount: span.droppedAttributesCount,
      droppedEventsCount: span.droppedEventsCount,
      droppedLinksCount: span.droppedLinksCount,
    },
    resource,
    scope,
  );
}

/** An OTLP status code (UNSET 0, OK 1, ERROR 2) as SpanStatusCode, which has the same numbers. */
function statusCodeOf(code: number): SpanStatusCode {
  return code === SpanStatusCode.OK || code === SpanStatusCode.ERROR ? code : SpanStatusCode.UNSET;
}
