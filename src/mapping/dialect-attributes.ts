import type { Attributes, AttributeValue } from '@opentelemetry/api';
import {
  ATTR_AGENTSPAN_COST_USD,
  ATTR_AGENTSPAN_INPUT,
  ATTR_AGENTSPAN_METADATA,
  ATTR_AGENTSPAN_OUTPUT,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_SESSION_ID,
  ATTR_USER_ID,
} from '../semconv/attributes';
import * as F from '../semconv/foreign-attributes';
import type { ExecutionKind } from '../model/records';

/**
 * Another instrumentation's span attributes in agentspan's own vocabulary: every field the mapping reads is filled
 * from the first dialect that has it (the precedence of CONVENTIONS.md), so one mapper serves OTel GenAI (current
 * and deprecated names), OpenInference, Traceloop and Langfuse, and all of them land in the same columns. Names
 * already present are kept. Token figures come out with OTel's meaning (input includes cache reads and writes,
 * output includes reasoning), which the mapping then splits into disjoint buckets; Langfuse's usage_details, whose
 * keys are already disjoint, are added up first. Where one instrumentation means something else by a name (by its
 * scope: Traceloop's Anthropic spans count fresh input only), its figure is turned into OTel's meaning. Request and
 * response model are kept apart (OpenInference overwrites `llm.model_name` with the response model). Values are
 * copied as they are: the mapping checks them.
 */
