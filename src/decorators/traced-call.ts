import { SpanStatusCode, type Context, type Span } from '@opentelemetry/api';
import { types } from 'node:util';
import { ChunkCollector } from '../capture/chunk-collector';
import { captureJson, captureText } from '../capture/safe-json';
import { captureSettings, type CaptureSettings } from '../capture/settings';
import { addDecisionEvent, looksLikeDecision } from '../context/decision';
import { errorText } from '../context/error-text';
import { addNote } from '../context/note';
import { chargeBudgets, type RunBudget } from '../context/run-budget';
import { attachSpanState, ensureSpanState, SpanState, spanStateOf } from '../context/span-state';
import { applyResponseUsage } from '../context/usage';
import type { ResponseUsage } from '../cost/usage';
import { usageFromResponse } from '../cost/usage-from-response';
import { reportOnce } from '../internal/report-once';
import {
  ATTR_AGENTSPAN_COST_USD,
  ATTR_AGENTSPAN_INPUT,
  ATTR_AGENTSPAN_OUTCOME,
  ATTR_AGENTSPAN_OUTPUT,
  ATTR_ERROR_TYPE,
  ATTR_EXCEPTION_MESSAGE,
  ATTR_EXCEPTION_STACKTRACE,
  ATTR_EXCEPTION_TYPE,
  EVENT_EXCEPTION,
} from '../semconv/attributes';
import type { CallDefinition } from './call-plan';
import { wrapResult, type IterationObserver } from './iteration';
import type { SpanRole } from './types';
import { errorMessage, errorType } from './thrown-error';

/**
 * One recording call: owns its span from start to the single `end()`. Every public method is total — it reports
 * its own failures through diag and never throws into the caller.
 */
export class TracedCall implements IterationObserver {
  private ended = false;
  /** A watched promise's handlers ran once (a hostile then may call them again). */
  private resolved = false;
  private readonly settings: CaptureSettings;
  private chunks: ChunkCollector | undefined;
  private streamedUsage: ResponseUsage | undefined;

  constructor(
    private readonly span: Span,
    private readonly definition: CallDefinition,
    private readonly role: SpanRole,
    private readonly args: unknown[],
    private readonly budgets: readonly RunBudget[] | undefined,
  ) {
    this.settings = captureSettings();
    // Only decision spans need their state up front: it names the decisions recorded inside them.
    if (role === 'decision') {
      attachSpanState(span, new SpanState(definition.options.name ?? definition.functionName));
    }
    if (definition.options.captureInput !== false) {
      const input = this.mapped('mapInput', args);
      if (input !== NOTHING) span.setAttribute(ATTR_AGENTSPAN_INPUT, captureJson(input, this.settings));
    }
  }

  /**
   * Ends the span for a call that returned `result`, and returns `result` itself; except an async function's promise:
   * made by this call and reachable only from here, it is swapped for a derived one unseen, so a stream it resolves to
   * can be wrapped and a rejection the caller ignores stays unhandled, as without us.
   */
  settle(result: unknown, ctx: Context, fn: Function): unknown {
    try {
      if (types.isPromise(result)) {
        if (types.isAsyncFunction(fn) && Object.getPrototypeOf(result) === Promise.prototype) {
          const onError = (error: unknown) => {
            this.fail(error);
            throw error;
          };
          return nativeThen.call(result, (value) => this.settleValue(value, ctx, true), onError);
        }
        this.observe(result, ctx);
        return result;
      }
      return this.settleValue(result, ctx, true);
    } catch (error) {
      reportOnce('settle-failed', `ending a span failed: ${errorText(error)}`);
      this.endOnce();
      return result;
    }
  }

  /**
   * Watches a promise the caller gets unchanged (an SDK's APIPromise keeps `.withResponse()`) through its own `then`:
   * a subclass may resolve only there (APIPromise parses there). Our handlers never throw, so nothing new goes unhandled.
   */
  private observe(promise: Promise<unknown>, ctx: Context): void {
    let then: unknown;
    let derived: unknown;
    try {
      then = promise.then;
      derived = (then as typeof nativeThen).call(
        promise,
        (value) => {
          if (this.resolved) return;
          this.resolved = true;
          this.settleValue(value, ctx, false);
        },
        (error: unknown) => {
          if (this.resolved) return;
          this.resolved = true;
          this.fail(error);
        },
      );
    } catch (error) {
      reportOnce('observe-failed', `watching a returned promise failed; its span ends now: ${errorText(error)}`);
      this.finishUnobserved();
      return;
    }
    // An overridden then may hand back a promise that rejects whatever our handlers do; that rejection would be ours.
    if (then !== nativeThen && types.isPromise(derived)) {
      try {
        nativeThen.call(derived, undefined, ignore);
      } catch (error) {
        reportOnce('observe-failed', `watching a returned promise failed: ${errorText(error)}`);
      }
    }
  }

  /** `substitute`: whether the caller can be handed a wrapper of `value` instead of `value` itself. */
  private settleValue(value: unknown, ctx: Context, substitute: boolean): unknown {
    try {
      const wrapped = wrapResult(value, this, ctx, substitute);
      if (wrapped.iterating) return wrapped.value;
      this.complete(value);
      return value;
    } catch (error) {
      reportOnce('settle-failed', `ending a span failed: ${errorText(error)}`);
      this.endOnce();
      return value;
    }
  }

