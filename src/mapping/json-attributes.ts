import type { AttributeValue } from '@opentelemetry/api';
import { captureJson } from '../capture/safe-json';
import type { CaptureSettings } from '../capture/settings';

/** Reads a JSON-text attribute into JSON text PostgreSQL's jsonb accepts, or null. */
export type JsonReader = (value: AttributeValue | undefined, settings: CaptureSettings) => string | null;

// Capture never writes these: a `\u0000` escape (jsonb refuses it) or an escaped lone surrogate (json refuses it).
const REFUSED_ESCAPE = /\\u(?:0000|[dD][89a-fA-F])/;

/**
 * agentspan's own JSON-text attribute, as capture made it. Text set by hand on an `agentspan.*` attribute is not
 * capture's: JSON.stringify writes NUL and lone surrogates as the escapes PostgreSQL refuses, so those are looked for
 * (one substring search in the common case, no parse) and such text goes through capture again. Anything else set by
 * hand that is not valid JSON reaches the database, which refuses that row alone.
 */
export function ownJson(value: AttributeValue | undefined, settings: CaptureSettings): string | null {
  if (typeof value !== 'string') return jsonText(value, settings);
  return value.includes('\\u') && REFUSED_ESCAPE.test(value) ? jsonText(value, settings) : value;
}

/**
 * A JSON-text attribute made safe for jsonb: parsed and captured again (another instrumentation's, or agentspan's own
 * set by hand with escapes PostgreSQL refuses); text that is not JSON is stored as a JSON string. Non-string values
 * (numbers, booleans, arrays) are captured as they are.
 */
export function jsonText(value: AttributeValue | undefined, settings: CaptureSettings): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') return captureJson(value, settings);
  try {
    const parsed: unknown = JSON.parse(value);
    return captureJson(parsed, settings);
  } catch {
    return captureJson(value, settings);
  }
}
