import { trace } from '@opentelemetry/api';
import { sanitizeAttributes } from '../capture/attributes';
import { captureText } from '../capture/safe-json';
import { captureSettings } from '../capture/settings';
import { reportOnce } from '../internal/report-once';
import { ATTR_LOG_LEVEL, ATTR_LOG_MESSAGE, EVENT_AGENTSPAN_LOG } from '../semconv/attributes';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVELS: ReadonlySet<string> = new Set<LogLevel>(['debug', 'info', 'warn', 'error']);

/**
 * Adds a log line to the active span as an `agentspan.log` event (redacted like every captured value). Outside any
 * span it does nothing; an unknown level is recorded as `info` and reported once.
 */
export function log(level: LogLevel, message: string, attributes?: Record<string, unknown>): void {
  try {
    const span = trace.getActiveSpan();
    if (!span || !span.isRecording()) return;
    let safeLevel: string = level;
    if (!LEVELS.has(level)) {
      reportOnce('log-level', `log: level must be one of debug, info, warn, error; ${String(level)} was logged as info`);
      safeLevel = 'info';
    }
    const settings = captureSettings();
    span.addEvent(EVENT_AGENTSPAN_LOG, {
      ...sanitizeAttributes(attributes, settings),
      [ATTR_LOG_LEVEL]: safeLevel,
      [ATTR_LOG_MESSAGE]: captureText(typeof message === 'string' ? message : String(message), settings),
    });
  } catch (error) {
    reportOnce('log-failed', `log failed: ${String(error)}`);
  }
}
