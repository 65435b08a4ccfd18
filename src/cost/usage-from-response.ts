import type { ResponseUsage } from './usage';

type Bag = Record<string, unknown>;

/**
 * Reads token usage, model and response id from a model response without the user calling recordUsage. Knows the
 * shapes of an OpenAI chat completion (and its final streaming chunk), an OpenAI Responses API response (and its
 * `response.completed` event), an Anthropic message (and its streaming events), a Google Gemini response and a Vercel
 * AI SDK result. Returns undefined for anything else. Pure and total: never throws on hostile input.
 */
export function usageFromResponse(value: unknown): ResponseUsage | undefined {
  try {
    if (!isBag(value)) return undefined;
    return (
      fromOpenAiResponsesEvent(value) ??
      fromAnthropicStreamEvent(value) ??
      fromOpenAiOrAnthropic(value) ??
      fromGemini(value) ??
      fromVercelAi(value)
    );
  } catch {
    return undefined;
  }
}

function fromOpenAiOrAnthropic(value: Bag): ResponseUsage | undefined {
  const usage = value.usage;
  if (!isBag(usage)) return fromOpenAiChunkWithoutUsage(value);
  // OpenAI chat completions: prompt_tokens already include cached tokens; completion_tokens include reasoning.
  // Gateways speaking this shape (OpenRouter) may report what the call cost in usage.cost.
  if ('prompt_tokens' in usage || 'completion_tokens' in usage) {
    return withResponse(value, {
      inputTokens: count(usage.prompt_tokens),
      outputTokens: count(usage.completion_tokens),
      cacheReadTokens: count(bag(usage.prompt_tokens_details).cached_tokens),
      reasoningTokens: count(bag(usage.completion_tokens_details).reasoning_tokens),
      costUsd: amount(usage.cost),
    });
  }
  // Anthropic messages: cache reads and writes are reported beside input_tokens, not inside it.
  if ('cache_read_input_tokens' in usage || 'cache_creation_input_tokens' in usage || value.type === 'message') {
    return withResponse(value, fromAnthropicUsage(usage));
  }
  // OpenAI Responses API: input_tokens include cached tokens; output_tokens include reasoning.
  if ('input_tokens' in usage || 'output_tokens' in usage) {
    return withResponse(value, {
      inputTokens: count(usage.input_tokens),
      outputTokens: count(usage.output_tokens),
      cacheReadTokens: count(bag(usage.input_tokens_details).cached_tokens),
      reasoningTokens: count(bag(usage.output_tokens_details).reasoning_tokens),
    });
  }
  return undefined;
}

function fromOpenAiResponsesEvent(value: Bag): ResponseUsage | undefined {
  if (value.type !== 'response.completed' && value.type !== 'response.incomplete') return undefined;
  return isBag(value.response) ? fromOpenAiOrAnthropic(value.response) : undefined;
}

function fromAnthropicUsage(usage: Bag): ResponseUsage {
  const input = count(usage.input_tokens);
  const cacheRead = count(usage.cache_read_input_tokens);
  const cacheWrite = count(usage.cache_creation_input_tokens);
  return {
    inputTokens: input === undefined ? undefined : input + (cacheRead ?? 0) + (cacheWrite ?? 0),
    outputTokens: count(usage.output_tokens),
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
  };
}

/**
 * Anthropic streams report input usage in message_start and the (cumulative) output count in message_delta; newer
 * API versions repeat the final input figures in message_delta too, which then win.
 */
function fromAnthropicStreamEvent(value: Bag): ResponseUsage | undefined {
  if (value.type === 'message_start' && isBag(value.message)) return fromOpenAiOrAnthropic(value.message);
  if (value.type === 'message_delta' && isBag(value.usage)) {
    const finish = bag(value.delta).stop_reason;
    const figures =
      'input_tokens' in value.usage
        ? fromAnthropicUsage(value.usage)
        : { outputTokens: count(value.usage.output_tokens) };
    return compact({ ...figures, finishReasons: typeof finish === 'string' ? [finish] : undefined });
  }
  return undefined;
}

