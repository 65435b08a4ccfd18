import { SpanStatusCode, type Attributes, type AttributeValue, type HrTime } from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import { captureText } from '../capture/safe-json';
import { cutText } from '../capture/sanitize-text';
import { tenantIdColumn } from '../internal/tenant-id';
import { captureSettings } from '../capture/settings';
import {
  ATTR_AGENTSPAN_COST_USD,
  ATTR_AGENTSPAN_INPUT,
  ATTR_AGENTSPAN_METADATA,
  ATTR_AGENTSPAN_METRICS,
  ATTR_AGENTSPAN_OUTCOME,
  ATTR_AGENTSPAN_OUTPUT,
  ATTR_AGENTSPAN_QUALITY_SCORE,
  ATTR_AGENTSPAN_TENANT_ID,
  ATTR_AGENTSPAN_USAGE_SOURCE,
  ATTR_ERROR_TYPE,
  ATTR_EXCEPTION_MESSAGE,
  ATTR_EXCEPTION_TYPE,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_AGENT_VERSION,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_SESSION_ID,
  ATTR_USER_ID,
  EVENT_AGENTSPAN_DECISION,
  EVENT_EXCEPTION,
} from '../semconv/attributes';
import type {
  DecisionRecord,
  EventRecord,
  ExecutionRecord,
  PerformanceRecord,
  SpanRecord,
  TokenBuckets,
  UsageSource,
} from '../model/records';
import { ATTR_SERVICE_NAME, ATTR_TELEMETRY_SDK_LANGUAGE } from '../semconv/resource-attributes';
import { ATTR_GEN_AI_SYSTEM, ATTR_LANGFUSE_LEVEL, ATTR_LANGFUSE_STATUS_MESSAGE } from '../semconv/foreign-attributes';
import { TRACER_NAME } from '../semconv/tracer-name';
import { dialectAttributes } from './dialect-attributes';
import { isMetricName, isMetricValue, MAX_METRICS_PER_SPAN } from '../semconv/metric-names';
import { jsonText, ownJson } from './json-attributes';
import { Fields, STORED_AS_NULL, WIDTH } from './record-fields';
import { decisionOf, eventOf } from './span-events';
import { spanKindOf } from './span-kind';
import { formatTime, normalizeTime } from './span-time';
import { tokenBuckets } from './token-buckets';
import type { Placement } from './placement';
import { instrumentationScopeOf, isId, parentOf, SPAN_ID_LENGTH, spanNameOf, TRACE_ID_LENGTH } from './span-identity';

export type SpanPhase = 'start' | 'end';

/**
 * Largest cost one span may report. The column would hold up to 10^10, but agent totals are sums of thousands of
 * spans in numeric(24, 10) (below 10^14), and one overflowing sum would fail a whole batch. No single model call costs
 * a million dollars: a larger figure is a unit mistake (cents, tokens), better stored as unknown.
 */
export const MAX_COST_USD = 1_000_000;

/** Most spans have no run attributes kept for them: one shared, read-only empty set, not an object per span. */
const NO_ATTRIBUTES: Attributes = Object.freeze({});

/**
 * Turns a span into the record the store writes: pure, no I/O. `start` gives the `running` record of a span still
 * open (no performance row); `end` the final one. `runAttributes` are the withAgentContext attributes in force when
 * a span of another instrumentation started (agentspan's own spans carry them already); `placement` what the processor
 * learnt of the span's place in the run tree (a parent that is not stored, figures another span already reports).
 * Returns undefined for spans that are neither agentspan's nor GenAI spans.
 *
 * Nothing a span carries can make the database refuse the record: text is made storable and cut to its column,
 * figures outside their column's range or of the wrong type are stored as null, an end before the start (clock
 * skew) is stored as the start. Every such change is noted: the final record carries one `warn` event per change,
 * saying what was changed and why, with the value described. Throws (and the pipeline counts the span as rejected,
 * with the message as reason) only for a span that cannot be stored at all: a trace or span id of the wrong length,
 * or a start time that is not a time from year 1 to 9999.
 */