export function dialectAttributes(
  attributes: Attributes,
  kind: ExecutionKind,
  spanName: string,
  scopeName?: string,
): Attributes {
  // A prototype-less copy, which V8 keeps as a hash table: the names filled in below, added to a copy of each span's
  // own shape, gave every span a chain of hidden classes of its own (measured: 2.4 µs per span of the ingest
  // benchmark). Only known names are read from it, never a method.
  const result: Attributes = Object.assign(Object.create(null) as Attributes, attributes);
  // The first candidate that is neither undefined nor null; fixed parameters rather than a rest array, as this runs
  // some twenty times per span of another instrumentation (with an array and a closure per call: 2.0 µs per span of
  // the ingest benchmark, 1.8 without).
  type Candidate = AttributeValue | null | undefined;
  const fill = (
    key: string,
    c1: Candidate,
    c2?: Candidate,
    c3?: Candidate,
    c4?: Candidate,
    c5?: Candidate,
    c6?: Candidate,
  ) => {
    if (result[key] !== undefined) return;
    const found = c1 ?? c2 ?? c3 ?? c4 ?? c5 ?? c6;
    if (found !== undefined && found !== null) result[key] = found;
  };
  const a = attributes;
  const metadata = jsonObject(a[F.ATTR_METADATA]);
  fill(
    ATTR_GEN_AI_PROVIDER_NAME,
    providerName(a[F.ATTR_GEN_AI_SYSTEM] ?? a[F.ATTR_AI_MODEL_PROVIDER], scopeName),
    a[F.ATTR_LLM_PROVIDER],
    a[F.ATTR_LLM_SYSTEM],
    metadata?.ls_provider as AttributeValue | undefined,
  );
  const models = openInferenceModels(a);
  fill(ATTR_GEN_AI_REQUEST_MODEL, models.request, a[F.ATTR_LANGFUSE_MODEL]);
  fill(ATTR_GEN_AI_RESPONSE_MODEL, models.response);

  const langfuse = langfuseUsage(a[F.ATTR_LANGFUSE_USAGE_DETAILS]);
  fill(
    ATTR_GEN_AI_USAGE_INPUT_TOKENS,
    a[F.ATTR_GEN_AI_USAGE_PROMPT_TOKENS],
    a[F.ATTR_LLM_TOKEN_COUNT_PROMPT],
    langfuse?.input,
  );
  fill(
    ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
    a[F.ATTR_GEN_AI_USAGE_COMPLETION_TOKENS],
    a[F.ATTR_LLM_TOKEN_COUNT_COMPLETION],
    langfuse?.output,
  );
  fill(
    ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
    a[F.ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS_FLAT],
    a[F.ATTR_LLM_TOKEN_COUNT_CACHE_READ],
    a[F.ATTR_AI_USAGE_CACHE_READ_TOKENS],
    a[F.ATTR_AI_USAGE_CACHED_INPUT_TOKENS],
    langfuse?.cacheRead,
  );
  fill(
    ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
    a[F.ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS],
    a[F.ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS_FLAT],
    a[F.ATTR_LLM_TOKEN_COUNT_CACHE_WRITE],
    a[F.ATTR_AI_USAGE_CACHE_WRITE_TOKENS],
    langfuse?.cacheWrite,
  );
  fill(
    ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
    a[F.ATTR_GEN_AI_USAGE_REASONING_TOKENS],
    a[F.ATTR_LLM_TOKEN_COUNT_REASONING],
    a[F.ATTR_AI_USAGE_REASONING_TOKENS],
    a[F.ATTR_AI_USAGE_REASONING_TOKENS_FLAT],
    langfuse?.reasoning,
  );
  if (scopeName === F.SCOPE_TRACELOOP_ANTHROPIC) inputWithCache(result);
  fill(
    ATTR_AGENTSPAN_COST_USD,
    langfuseCost(a[F.ATTR_LANGFUSE_COST_DETAILS]),
    a[F.ATTR_LLM_COST_TOTAL],
    a[F.ATTR_GEN_AI_USAGE_COST],
  );

  fill(ATTR_GEN_AI_TOOL_NAME, a[F.ATTR_AI_TOOL_CALL_NAME]);
  fill(ATTR_USER_ID, a[F.ATTR_LANGFUSE_USER_ID], a[F.ATTR_ENDUSER_ID]);
  fill(ATTR_SESSION_ID, a[F.ATTR_LANGFUSE_SESSION_ID]);
  if (kind === 'agent') {
    // A Langfuse agent observation is named after its agent.
    const observationName = a[F.ATTR_LANGFUSE_OBSERVATION_TYPE] === 'agent' ? spanName : undefined;
    fill(
      ATTR_GEN_AI_AGENT_NAME,
      a[F.ATTR_AGENT_NAME],
      a[F.ATTR_TRACELOOP_ENTITY_NAME],
      agentNameFromSpanName(spanName),
      observationName,
    );
  } else {
    fill(ATTR_GEN_AI_AGENT_NAME, a[F.ATTR_AGENT_NAME]);
  }
  fill(
    ATTR_AGENTSPAN_INPUT,
    a[F.ATTR_GEN_AI_INPUT_MESSAGES],
    a[F.ATTR_INPUT_VALUE],
    a[F.ATTR_TRACELOOP_ENTITY_INPUT],
    a[F.ATTR_LANGFUSE_INPUT],
    a[F.ATTR_GEN_AI_TOOL_CALL_ARGUMENTS],
    a[F.ATTR_AI_TOOL_CALL_ARGS],
  );
  fill(
    ATTR_AGENTSPAN_OUTPUT,
    a[F.ATTR_GEN_AI_OUTPUT_MESSAGES],
    a[F.ATTR_OUTPUT_VALUE],
    a[F.ATTR_TRACELOOP_ENTITY_OUTPUT],
    a[F.ATTR_LANGFUSE_OUTPUT],
    a[F.ATTR_GEN_AI_TOOL_CALL_RESULT],
    a[F.ATTR_AI_TOOL_CALL_RESULT],
  );
  fill(ATTR_AGENTSPAN_METADATA, a[F.ATTR_METADATA], a[F.ATTR_LANGFUSE_TRACE_METADATA], associationProperties(a));
  return result;
}

type Bag = Record<string, unknown>;

/** A JSON-text (SDK 2.x) or object (SDK 3.x) attribute as an object of its entries; undefined for anything else. */
function jsonObject(value: unknown): Bag | undefined {
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Bag) : undefined;
}

const LANGFUSE_CACHE_READ = ['input_cached_tokens', 'cache_read_input_tokens', 'input_cache_read'];
const LANGFUSE_CACHE_WRITE = ['cache_creation_input_tokens', 'input_cache_creation', 'input_cache_write'];
const LANGFUSE_REASONING = ['output_reasoning_tokens', 'output_reasoning', 'reasoning'];

/**
 * Langfuse usage_details: keys are disjoint (its integrations take cached tokens out of `input` and reasoning out of
 * `output`, so that each key is priced once). Returned with OTel's meaning: input and output including their parts.
 */
