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
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_SESSION_ID,
  ATTR_USER_ID,
} from '../semconv/attributes';
import * as F from '../semconv/foreign-attributes';
import type { ExecutionKind } from '../store/records';

/**
 * Another instrumentation's span attributes in agentspan's own vocabulary: every field the mapping reads is filled
 * from the first dialect that has it (the precedence of CONVENTIONS.md), so one mapper serves OTel GenAI (current
 * and deprecated names), OpenInference, Traceloop and Langfuse, and all of them land in the same columns. Names
 * already present are kept. Token figures come out with OTel's meaning (input includes cache reads and writes,
 * output includes reasoning), which the mapping then splits into disjoint buckets; Langfuse's usage_details, whose
 * keys are already disjoint, are added up first. Values are copied as they are: the mapping checks them.
 */
export function dialectAttributes(attributes: Attributes, kind: ExecutionKind, spanName: string): Attributes {
  const result: Attributes = { ...attributes };
  const fill = (key: string, ...candidates: Array<AttributeValue | undefined>) => {
    if (result[key] !== undefined) return;
    const found = candidates.find((candidate) => candidate !== undefined && candidate !== null);
    if (found !== undefined) result[key] = found;
  };
  const a = attributes;
  fill(ATTR_GEN_AI_PROVIDER_NAME, a[F.ATTR_GEN_AI_SYSTEM], a[F.ATTR_LLM_PROVIDER], a[F.ATTR_LLM_SYSTEM]);
  fill(ATTR_GEN_AI_REQUEST_MODEL, a[F.ATTR_LLM_REQUEST_MODEL_NAME], a[F.ATTR_LLM_MODEL_NAME], a[F.ATTR_LANGFUSE_MODEL]);
  fill(ATTR_GEN_AI_RESPONSE_MODEL, a[F.ATTR_LLM_RESPONSE_MODEL_NAME]);

  const langfuse = langfuseUsage(a[F.ATTR_LANGFUSE_USAGE_DETAILS]);
  fill(ATTR_GEN_AI_USAGE_INPUT_TOKENS, a[F.ATTR_GEN_AI_USAGE_PROMPT_TOKENS], a[F.ATTR_LLM_TOKEN_COUNT_PROMPT], langfuse?.input);
  fill(ATTR_GEN_AI_USAGE_OUTPUT_TOKENS, a[F.ATTR_GEN_AI_USAGE_COMPLETION_TOKENS], a[F.ATTR_LLM_TOKEN_COUNT_COMPLETION], langfuse?.output);
  fill(
    ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
    a[F.ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS_FLAT],
    a[F.ATTR_LLM_TOKEN_COUNT_CACHE_READ],
    langfuse?.cacheRead,
  );
  fill(
    ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
    a[F.ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS_FLAT],
    a[F.ATTR_LLM_TOKEN_COUNT_CACHE_WRITE],
    langfuse?.cacheWrite,
  );
  fill(
    ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
    a[F.ATTR_GEN_AI_USAGE_REASONING_TOKENS],
    a[F.ATTR_LLM_TOKEN_COUNT_REASONING],
    langfuse?.reasoning,
  );
  fill(ATTR_AGENTSPAN_COST_USD, langfuseCost(a[F.ATTR_LANGFUSE_COST_DETAILS]), a[F.ATTR_LLM_COST_TOTAL], a[F.ATTR_GEN_AI_USAGE_COST]);

  fill(ATTR_USER_ID, a[F.ATTR_LANGFUSE_USER_ID], a[F.ATTR_ENDUSER_ID]);
  fill(ATTR_SESSION_ID, a[F.ATTR_LANGFUSE_SESSION_ID]);
  if (kind === 'agent') {
    fill(ATTR_GEN_AI_AGENT_NAME, a[F.ATTR_AGENT_NAME], a[F.ATTR_TRACELOOP_ENTITY_NAME], agentNameFromSpanName(spanName));
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
  );
  fill(
    ATTR_AGENTSPAN_OUTPUT,
    a[F.ATTR_GEN_AI_OUTPUT_MESSAGES],
    a[F.ATTR_OUTPUT_VALUE],
    a[F.ATTR_TRACELOOP_ENTITY_OUTPUT],
    a[F.ATTR_LANGFUSE_OUTPUT],
    a[F.ATTR_GEN_AI_TOOL_CALL_RESULT],
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
function langfuseUsage(value: unknown): { input?: number; output?: number; cacheRead?: number; cacheWrite?: number; reasoning?: number } | undefined {
  const details = jsonObject(value);
  if (details === undefined) return undefined;
  const first = (keys: string[]) => {
    for (const key of keys) if (typeof details[key] === 'number') return details[key] as number;
    return undefined;
  };
  const input = first(['input', 'prompt']);
  const output = first(['output', 'completion']);
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
  for (const [key, value] of Object.entries(attributes)) {
    if (key.startsWith(F.TRACELOOP_ASSOCIATION_PREFIX)) {
      (properties ??= {})[key.slice(F.TRACELOOP_ASSOCIATION_PREFIX.length)] = value;
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
