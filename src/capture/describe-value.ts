import { captureJson, captureText } from './safe-json';
import { cutText } from './sanitize-text';
import type { CaptureSettings } from './settings';

/** Longest description of a refused value that a note keeps: enough to recognise it, never a payload. */
const DESCRIBED_LENGTH = 100;

/**
 * Any value as storable, redacted text, for places that take text whatever they are given (a log message): a string
 * as capture keeps it, an object or array as its captured JSON, a function as `[Function name]`, anything else as
 * String() writes it (`NaN`, `-5`, `Symbol(tag)`, `12n` as `12`). Never throws.
 */
export function textOf(value: unknown, settings: CaptureSettings): string {
  if (typeof value === 'string') return captureText(value, settings);
  if (typeof value === 'object' && value !== null) return captureJson(value, settings);
  if (typeof value === 'function') return JSON.parse(captureJson(value, settings)) as string;
  return captureText(String(value), settings);
}

/** A refused value as a note shows it: textOf, cut to 100 characters. */
export function describeValue(value: unknown, settings: CaptureSettings): string {
  return cutText(textOf(value, settings), DESCRIBED_LENGTH);
}

/**
 * The message of a note that says what agentspan did with a value it could not keep as given:
 * `agentspan: {subject} {problem}; {outcome}`, e.g. `agentspan: agentspan.quality.score is not a number from 0 to
 * 100; stored as null`. Notes are stored as `warn` events of the span, with the value described beside them.
 */
export function noteMessage(subject: string, problem: string, outcome: string): string {
  return `agentspan: ${subject} ${problem}; ${outcome}`;
}