export function mapSpan(
  span: ReadableSpan,
  phase: SpanPhase,
  runAttributes?: Attributes,
  placement?: Placement,
): SpanRecord | undefined {
  const scope = span.instrumentationScope.name;
  const own = scope === TRACER_NAME;
  const kind = spanKindOf(span.attributes, scope, span.name);
  if (kind === undefined) return undefined;
  // Another instrumentation's span is read in any dialect; agentspan's own already speak the one the mapping reads.
  const attributes = own ? span.attributes : dialectAttributes(span.attributes, kind, String(span.name), scope);
  const context = span.spanContext();
  if (!isId(context.traceId, TRACE_ID_LENGTH)) throw new Error(`trace id is not ${TRACE_ID_LENGTH} characters`);
  if (!isId(context.spanId, SPAN_ID_LENGTH)) throw new Error(`span id is not ${SPAN_ID_LENGTH} characters`);
  const start = normalizeTime(span.startTime);
  if (start === undefined) throw new Error('start time is not a time from year 1 to 9999');
  const settings = captureSettings();
  const fields = new Fields(settings);
  const run = runAttributes ?? NO_ATTRIBUTES;
  // agentspan's own JSON attributes were made by capture and are stored as they are; anyone else's are checked.
  const json = own ? ownJson : jsonText;
  const startedAt = formatTime(start);
  const end = phase === 'end' ? endOf(span, start, startedAt, fields) : undefined;
  const error = phase === 'end' ? errorOf(span, fields) : undefined;
  const execution: ExecutionRecord = {
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: placement?.parentSpanId !== undefined ? placement.parentSpanId : parentOf(span, fields),
    kind,
    name: spanNameOf(span, settings),
    agentName: fields.text(attributes[ATTR_GEN_AI_AGENT_NAME], ATTR_GEN_AI_AGENT_NAME, WIDTH.id),
    agentVersion: fields.text(attributes[ATTR_GEN_AI_AGENT_VERSION], ATTR_GEN_AI_AGENT_VERSION, WIDTH.version),
    status: phase === 'start' ? 'running' : statusOf(span, error !== undefined),
    startedAt,
    completedAt: end?.completedAt ?? null,
    errorType: error?.type ?? null,
    errorMessage: error?.message === undefined ? null : captureText(error.message, settings),
    input: json(attributes[ATTR_AGENTSPAN_INPUT], settings),
    output: phase === 'end' ? json(attributes[ATTR_AGENTSPAN_OUTPUT], settings) : null,
    qualityScore: fields.number(attributes[ATTR_AGENTSPAN_QUALITY_SCORE], ATTR_AGENTSPAN_QUALITY_SCORE, 0, 100),
    userId: fields.text(attributes[ATTR_USER_ID] ?? run[ATTR_USER_ID], ATTR_USER_ID, WIDTH.id),
    sessionId: fields.text(attributes[ATTR_SESSION_ID] ?? run[ATTR_SESSION_ID], ATTR_SESSION_ID, WIDTH.id),
    // Exactly or null (with a note), never cut: a cut tenant id could be another tenant's.
    tenantId: tenantIdColumn(attributes[ATTR_AGENTSPAN_TENANT_ID] ?? run[ATTR_AGENTSPAN_TENANT_ID], (problem, value) =>
      fields.note(ATTR_AGENTSPAN_TENANT_ID, problem, STORED_AS_NULL, value),
    ),
    conversationId: fields.text(
      attributes[ATTR_GEN_AI_CONVERSATION_ID] ?? run[ATTR_GEN_AI_CONVERSATION_ID],
      ATTR_GEN_AI_CONVERSATION_ID,
      WIDTH.id,
    ),
    metadata: json(attributes[ATTR_AGENTSPAN_METADATA] ?? run[ATTR_AGENTSPAN_METADATA], settings),
    serviceName: fields.text(span.resource?.attributes[ATTR_SERVICE_NAME], ATTR_SERVICE_NAME, WIDTH.id),
    metrics: phase === 'end' ? metricsOf(attributes[ATTR_AGENTSPAN_METRICS], fields) : null,
    instrumentationScope: instrumentationScopeOf(span.instrumentationScope, fields),
    sdkLanguage: fields.text(span.resource?.attributes[ATTR_TELEMETRY_SDK_LANGUAGE], ATTR_TELEMETRY_SDK_LANGUAGE, 32),
  };
  if (end === undefined) return { execution, performance: null, decisions: [], events: [] };
  const performance = performanceOf(attributes, end.durationMs, fields);
  if (placement?.counted === false || (placement?.group !== undefined && !placement.group.isCounted(span))) {
    performance.counted = false;
  }
  const decisions: DecisionRecord[] = [];
  const events: EventRecord[] = [];
  for (const event of span.events) {
    const occurredAt = eventTime(event, startedAt, fields);
    if (event.name === EVENT_AGENTSPAN_DECISION) {
      decisions.push(decisionOf(event, decisions.length, occurredAt, fields, json));
    } else {
      events.push(eventOf(event, events.length, occurredAt, settings));
    }
  }
  fields.appendNotes(events, end.completedAt);
  return { execution, performance, decisions, events };
}

