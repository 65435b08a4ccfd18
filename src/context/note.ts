import type { Span } from '@opentelemetry/api';
import { describeValue, noteMessage } from '../capture/describe-value';
import { captureSettings } from '../capture/settings';
import { ATTR_LOG_LEVEL, ATTR_LOG_MESSAGE, EVENT_AGENTSPAN_LOG } from '../semconv/attributes';

/** The attribute of a note event that describes the value it is about. */
export const ATTR_NOTE_VALUE = 'value';

/**
 * Records on the span why a value given to a recording function was left out: a `warn` log event (so it is stored
 * with the span and shown by any backend) with the value described. Only ever called on the error path.
 */
export function addNote(span: Span, subject: string, problem: string, outcome: string, value: unknown): void {
  const settings = captureSettings();
  span.addEvent(EVENT_AGENTSPAN_LOG, {
    [ATTR_NOTE_VALUE]: describeValue(value, settings),
    [ATTR_LOG_LEVEL]: 'warn',
    [ATTR_LOG_MESSAGE]: noteMessage(subject, problem, outcome),
  });
}
