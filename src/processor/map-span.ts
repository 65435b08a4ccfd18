import { SpanStatusCode, type Attributes, type AttributeValue, type HrTime } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import { captureJson, captureText } from '../capture/safe-json';
import { captureSettings, type CaptureSettings } from '../capture/settings';
import {
  ATTR_AGENTSPAN_COST_USD,
  ATTR_AGENTSPAN_INPUT,
  ATTR_AGENTSPAN_METADATA,
  ATTR_AGENTSPAN_OUTCOME,
  ATTR_AGENTSPAN_OUTPUT,
  ATTR_AGENTSPAN_QUALITY_SCORE,
  ATTR_AGENTSPAN_TENANT_ID,
  ATTR_DECISION_ALTERNATIVES,
  ATTR_DECISION_CHOICE,
  ATTR_DECISION_CONFIDENCE,
  ATTR_DECISION_CONTEXT,
  ATTR_DECISION_NAME,
  ATTR_DECISION_REASONING,
  ATTR_ERROR_TYPE,
  ATTR_EXCEPTION_MESSAGE,
  ATTR_EXCEPTION_STACKTRACE,
  ATTR_EXCEPTION_TYPE,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_AGENT_VERSION,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_LOG_LEVEL,
  ATTR_LOG_MESSAGE,
  ATTR_SESSION_ID,
  ATTR_USER_ID,
  EVENT_AGENTSPAN_DECISION,
  EVENT_AGENTSPAN_LOG,
  EVENT_EXCEPTION,
} from '../semconv/attributes';
import type {
  DecisionRecord,
  EventLevel,
  EventRecord,
  ExecutionKind,
  ExecutionRecord,
  PerformanceRecord,
  SpanRecord,
  TokenBuckets,
} from '../store/records';
import { TRACER_NAME } from '../semconv/tracer-name';
import { spanKindOf } from './span-kind';

export type SpanPhase = 'start' | 'end';

/** Column widths of the store: longer values are cut here rather than rejected there. */
const WIDTH = { name: 1024, id: 256, version: 128, errorType: 256, provider: 128, model: 256 } as const;

const LOG_LEVELS: ReadonlySet<string> = new Set<EventLevel>(['debug', 'info', 'warn', 'error']);
const RESERVED_LOG_KEYS: ReadonlySet<string> = new Set([ATTR_LOG_LEVEL, ATTR_LOG_MESSAGE]);

/**
 * Turns a span into the record the store writes: pure, no I/O. `start` gives the `running` record of a span still
 * open (no performance row); `end` the final one. `runAttributes` are the withAgentContext attributes in force when
 * a span of another instrumentation started (agentspan's own spans carry them already). Returns undefined for spans
 * that are neither agentspan's nor GenAI spans.
 */
export function mapSpan(span: ReadableSpan, phase: SpanPhase, runAttributes?: Attributes): SpanRecord | undefined {
  const attributes = span.attributes;
  const kind = spanKindOf(attributes, span.instrumentationScope.name);
  if (kind === undefined) return undefined;
  const settings = captureSettings();
  const run = runAttributes ?? {};
  // agentspan's own JSON attributes were made by capture and are stored as they are; anyone else's are checked.
  const json = span.instrumentationScope.name === TRACER_NAME ? ownJson : jsonText;
  const context = span.spanContext();
  const error = phase === 'end' ? errorOf(span) : undefined;
  const execution: ExecutionRecord = {
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? null,
    kind,
    name: cut(span.name, WIDTH.name) ?? 'span',
    agentName: cut(text(attributes[ATTR_GEN_AI_AGENT_NAME]), WIDTH.id),
    agentVersion: cut(text(attributes[ATTR_GEN_AI_AGENT_VERSION]), WIDTH.version),
    status: phase === 'start' ? 'running' : statusOf(span, error !== undefined),
    startedAt: toTimestamp(span.startTime),
    completedAt: phase === 'end' ? toTimestamp(span.endTime) : null,
    errorType: cut(error?.type ?? null, WIDTH.errorType),
    errorMessage: error?.message === undefined ? null : captureText(error.message, settings),
    input: json(attributes[ATTR_AGENTSPAN_INPUT], settings),
    output: phase === 'end' ? json(attributes[ATTR_AGENTSPAN_OUTPUT], settings) : null,
    qualityScore: inRange(attributes[ATTR_AGENTSPAN_QUALITY_SCORE], 0, 100),
    userId: cut(text(attributes[ATTR_USER_ID] ?? run[ATTR_USER_ID]), WIDTH.id),
    sessionId: cut(text(attributes[ATTR_SESSION_ID] ?? run[ATTR_SESSION_ID]), WIDTH.id),
    tenantId: cut(text(attributes[ATTR_AGENTSPAN_TENANT_ID] ?? run[ATTR_AGENTSPAN_TENANT_ID]), WIDTH.id),
    conversationId: cut(text(attributes[ATTR_GEN_AI_CONVERSATION_ID] ?? run[ATTR_GEN_AI_CONVERSATION_ID]), WIDTH.id),
    metadata: json(attributes[ATTR_AGENTSPAN_METADATA] ?? run[ATTR_AGENTSPAN_METADATA], settings),
    serviceName: cut(text(span.resource?.attributes['service.name']), WIDTH.id),
  };
  if (phase === 'start') return { execution, performance: null, decisions: [], events: [] };
  const decisions: DecisionRecord[] = [];
  const events: EventRecord[] = [];
  for (const event of span.events) {
    if (event.name === EVENT_AGENTSPAN_DECISION) decisions.push(decisionOf(event, decisions.length, settings, json));
    else events.push(eventOf(event, events.length, settings));
  }
  return { execution, performance: performanceOf(span, kind), decisions, events };
}

