import type { AttributeValue } from '@opentelemetry/api';
import type { TimedEvent } from '@opentelemetry/sdk-trace-base';
import { textOf } from '../capture/describe-value';
import { captureJson, captureText } from '../capture/safe-json';
import type { CaptureSettings } from '../capture/settings';
import {
  ATTR_DECISION_ALTERNATIVES,
  ATTR_DECISION_CHOICE,
  ATTR_DECISION_CONFIDENCE,
  ATTR_DECISION_CONTEXT,
  ATTR_DECISION_NAME,
  ATTR_DECISION_REASONING,
  ATTR_EXCEPTION_MESSAGE,
  ATTR_EXCEPTION_STACKTRACE,
  ATTR_EXCEPTION_TYPE,
  ATTR_LOG_LEVEL,
  ATTR_LOG_MESSAGE,
  EVENT_AGENTSPAN_LOG,
  EVENT_EXCEPTION,
} from '../semconv/attributes';
import type { DecisionRecord, EventLevel, EventRecord } from '../model/records';
import type { JsonReader } from './json-attributes';
import { WIDTH, type Fields } from './record-fields';

const LOG_LEVELS: ReadonlySet<string> = new Set<EventLevel>(['debug', 'info', 'warn', 'error']);
const RESERVED_LOG_KEYS: ReadonlySet<string> = new Set([ATTR_LOG_LEVEL, ATTR_LOG_MESSAGE]);

/** A decision recorded as an `agentspan.decision` event, as the row it is stored as. */
export function decisionOf(
  event: TimedEvent,
  ordinal: number,
  occurredAt: string,
  fields: Fields,
  json: JsonReader,
): DecisionRecord {
  const attributes = event.attributes ?? {};
  const { settings } = fields;
  return {
    ordinal,
    name: fields.text(attributes[ATTR_DECISION_NAME], ATTR_DECISION_NAME, WIDTH.id) ?? 'decision',
    choice: json(attributes[ATTR_DECISION_CHOICE], settings),
    alternatives: json(attributes[ATTR_DECISION_ALTERNATIVES], settings),
    reasoning: textOrNull(attributes[ATTR_DECISION_REASONING], settings),
    confidence: fields.number(attributes[ATTR_DECISION_CONFIDENCE], ATTR_DECISION_CONFIDENCE, 0, 1),
    context: json(attributes[ATTR_DECISION_CONTEXT], settings),
    occurredAt,
  };
}

/** Any other span event — a log line, an exception, another instrumentation's event — as an event row. */
export function eventOf(
  event: TimedEvent,
  ordinal: number,
  occurredAt: string,
  settings: CaptureSettings,
): EventRecord {
  const attributes = event.attributes ?? {};
  if (event.name === EVENT_AGENTSPAN_LOG) {
    const level = attributes[ATTR_LOG_LEVEL];
    const extra = Object.fromEntries(Object.entries(attributes).filter(([key]) => !RESERVED_LOG_KEYS.has(key)));
    return {
      ordinal,
      level: typeof level === 'string' && LOG_LEVELS.has(level) ? (level as EventLevel) : 'info',
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
    message: textOf(event.name, settings),
    attributes: Object.keys(attributes).length > 0 ? captureJson(attributes, settings) : null,
    occurredAt,
  };
}

function textOrNull(value: AttributeValue | undefined, settings: CaptureSettings): string | null {
  return typeof value === 'string' ? captureText(value, settings) : null;
}
