import { context, trace, type Attributes, type Span } from '@opentelemetry/api';
import { captureText } from '../capture/safe-json';
import { captureSettings } from '../capture/settings';
import { TOKEN_FIELDS, type ResponseUsage, type TokenUsage } from '../cost/usage';
import { reportOnce } from '../internal/report-once';
import { errorText } from './error-text';
import {
  ATTR_AGENTSPAN_COST_USD,
  ATTR_AGENTSPAN_USAGE_SOURCE,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
} from '../semconv/attributes';
import { activeAgentOf } from './agent-scope';
import { addNote } from './note';
import { chargeBudgets } from './run-budget';
import { ensureSpanState } from './span-state';

/**
 * Token usage of a model call, with OpenTelemetry's meaning: `inputTokens` counts all input tokens including cache
 * reads and writes; `outputTokens` all output tokens including reasoning. The cache and reasoning figures are the
 * parts of those totals. `model` is the model that answered; `costUsd` a cost the provider or you know.
 */
export interface UsageReport extends TokenUsage {
  model?: string;
  provider?: string;
  costUsd?: number;
  /** `estimated` when you counted the tokens yourself (a tokenizer, a guess); default: reported by the provider. */
  source?: 'provided' | 'estimated';
}

const TOKEN_ATTRIBUTE: Record<keyof TokenUsage, string> = {
  inputTokens: ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  outputTokens: ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  cacheReadTokens: ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  cacheWriteTokens: ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  reasoningTokens: ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
};

/**
 * Records token usage (and optionally model, provider, cost) on the active span. Several calls on one span add up.
 * Outside any span it does nothing. Figures that are not finite numbers >= 0 are left out, noted on the span (a
 * `warn` event) and reported once.
 */
export function recordUsage(usage: UsageReport): void {
  try {
    const span = trace.getActiveSpan();
    if (!span || !span.isRecording() || usage === null || typeof usage !== 'object') return;
    const figures = validTokens(span, usage);
    const cost = validCost(span, usage.costUsd);
    const state = ensureSpanState(span);
    // Only reported tokens stop @LLM from reading them off the response; a cost alone does not.
    if (Object.keys(figures).length > 0) state.userReportedUsage = true;
    setTokens(span, state.addUsage(figures));
    if (cost !== undefined) {
      state.costUsd = (state.costUsd ?? 0) + cost;
      span.setAttribute(ATTR_AGENTSPAN_COST_USD, state.costUsd);
    }
    chargeBudgets(activeAgentOf(context.active())?.budgets, figures, cost);
    if (usage.source === 'estimated') span.setAttribute(ATTR_AGENTSPAN_USAGE_SOURCE, 'estimated');
    else if (usage.source !== undefined && usage.source !== 'provided') {
      addNote(span, 'recordUsage source', "is not 'provided' or 'estimated'", 'not recorded', usage.source);
    }
    setName(span, ATTR_GEN_AI_RESPONSE_MODEL, 'model', usage.model);
    setName(span, ATTR_GEN_AI_PROVIDER_NAME, 'provider', usage.provider);
  } catch (error) {
    reportOnce('record-usage-failed', `recordUsage failed: ${errorText(error)}`);
  }
}

/** Puts usage read from a model response on the span; used by @LLM when the user did not report usage. */
export function applyResponseUsage(span: Span, usage: ResponseUsage): void {
  setTokens(span, usage);
  const settings = captureSettings();
  const attributes: Attributes = {};
  if (usage.responseModel) attributes[ATTR_GEN_AI_RESPONSE_MODEL] = captureText(usage.responseModel, settings);
  if (usage.responseId) attributes[ATTR_GEN_AI_RESPONSE_ID] = captureText(usage.responseId, settings);
  if (usage.finishReasons) {
    attributes[ATTR_GEN_AI_RESPONSE_FINISH_REASONS] = usage.finishReasons.map((r) => captureText(r, settings));
  }
  if (usage.costUsd !== undefined) attributes[ATTR_AGENTSPAN_COST_USD] = usage.costUsd;
  span.setAttributes(attributes);
}

/** A model or provider name given to recordUsage: text is captured; anything else is noted and left out. */
function setName(span: Span, attribute: string, field: 'model' | 'provider', name: unknown): void {
  if (name === undefined || name === null || name === '') return;
  if (typeof name === 'string') {
    span.setAttribute(attribute, captureText(name, captureSettings()));
  } else {
    addNote(span, `recordUsage ${field}`, 'is not a string', 'not recorded', name);
  }
}

function setTokens(span: Span, figures: TokenUsage): void {
  for (const field of TOKEN_FIELDS) {
    const figure = figures[field];
    if (figure !== undefined) span.setAttribute(TOKEN_ATTRIBUTE[field], figure);
  }
}

function validTokens(span: Span, usage: UsageReport): TokenUsage {
  const figures: TokenUsage = {};
  for (const field of TOKEN_FIELDS) {
    const figure: unknown = usage[field];
    if (figure === undefined || figure === null) continue;
    if (typeof figure !== 'number' || !Number.isFinite(figure) || figure < 0) {
      reportOnce(`usage-${field}`, `recordUsage: ${field} must be a finite number >= 0; the value was not recorded`);
      addNote(span, `recordUsage ${field}`, 'is not a finite number >= 0', 'not recorded', figure);
      continue;
    }
    figures[field] = Math.round(figure);
  }
  return figures;
}

function validCost(span: Span, cost: unknown): number | undefined {
  if (cost === undefined || cost === null) return undefined;
  if (typeof cost !== 'number' || !Number.isFinite(cost) || cost < 0) {
    reportOnce('usage-cost', 'recordUsage: costUsd must be a finite number >= 0; the value was not recorded');
    addNote(span, 'recordUsage costUsd', 'is not a finite number >= 0', 'not recorded', cost);
    return undefined;
  }
  return cost;
}