function statusOf(span: ReadableSpan, failed: boolean): ExecutionRecord['status'] {
  if (failed) return 'failed';
  return span.attributes[ATTR_AGENTSPAN_OUTCOME] === 'cancelled' ? 'cancelled' : 'completed';
}

/** Status ERROR, `error.type`, or the first exception event: whichever says the span failed, and why. */
function errorOf(span: ReadableSpan): { type: string | null; message: string | undefined } | undefined {
  const exception = span.events.find((event) => event.name === EVENT_EXCEPTION);
  const failed = span.status.code === SpanStatusCode.ERROR || span.attributes[ATTR_ERROR_TYPE] !== undefined;
  // An exception recorded on a span that did not fail (caught and handled) is an event, not a failure.
  if (!failed) return undefined;
  return {
    type: text(span.attributes[ATTR_ERROR_TYPE]) ?? text(exception?.attributes?.[ATTR_EXCEPTION_TYPE]),
    message: span.status.message || text(exception?.attributes?.[ATTR_EXCEPTION_MESSAGE]) || undefined,
  };
}

function performanceOf(span: ReadableSpan, kind: ExecutionKind): PerformanceRecord {
  const attributes = span.attributes;
  const cost = nonNegative(attributes[ATTR_AGENTSPAN_COST_USD]);
  return {
    durationMs: Math.max(0, hrTimeToMilliseconds(span.duration)),
    provider: cut(text(attributes[ATTR_GEN_AI_PROVIDER_NAME] ?? attributes['gen_ai.system']), WIDTH.provider),
    requestModel: cut(text(attributes[ATTR_GEN_AI_REQUEST_MODEL]), WIDTH.model),
    responseModel: cut(text(attributes[ATTR_GEN_AI_RESPONSE_MODEL]), WIDTH.model),
    ...tokenBuckets(attributes, kind),
    costUsd: cost === null ? null : decimal(cost),
    costSource: cost === null ? 'unknown' : 'provided',
  };
}

/**
 * OTel counts cache reads and writes inside input tokens and reasoning inside output tokens; the store keeps
 * disjoint buckets, so each part is taken out of its total. Unknown stays null.
 */
export function tokenBuckets(attributes: Attributes, _kind?: ExecutionKind): TokenBuckets {
  const input = count(attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS] ?? attributes['gen_ai.usage.prompt_tokens']);
  const output = count(attributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] ?? attributes['gen_ai.usage.completion_tokens']);
  const cacheRead = count(attributes[ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]);
  const cacheWrite = count(attributes[ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS]);
  const reasoning = count(attributes[ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS]);
  return {
    inputTokens: input === null ? null : Math.max(0, input - (cacheRead ?? 0) - (cacheWrite ?? 0)),
    outputTokens: output === null ? null : Math.max(0, output - (reasoning ?? 0)),
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    reasoningTokens: reasoning,
  };
}

type JsonReader = (value: AttributeValue | undefined, settings: CaptureSettings) => string | null;

