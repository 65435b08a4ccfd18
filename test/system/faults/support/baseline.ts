import { trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ATTR_AGENTSPAN_INPUT } from '../../../../src/semconv/attributes';
import { runTasks, type Outcome } from './workload';

/**
 * The outcomes of the same calls made without any telemetry: no tracer provider registered, so the decorators only
 * pass the calls through. Computed once per test file, before any rig starts; every scenario compares with it.
 */
export class Baseline {
  private constructor(private readonly outcomes: Map<number, Outcome>) {}

  static async of(tasks: readonly number[]): Promise<Baseline> {
    if (trace.getTracerProvider().getTracer('probe').startSpan('probe').isRecording()) {
      throw new Error('the baseline must be computed before any tracer provider is registered');
    }
    const outcomes = await runTasks(tasks);
    return new Baseline(new Map(tasks.map((task, i) => [task, outcomes[i]!])));
  }

  of(tasks: readonly number[]): Outcome[] {
    return tasks.map((task) => {
      const outcome = this.outcomes.get(task);
      if (outcome === undefined) throw new Error(`no baseline for task ${task}`);
      return outcome;
    });
  }
}

/** The spans of the runs of these tasks (each run is one trace, its agent span's input is `[task]`). */
export function spansOfTasks(spans: readonly ReadableSpan[], tasks: readonly number[]): ReadableSpan[] {
  const wanted = new Set(tasks);
  const traces = new Set<string>();
  for (const span of spans) {
    if (span.parentSpanContext !== undefined) continue;
    const input = span.attributes[ATTR_AGENTSPAN_INPUT];
    const task = typeof input === 'string' ? (JSON.parse(input) as unknown[])[0] : undefined;
    if (typeof task === 'number' && wanted.has(task)) traces.add(span.spanContext().traceId);
  }
  return spans.filter((span) => traces.has(span.spanContext().traceId));
}
