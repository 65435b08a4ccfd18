import { trace } from '@opentelemetry/api';
import { reportOnce } from '../internal/report-once';
import { errorText } from './error-text';
import { ATTR_AGENTSPAN_QUALITY_SCORE } from '../semconv/attributes';
import { addNote } from './note';

/**
 * Records a quality score from 0 to 100 on the active span (for example an evaluator's grade of the run's output).
 * Outside any span it does nothing; a score out of range or not a number is left out, noted on the span (a `warn`
 * event) and reported once.
 */
export function recordQuality(score: number): void {
  try {
    const span = trace.getActiveSpan();
    if (!span || !span.isRecording()) return;
    if (typeof score !== 'number' || !Number.isFinite(score) || score < 0 || score > 100) {
      reportOnce('quality-out-of-range', 'recordQuality: score must be a number from 0 to 100; it was not recorded');
      addNote(span, 'recordQuality score', 'is not a number from 0 to 100', 'not recorded', score);
      return;
    }
    span.setAttribute(ATTR_AGENTSPAN_QUALITY_SCORE, score);
  } catch (error) {
    reportOnce('record-quality-failed', `recordQuality failed: ${errorText(error)}`);
  }
}