function langfuseUsage(
  value: unknown,
): { input?: number; output?: number; cacheRead?: number; cacheWrite?: number; reasoning?: number } | undefined {
  const details = jsonObject(value);
  if (details === undefined) return undefined;
  const first = (keys: string[]) => {
    for (const key of keys) if (typeof details[key] === 'number') return details[key] as number;
    return undefined;
  };
  // `promptTokens` / `completionTokens`: the OpenAI-style names Langfuse's own docs show for usageDetails.
  const input = first(['input', 'prompt', 'promptTokens', 'prompt_tokens', 'inputTokens', 'input_tokens']);
  const output = first([
    'output',
    'completion',
    'completionTokens',
    'completion_tokens',
    'outputTokens',
    'output_tokens',
  ]);
  const cacheRead = first(LANGFUSE_CACHE_READ);
  const cacheWrite = first(LANGFUSE_CACHE_WRITE);
  const reasoning = first(LANGFUSE_REASONING);
  return {
    input: input === undefined ? undefined : input + (cacheRead ?? 0) + (cacheWrite ?? 0),
    output: output === undefined ? undefined : output + (reasoning ?? 0),
    cacheRead,
    cacheWrite,
    reasoning,
  };
}

/**
 * Traceloop's Anthropic spans put Anthropic's own `input_tokens` (fresh input, cache reads and writes on top) into
 * `gen_ai.usage.input_tokens`; OTel's input includes the cache, which the mapping then takes out again.
 */
function inputWithCache(result: Attributes): void {
  for (const key of [ATTR_GEN_AI_USAGE_INPUT_TOKENS, F.ATTR_GEN_AI_USAGE_PROMPT_TOKENS]) {
    const input = result[key];
    if (typeof input !== 'number') continue;
    const cacheRead = result[ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS];
    const cacheWrite = result[ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS];
    result[key] =
      input + (typeof cacheRead === 'number' ? cacheRead : 0) + (typeof cacheWrite === 'number' ? cacheWrite : 0);
  }
}

/**
 * The provider from `gen_ai.system` or the AI SDK's `ai.model.provider`: the legacy AI SDK integration gives its
 * provider id (`openai.chat`, `anthropic.messages`), whose first part is the provider, as its newer one reports it.
 */
function providerName(value: AttributeValue | undefined, scopeName: string | undefined): AttributeValue | undefined {
  if (scopeName !== F.SCOPE_AI_SDK_LEGACY || typeof value !== 'string') return value;
  const dot = value.indexOf('.');
  return dot > 0 ? value.slice(0, dot) : value;
}

/**
 * OpenInference's models: `llm.model_name` starts as the request model and is overwritten with the response model
 * when a response names one; the request model stays in `llm.invocation_parameters`. So `llm.model_name` is the
 * response model only when it differs from the model the request asked for.
 */
function openInferenceModels(a: Attributes): { request?: AttributeValue; response?: AttributeValue } {
  const named = a[F.ATTR_LLM_MODEL_NAME];
  const invoked = jsonObject(a[F.ATTR_LLM_INVOCATION_PARAMETERS])?.model;
  const asked = typeof invoked === 'string' && invoked.length > 0 ? invoked : undefined;
  return {
    request: a[F.ATTR_LLM_REQUEST_MODEL_NAME] ?? asked ?? named,
    response: a[F.ATTR_LLM_RESPONSE_MODEL_NAME] ?? (asked !== undefined && named !== asked ? named : undefined),
  };
}

/** Langfuse cost_details: its `total`, else the sum of its parts (input, output, …), in USD. */
function langfuseCost(value: unknown): number | undefined {
  const details = jsonObject(value);
  if (details === undefined) return undefined;
  if (typeof details.total === 'number') return details.total;
  const parts = Object.values(details).filter((part): part is number => typeof part === 'number');
  return parts.length > 0 ? parts.reduce((sum, part) => sum + part, 0) : undefined;
}

/** Traceloop's association properties (`traceloop.association.properties.<key>`) as one JSON object. */
function associationProperties(attributes: Attributes): string | undefined {
  let properties: Bag | undefined;
  // for…in, not Object.entries: no array of pairs per span for the few that have such properties.
  for (const key in attributes) {
    if (key.startsWith(F.TRACELOOP_ASSOCIATION_PREFIX)) {
      (properties ??= {})[key.slice(F.TRACELOOP_ASSOCIATION_PREFIX.length)] = attributes[key];
    }
  }
  return properties === undefined ? undefined : JSON.stringify(properties);
}

/** `invoke_agent Planner` (OTel GenAI) or `Planner.agent` (Traceloop). */
function agentNameFromSpanName(name: string): string | undefined {
  if (name.startsWith('invoke_agent ')) return name.slice('invoke_agent '.length) || undefined;
  if (name.endsWith('.agent')) return name.slice(0, -'.agent'.length) || undefined;
  return undefined;
}