  /** The call finished with a value: record output, usage and decision, then end. */
  private complete(value: unknown): void {
    if (this.ended) return;
    try {
      if (this.definition.options.captureOutput !== false && value !== undefined) {
        const output = this.mapped('mapOutput', value);
        if (output !== NOTHING && output !== undefined) {
          this.span.setAttribute(ATTR_AGENTSPAN_OUTPUT, captureJson(output, this.settings));
        }
      }
      if (this.role === 'llm' && !spanStateOf(this.span)?.userReportedUsage) {
        const usage = usageFromResponse(value);
        if (usage) this.applyUsage(usage);
      }
      if (this.role === 'tool') this.addToolCost(value, true);
      if (this.role === 'decision' && !spanStateOf(this.span)?.decisionCount && looksLikeDecision(value)) {
        addDecisionEvent(this.span, value);
      }
    } catch (error) {
      reportOnce('complete-failed', `recording a result failed: ${errorText(error)}`);
    }
    this.endOnce();
  }

  /** The call failed: status ERROR with the (redacted) message, error.type, an exception event; then end. */
  fail(error: unknown): void {
    if (this.ended) return;
    try {
      // A fixed tool cost is paid whatever the outcome; a cost computed from the result has no result to go on.
      if (this.role === 'tool') this.addToolCost(undefined, false);
      const message = captureText(errorMessage(error), this.settings);
      const type = errorType(error);
      this.span.setStatus({ code: SpanStatusCode.ERROR, message });
      this.span.setAttribute(ATTR_ERROR_TYPE, type);
      const stack = error instanceof Error && typeof error.stack === 'string' ? error.stack : undefined;
      this.span.addEvent(EVENT_EXCEPTION, {
        [ATTR_EXCEPTION_TYPE]: type,
        [ATTR_EXCEPTION_MESSAGE]: message,
        ...(stack ? { [ATTR_EXCEPTION_STACKTRACE]: captureText(stack, this.settings) } : {}),
      });
    } catch (recordError) {
      reportOnce('fail-failed', `recording an error failed: ${errorText(recordError)}`);
    }
    this.endOnce();
  }

  collect(chunk: unknown): void {
    if (this.ended) return;
    try {
      if (this.definition.options.captureOutput !== false) {
        const output = this.mapped('mapOutput', chunk);
        if (output !== NOTHING) (this.chunks ??= new ChunkCollector(this.settings)).add(output);
      }
      if (this.role === 'llm') {
        const usage = usageFromResponse(chunk);
        if (usage) this.streamedUsage = { ...this.streamedUsage, ...usage };
      }
    } catch (error) {
      reportOnce('collect-failed', `capturing a chunk failed: ${errorText(error)}`);
    }
  }

  finishIteration(outcome: 'completed' | 'cancelled'): void {
    if (this.ended) return;
    try {
      if (this.chunks) this.span.setAttribute(ATTR_AGENTSPAN_OUTPUT, this.chunks.result());
      if (this.streamedUsage && !spanStateOf(this.span)?.userReportedUsage) {
        this.applyUsage(this.streamedUsage);
      }
      if (this.role === 'tool') this.addToolCost(undefined, true);
      if (outcome === 'cancelled') this.span.setAttribute(ATTR_AGENTSPAN_OUTCOME, 'cancelled');
    } catch (error) {
      reportOnce('finish-failed', `recording a stream's end failed: ${errorText(error)}`);
    }
    this.endOnce();
  }

  private applyUsage(usage: ResponseUsage): void {
    applyResponseUsage(this.span, usage);
    chargeBudgets(this.budgets, usage, usage.costUsd);
  }

  /**
   * The `costUsd` option of a tool, added to the span's cost. Whatever the option does — throw, return NaN, a string,
   * a negative amount — the result is untouched: the cost stays unknown, with a note on the span and a diag warning.
   */
  private addToolCost(result: unknown, succeeded: boolean): void {
    const option = this.definition.options.costUsd;
    if (option === undefined || (typeof option === 'function' && !succeeded)) return;
    let cost: unknown;
    try {
      cost = typeof option === 'function' ? option(result, this.args) : option;
    } catch (error) {
      reportOnce(
        `tool-cost-threw:${this.definition.functionName}`,
        `the costUsd function of ${this.definition.functionName} threw: ${errorText(error)}`,
      );
      addNote(this.span, 'tool costUsd', 'threw', 'cost unknown', error instanceof Error ? error.message : error);
      return;
    }
    if (typeof cost !== 'number' || !Number.isFinite(cost) || cost < 0) {
      reportOnce(
        `tool-cost-invalid:${this.definition.functionName}`,
        `the costUsd of ${this.definition.functionName} is not a finite number >= 0; cost unknown`,
      );
      addNote(this.span, 'tool costUsd', 'is not a finite number >= 0', 'cost unknown', cost);
      return;
    }
    const state = ensureSpanState(this.span);
    state.costUsd = (state.costUsd ?? 0) + cost;
    this.span.setAttribute(ATTR_AGENTSPAN_COST_USD, state.costUsd);
    chargeBudgets(this.budgets, undefined, cost);
  }

  /** Ends a span whose result cannot be observed without changing it (a foreign thenable). */
  finishUnobserved(): void {
    this.endOnce();
  }

  private endOnce(): void {
    if (this.ended) return;
    this.ended = true;
    try {
      this.span.end();
    } catch (error) {
      reportOnce('end-failed', `span.end() failed: ${errorText(error)}`);
    }
  }

  /** Applies mapInput/mapOutput; a mapper that throws is reported and the value is not recorded. */
  private mapped(option: 'mapInput' | 'mapOutput', value: unknown): unknown {
    const mapper = this.definition.options[option] as ((value: unknown) => unknown) | undefined;
    if (!mapper) return value;
    try {
      return mapper(value);
    } catch (error) {
      reportOnce(
        `${option}-threw:${this.definition.functionName}`,
        `${option} of ${this.definition.functionName} threw: ${errorText(error)}`,
      );
      return NOTHING;
    }
  }
}

const NOTHING = Symbol('nothing');
const nativeThen = Promise.prototype.then;
const ignore = (): void => {};
