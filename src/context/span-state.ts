import type { Span } from '@opentelemetry/api';
import { TOKEN_FIELDS, type TokenUsage } from '../cost/usage';

/**
 * What agentspan remembers about an open span once something is recorded on it: running usage totals (so several
 * recordUsage calls add up) and the decisions recorded so far. Kept in a WeakMap so nothing outlives the span, and
 * created only on first use: most spans never need one, and a WeakMap entry per span is a real GC cost.
 */
export class SpanState {
  readonly usage: TokenUsage = {};
  costUsd: number | undefined;
  userReportedUsage = false;
  decisionCount = 0;
  /** Business metrics recorded so far (recordMetrics), by name; the last value of a name wins. */
  metrics: Map<string, number> | undefined;

  constructor(readonly decisionName: string | undefined) {}

  /** Adds figures to the running totals and returns the totals of the fields that changed. */
  addUsage(figures: TokenUsage): TokenUsage {
    const changed: TokenUsage = {};
    for (const field of TOKEN_FIELDS) {
      const figure = figures[field];
      if (figure === undefined) continue;
      const total = (this.usage[field] ?? 0) + figure;
      this.usage[field] = total;
      changed[field] = total;
    }
    return changed;
  }
}

const states = new WeakMap<Span, SpanState>();

export function attachSpanState(span: Span, state: SpanState): void {
  states.set(span, state);
}

export function spanStateOf(span: Span): SpanState | undefined {
  return states.get(span);
}

export function ensureSpanState(span: Span): SpanState {
  let state = states.get(span);
  if (!state) {
    state = new SpanState(undefined);
    states.set(span, state);
  }
  return state;
}
