import { trace, type Span } from '@opentelemetry/api';
import { reportOnce } from '../internal/report-once';
import { errorText } from './error-text';
import { ATTR_AGENTSPAN_METRICS } from '../semconv/attributes';
import { isMetricName, isMetricValue, MAX_METRIC_NAME_LENGTH, MAX_METRICS_PER_SPAN } from '../semconv/metric-names';
import { addNote } from './note';
import { isBinary } from '../capture/attributes';

/** Names of one recordMetrics call looked at, at most: twice what a span keeps, so a few bad names cost nothing. */
const MAX_EXAMINED = 2 * MAX_METRICS_PER_SPAN;
import { ensureSpanState } from './span-state';

/**
 * Records business metrics on the active span — competitors analysed, market size, conversion rate, engagement
 * score — as `{ name: number }`. Several calls on one span merge, the last value of a name winning. They are stored
 * with the execution (`agent_executions.metrics`) and aggregated by `stats` (sum, average, p95 per metric).
 *
 * Outside any span it does nothing. It never throws: a value that is not a number from −10^15 to 10^15, a name that is not an
 * identifier of at most 128 characters (letters, digits, `_`, `.`, `-`), or a name past the 64th on one span is left
 * out, noted on the span (a `warn` event) and reported once through diag; the other metrics are kept.
 */
export function recordMetrics(metrics: Record<string, number>): void {
  try {
    const span = trace.getActiveSpan();
    if (!span || !span.isRecording()) return;
    if (metrics === null || typeof metrics !== 'object' || Array.isArray(metrics) || isBinary(metrics)) {
      reportOnce('metrics-not-object', 'recordMetrics expects an object of { name: number }; nothing was recorded');
      addNote(span, 'recordMetrics', 'expects an object of { name: number }', 'nothing was recorded', metrics);
      return;
    }
    const state = ensureSpanState(span);
    const kept = (state.metrics ??= new Map());
    let changed = false;
    // Its keys are listed once; past MAX_EXAMINED names (a span keeps 64) the rest are left out with one note, so a
    // huge object costs one listing of its keys, not a note per name.
    const names = Object.keys(metrics);
    for (let i = 0; i < names.length; i++) {
      if (i === MAX_EXAMINED) {
        reportOnce(
          'metric-count',
          `recordMetrics: at most ${MAX_METRICS_PER_SPAN} metrics per span; the rest were left out`,
        );
        addNote(
          span,
          'recordMetrics',
          `has ${names.length} names, past the ${MAX_EXAMINED} examined`,
          'the rest left out',
          names.length,
        );
        break;
      }
      const name = names[i]!;
      const value = (metrics as Record<string, unknown>)[name];
      if (accepts(span, kept, name, value)) {
        kept.set(name, value as number);
        changed = true;
      }
    }
    if (changed) span.setAttribute(ATTR_AGENTSPAN_METRICS, JSON.stringify(Object.fromEntries(kept)));
  } catch (error) {
    reportOnce('record-metrics-failed', `recordMetrics failed: ${errorText(error)}`);
  }
}

function accepts(span: Span, kept: ReadonlyMap<string, number>, name: string, value: unknown): boolean {
  if (!isMetricName(name)) {
    reportOnce(
      'metric-name',
      `recordMetrics: a metric name must be a letter or _ then letters, digits, _ . - (at most ${MAX_METRIC_NAME_LENGTH} characters); it was left out`,
    );
    addNote(span, 'recordMetrics name', 'is not a metric name', 'left out', name);
    return false;
  }
  if (!isMetricValue(value)) {
    reportOnce('metric-value', 'recordMetrics: a metric value must be a number from -10^15 to 10^15; it was left out');
    addNote(span, `recordMetrics ${name}`, 'is not a number from -10^15 to 10^15', 'left out', value);
    return false;
  }
  if (!kept.has(name) && kept.size >= MAX_METRICS_PER_SPAN) {
    reportOnce(
      'metric-count',
      `recordMetrics: at most ${MAX_METRICS_PER_SPAN} metrics per span; the rest were left out`,
    );
    addNote(
      span,
      `recordMetrics ${name}`,
      `is past the ${MAX_METRICS_PER_SPAN} metrics a span may carry`,
      'left out',
      value,
    );
    return false;
  }
  return true;
}