/** The end of a finished span. An end that is not a time, or before the start (clock skew), becomes the start. */
function endOf(
  span: ReadableSpan,
  start: HrTime,
  startedAt: string,
  fields: Fields,
): { completedAt: string; durationMs: number } {
  const end = normalizeTime(span.endTime);
  if (end === undefined) {
    fields.note('end time', 'is not a time from year 1 to 9999', 'stored as the start time, duration 0', span.endTime);
    return { completedAt: startedAt, durationMs: 0 };
  }
  const durationMs = (end[0] - start[0]) * 1_000 + (end[1] - start[1]) / 1_000_000;
  if (durationMs < 0) {
    fields.note('end time', 'is before the start time', 'stored as the start time, duration 0', formatTime(end));
    return { completedAt: startedAt, durationMs: 0 };
  }
  return { completedAt: formatTime(end), durationMs };
}

function eventTime(event: TimedEvent, startedAt: string, fields: Fields): string {
  const time = normalizeTime(event.time);
  if (time !== undefined) return formatTime(time);
  fields.note('event time', 'is not a time from year 1 to 9999', "stored as the span's start time", event.time);
  return startedAt;
}

function statusOf(span: ReadableSpan, failed: boolean): ExecutionRecord['status'] {
  if (failed) return 'failed';
  return span.attributes[ATTR_AGENTSPAN_OUTCOME] === 'cancelled' ? 'cancelled' : 'completed';
}

/**
 * Status ERROR, `error.type`, Langfuse's level ERROR (its observations keep OTel's status unset), or the first
 * exception event: whichever says the span failed, and why.
 */
function errorOf(span: ReadableSpan, fields: Fields): { type: string | null; message: string | undefined } | undefined {
  const langfuseError = span.attributes[ATTR_LANGFUSE_LEVEL] === 'ERROR';
  const failed =
    span.status.code === SpanStatusCode.ERROR || span.attributes[ATTR_ERROR_TYPE] !== undefined || langfuseError;
  // An exception recorded on a span that did not fail (caught and handled) is an event, not a failure.
  if (!failed) return undefined;
  const exception = span.events.find((event) => event.name === EVENT_EXCEPTION)?.attributes ?? {};
  const status = typeof span.status.message === 'string' ? span.status.message : '';
  const langfuseMessage = langfuseError ? span.attributes[ATTR_LANGFUSE_STATUS_MESSAGE] : undefined;
  const exceptionMessage = exception[ATTR_EXCEPTION_MESSAGE];
  return {
    type:
      fields.text(span.attributes[ATTR_ERROR_TYPE], ATTR_ERROR_TYPE, WIDTH.errorType) ??
      fields.text(exception[ATTR_EXCEPTION_TYPE], ATTR_EXCEPTION_TYPE, WIDTH.errorType),
    message:
      status ||
      (typeof langfuseMessage === 'string' && langfuseMessage) ||
      (typeof exceptionMessage === 'string' && exceptionMessage) ||
      undefined,
  };
}