function decisionOf(event: TimedEvent, ordinal: number, settings: CaptureSettings, json: JsonReader): DecisionRecord {
  const attributes = event.attributes ?? {};
  return {
    ordinal,
    name: cut(text(attributes[ATTR_DECISION_NAME]), WIDTH.id) ?? 'decision',
    choice: json(attributes[ATTR_DECISION_CHOICE], settings),
    alternatives: json(attributes[ATTR_DECISION_ALTERNATIVES], settings),
    reasoning: textOrNull(attributes[ATTR_DECISION_REASONING], settings),
    confidence: inRange(attributes[ATTR_DECISION_CONFIDENCE], 0, 1),
    context: json(attributes[ATTR_DECISION_CONTEXT], settings),
    occurredAt: toTimestamp(event.time),
  };
}

function eventOf(event: TimedEvent, ordinal: number, settings: CaptureSettings): EventRecord {
  const attributes = event.attributes ?? {};
  const occurredAt = toTimestamp(event.time);
  if (event.name === EVENT_AGENTSPAN_LOG) {
    const level = text(attributes[ATTR_LOG_LEVEL]);
    const extra = Object.fromEntries(Object.entries(attributes).filter(([key]) => !RESERVED_LOG_KEYS.has(key)));
    return {
      ordinal,
      level: level !== null && LOG_LEVELS.has(level) ? (level as EventLevel) : 'info',
      message: textOrNull(attributes[ATTR_LOG_MESSAGE], settings) ?? '',
      attributes: Object.keys(extra).length > 0 ? captureJson(extra, settings) : null,
      occurredAt,
    };
  }
  if (event.name === EVENT_EXCEPTION) {
    return {
      ordinal,
      level: 'error',
      message: textOrNull(attributes[ATTR_EXCEPTION_MESSAGE], settings) ?? 'exception',
      attributes: captureJson(
        { type: attributes[ATTR_EXCEPTION_TYPE], stacktrace: attributes[ATTR_EXCEPTION_STACKTRACE] },
        settings,
      ),
      occurredAt,
    };
  }
  return {
    ordinal,
    level: 'info',
    message: captureText(event.name, settings),
    attributes: Object.keys(attributes).length > 0 ? captureJson(attributes, settings) : null,
    occurredAt,
  };
}

/** agentspan's own JSON-text attribute, as capture made it. */
function ownJson(value: AttributeValue | undefined, settings: CaptureSettings): string | null {
  return typeof value === 'string' ? value : jsonText(value, settings);
}

/**
 * A JSON-text attribute made safe for jsonb. agentspan's own are already safe and pass through after a parse check;
 * anything else (another instrumentation's, or a hand-set value) goes through capture again.
 */
function jsonText(value: AttributeValue | undefined, settings: CaptureSettings): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') return captureJson(value, settings);
  try {
    const parsed: unknown = JSON.parse(value);
    return captureJson(parsed, settings);
  } catch {
    return captureJson(value, settings);
  }
}

/** An HrTime as an ISO-8601 UTC string with microseconds (a Date would round to the millisecond). */
export function toTimestamp(time: HrTime): string {
  const seconds = time[0];
  const micros = Math.floor(time[1] / 1_000);
  // Spans of a batch mostly share their second: its date-and-time part is formatted once and reused.
  if (seconds !== lastSecond) {
    lastPrefix = `${new Date(seconds * 1_000).toISOString().slice(0, 19)}.`;
    lastSecond = seconds;
  }
  // 1_000_000 + micros has seven digits (micros < 10^6): dropping the first zero-pads to six.
  return micros >= 0 && micros < 1_000_000
    ? `${lastPrefix}${String(1_000_000 + micros).slice(1)}Z`
    : `${lastPrefix}${String(micros).padStart(6, '0')}Z`;
}

let lastSecond = Number.NaN;
let lastPrefix = '';

function text(value: AttributeValue | undefined): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function textOrNull(value: AttributeValue | undefined, settings: CaptureSettings): string | null {
  return typeof value === 'string' ? captureText(value, settings) : null;
}

function cut(value: string | null, width: number): string | null {
  if (value === null) return null;
  return value.length > width ? value.slice(0, width).toWellFormed() : value;
}

function count(value: AttributeValue | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : null;
}

function nonNegative(value: AttributeValue | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}

function inRange(value: AttributeValue | undefined, min: number, max: number): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max ? value : null;
}

/** An exact decimal string for numeric columns: no exponent, at most 10 places, trailing zeros dropped. */
export function decimal(value: number): string {
  return value.toFixed(10).replace(/\.?0+$/, '') || '0';
}
