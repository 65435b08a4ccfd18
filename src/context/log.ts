import { trace } from '@opentelemetry/api';
import { sanitizeAttributes } from '../capture/attributes';
import { textOf } from '../capture/describe-value';
import { captureSettings } from '../capture/settings';
import { reportOnce } from '../internal/report-once';
import { errorText } from './error-text';
import { ATTR_LOG_LEVEL, ATTR_LOG_MESSAGE, EVENT_AGENTSPAN_LOG } from '../semconv/attributes';
import { addNote } from './note';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVELS: ReadonlySet<unknown> = new Set<LogLevel>(['debug', 'info', 'warn', 'error']);

/**
 * Adds a log line to the active span as an `agentspan.log` event (redacted like every captured value). Outside any
 * span it does nothing. A message that is not a string is logged as text (objects as JSON); an unknown level is
 * logged as `info`, noted on the span (a `warn` event) and reported once.
 */
export function log(level: LogLevel, message: string, attributes?: Record<string, unknown>): void {
  try {
    const span = trace.getActiveSpan();
    if (!span || !span.isRecording()) return;
    const known = LEVELS.has(level);
    const settings = captureSettings();
    span.addEvent(EVENT_AGENTSPAN_LOG, {
      ...sanitizeAttributes(attributes, settings),
      [ATTR_LOG_LEVEL]: known ? level : 'info',
      [ATTR_LOG_MESSAGE]: textOf(message, settings),
    });
    if (!known) {
      reportOnce(
        'log-level',
        `log: level must be one of debug, info, warn, error; ${textOf(level, settings)} was logged as info`,
      );
      addNote(span, 'log level', 'is not one of debug, info, warn, error', 'logged as info', level);
    }
  } catch (error) {
    reportOnce('log-failed', `log failed: ${errorText(error)}`);
  }
}