function performanceOf(attributes: Attributes, durationMs: number, fields: Fields): PerformanceRecord {
  const cost = fields.number(
    attributes[ATTR_AGENTSPAN_COST_USD],
    ATTR_AGENTSPAN_COST_USD,
    0,
    MAX_COST_USD,
    'an amount',
  );
  const providerKey =
    attributes[ATTR_GEN_AI_PROVIDER_NAME] === undefined ? ATTR_GEN_AI_SYSTEM : ATTR_GEN_AI_PROVIDER_NAME;
  // Read in this order, so notes come in the order of the columns.
  const provider = fields.text(attributes[providerKey], providerKey, WIDTH.provider);
  const requestModel = fields.text(attributes[ATTR_GEN_AI_REQUEST_MODEL], ATTR_GEN_AI_REQUEST_MODEL, WIDTH.model);
  const responseModel = fields.text(attributes[ATTR_GEN_AI_RESPONSE_MODEL], ATTR_GEN_AI_RESPONSE_MODEL, WIDTH.model);
  const buckets = tokenBuckets(attributes, fields);
  return {
    durationMs,
    provider,
    requestModel,
    responseModel,
    inputTokens: buckets.inputTokens,
    outputTokens: buckets.outputTokens,
    cacheReadTokens: buckets.cacheReadTokens,
    cacheWriteTokens: buckets.cacheWriteTokens,
    reasoningTokens: buckets.reasoningTokens,
    costUsd: cost === null ? null : decimal(cost),
    costSource: cost === null ? 'unknown' : 'provided',
    usageSource: usageSourceOf(attributes, buckets),
    priceId: null,
    counted: true,
  };
}

/** Figures are reported unless the application said it estimated them; no figure, no source. */
function usageSourceOf(attributes: Attributes, buckets: TokenBuckets): UsageSource | null {
  if (attributes[ATTR_AGENTSPAN_USAGE_SOURCE] === 'estimated') return 'estimated';
  const { inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens, reasoningTokens } = buckets;
  const anyFigure =
    inputTokens !== null ||
    outputTokens !== null ||
    cacheReadTokens !== null ||
    cacheWriteTokens !== null ||
    reasoningTokens !== null;
  return anyFigure ? 'provided' : null;
}

/**
 * Business metrics as JSON object text for the jsonb column: only names and values recordMetrics would accept, at
 * most MAX_METRICS_PER_SPAN of them (the attribute may have been set by hand or by another instrumentation); every
 * entry left out is noted. Null when none is left.
 */
function metricsOf(value: AttributeValue | undefined, fields: Fields): string | null {
  if (value === undefined || value === null) return null;
  let parsed: unknown;
  try {
    parsed = typeof value === 'string' ? JSON.parse(value) : undefined;
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    fields.note(ATTR_AGENTSPAN_METRICS, 'is not JSON text of an object of numbers', STORED_AS_NULL, value);
    return null;
  }
  const kept: Record<string, number> = {};
  let count = 0;
  for (const [name, figure] of Object.entries(parsed)) {
    if (isMetricName(name) && isMetricValue(figure) && count < MAX_METRICS_PER_SPAN) {
      // defineProperty: a metric named __proto__ is an entry like any other, not the object's prototype.
      Object.defineProperty(kept, name, { value: figure, enumerable: true, writable: true, configurable: true });
      count++;
    } else {
      fields.note(
        `${ATTR_AGENTSPAN_METRICS} ${cutText(name, 100)}`,
        'is not a metric name with a number from -10^15 to 10^15',
        'left out',
        figure,
      );
    }
  }
  return count === 0 ? null : JSON.stringify(kept);
}

/** An exact decimal string for numeric columns: no exponent, at most 10 places, trailing zeros dropped. */
export function decimal(value: number): string {
  return value.toFixed(10).replace(/\.?0+$/, '') || '0';
}
