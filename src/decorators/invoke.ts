import { context, trace, type Context, type Span, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { runAttributesOf } from '../context/run-attributes';
import { activeAgentOf, withAgentScope } from '../context/agent-scope';
import type { BudgetExceededError } from '../context/budget-exceeded-error';
import { RunBudget } from '../context/run-budget';
import { errorText } from '../context/error-text';
import { reportOnce } from '../internal/report-once';
import { TRACER_NAME } from '../semconv/tracer-name';
import { VERSION } from '../version';
import { planCall, userAttributes, type CallDefinition } from './call-plan';
import { TracedCall } from './traced-call';

let cachedProvider: TracerProvider | undefined;
let cachedTracer: Tracer | undefined;

// The global provider object changes only when OTel is re-registered, so the tracer lookup is done once per provider.
function tracer(): Tracer {
  const provider = trace.getTracerProvider();
  if (provider !== cachedProvider || cachedTracer === undefined) {
    cachedProvider = provider;
    cachedTracer = provider.getTracer(TRACER_NAME, VERSION);
  }
  return cachedTracer;
}

/**
 * The one invocation engine behind every decorator and `traced()`: starts the span, runs the original function in
 * the span's context exactly once, and hands the result to TracedCall, which ends the span when the result is
 * complete (now, when a promise settles, or when an iteration or stream finishes). Whatever fails in here is
 * reported through diag and the original function still runs with its result and errors untouched.
 */
export function invokeTraced(definition: CallDefinition, self: unknown, args: unknown[], original: Function): unknown {
  let ctx: Context | undefined;
  let call: TracedCall | undefined;
  let span: Span | undefined;
  let refusal: BudgetExceededError | undefined;
  try {
    const parent = context.active();
    const scope = activeAgentOf(parent);
    refusal = scope?.budgets === undefined ? undefined : refusalOf(scope.budgets);
    if (refusal !== undefined) return refuse(original, refusal);
    const plan = planCall(definition, self, parent);
    const { shape } = plan;
    const runAttributes = runAttributesOf(parent);
    const extra = userAttributes(definition, self, args);
    const attributes = runAttributes || extra ? { ...shape.attributes, ...runAttributes, ...extra } : shape.attributes;
    span = tracer().startSpan(shape.name, { kind: shape.kind, attributes }, parent);
    ctx = trace.setSpan(parent, span);
    let budgets = scope?.budgets;
    if (plan.role === 'agent' && plan.agent) {
      const instance = typeof self === 'object' && self !== null ? self : definition;
      const own = plan.agent.budget && new RunBudget(plan.agent.budget, plan.agent.name, span);
      if (own) budgets = [...(budgets ?? []), own];
      ctx = withAgentScope(ctx, { instance, identity: plan.agent, budgets });
    }
    if (span.isRecording()) call = new TracedCall(span, definition, plan.role, args, budgets);
  } catch (error) {
    // The budget's refusal is the one error meant for the caller.
    if (refusal !== undefined && error === refusal) throw error;
    reportOnce('invoke-failed', `starting a span failed; the call runs untraced: ${errorText(error)}`);
    endQuietly(span);
  }
  if (ctx === undefined) return original.apply(self, args);
  if (call === undefined) return context.with(ctx, () => original.apply(self, args));
  let result: unknown;
  try {
    result = context.with(ctx, () => original.apply(self, args));
  } catch (error) {
    call.fail(error);
    throw error;
  }
  return call.settle(result, ctx, original);
}

function refusalOf(budgets: readonly RunBudget[]): BudgetExceededError | undefined {
  for (const budget of budgets) {
    const refusal = budget.refusal();
    if (refusal !== undefined) return refusal;
  }
  return undefined;
}

/**
 * Refuses a call of a run over its budget (`onExceed: 'throw'`) without running it: an async function gets a
 * rejected promise, as its callers expect its failures; anything else throws.
 */
function refuse(original: Function, error: BudgetExceededError): unknown {
  if (original.constructor?.name === 'AsyncFunction') return Promise.reject(error);
  throw error;
}

// A span we started but could not take charge of must still end, or it would never reach the processors.
function endQuietly(span: Span | undefined): void {
  try {
    span?.end();
  } catch {
    // Nothing more can be done for this span; the call itself goes on.
  }
}

/** Wraps a function so each call goes through the engine; keeps its name and length. */
export function wrapFunction<F extends Function>(original: F, definition: CallDefinition): F {
  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    return invokeTraced(definition, this, args, original);
  };
  Object.defineProperty(wrapped, 'name', { value: original.name, configurable: true });
  Object.defineProperty(wrapped, 'length', { value: original.length, configurable: true });
  return wrapped as unknown as F;
}