/**
 * An OpenAI chat streaming chunk before the last: no usage (that comes in a final chunk of its own, when the request
 * asked for it with stream_options.include_usage), but the finish reason.
 */
function fromOpenAiChunkWithoutUsage(value: Bag): ResponseUsage | undefined {
  if (value.object !== 'chat.completion.chunk') return undefined;
  const finishReasons = finishReasonsOf(value.choices, 'finish_reason');
  return finishReasons === undefined ? undefined : { finishReasons };
}

/**
 * Gemini: promptTokenCount includes cached content; the prompt of tool use (toolUsePromptTokenCount) is input billed
 * beside it; candidatesTokenCount excludes thinking tokens.
 */
function fromGemini(value: Bag): ResponseUsage | undefined {
  const usage = value.usageMetadata;
  if (!isBag(usage)) return undefined;
  const candidates = count(usage.candidatesTokenCount);
  const thoughts = count(usage.thoughtsTokenCount);
  const prompt = count(usage.promptTokenCount);
  return compact({
    inputTokens: prompt === undefined ? undefined : prompt + (count(usage.toolUsePromptTokenCount) ?? 0),
    outputTokens: candidates === undefined && thoughts === undefined ? undefined : (candidates ?? 0) + (thoughts ?? 0),
    cacheReadTokens: count(usage.cachedContentTokenCount),
    reasoningTokens: thoughts,
    responseModel: text(value.modelVersion),
    responseId: text(value.responseId),
    finishReasons: finishReasonsOf(value.candidates, 'finishReason'),
  });
}

/**
 * Vercel AI SDK generateText/streamText results. v5+ reports inputTokens/outputTokens (v6 adds inputTokenDetails with
 * cache reads and writes); v4 reported promptTokens/completionTokens. `totalUsage` covers multi-step calls.
 */
function fromVercelAi(value: Bag): ResponseUsage | undefined {
  const usage = isBag(value.totalUsage) ? value.totalUsage : value.usage;
  if (!isBag(usage)) return undefined;
  const response = bag(value.response);
  const details = bag(usage.inputTokenDetails);
  const outputDetails = bag(usage.outputTokenDetails);
  const figures = compact({
    inputTokens: count(usage.inputTokens) ?? count(usage.promptTokens),
    outputTokens: count(usage.outputTokens) ?? count(usage.completionTokens),
    cacheReadTokens: count(details.cacheReadTokens) ?? count(usage.cachedInputTokens),
    cacheWriteTokens: count(details.cacheWriteTokens),
    reasoningTokens: count(outputDetails.reasoningTokens) ?? count(usage.reasoningTokens),
    responseModel: text(response.modelId),
    responseId: text(response.id),
    finishReasons: typeof value.finishReason === 'string' ? [value.finishReason] : undefined,
  });
  return figures.inputTokens === undefined && figures.outputTokens === undefined ? undefined : figures;
}

function withResponse(value: Bag, figures: ResponseUsage): ResponseUsage {
  const stop = value.stop_reason;
  return compact({
    ...figures,
    responseModel: text(value.model),
    responseId: text(value.id),
    finishReasons: typeof stop === 'string' ? [stop] : finishReasonsOf(value.choices, 'finish_reason'),
  });
}

function finishReasonsOf(list: unknown, field: string): string[] | undefined {
  if (!Array.isArray(list)) return undefined;
  const reasons = list.map((item) => bag(item)[field]).filter((reason): reason is string => typeof reason === 'string');
  return reasons.length > 0 ? reasons : undefined;
}

function compact(figures: ResponseUsage): ResponseUsage {
  const result: Record<string, unknown> = {};
  for (const [key, figure] of Object.entries(figures)) if (figure !== undefined) result[key] = figure;
  return result as ResponseUsage;
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
}

/** A cost in US dollars: finite and not negative. */
function amount(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function isBag(value: unknown): value is Bag {
  return typeof value === 'object' && value !== null;
}

function bag(value: unknown): Bag {
  return isBag(value) ? value : {};
}
