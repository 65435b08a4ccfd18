import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ATTR_AGENTSPAN_COST_USD } from '../semconv/attributes';
import { TRACER_NAME } from '../semconv/tracer-name';
import { dialectAttributes } from './dialect-attributes';
import { tokenBuckets } from './token-buckets';

/**
 * How much of a model call a span reports: one point per token bucket it knows (input, cache read, cache write,
 * output, reasoning) and one for a cost of its own. Read the way the mapping reads it, every dialect included.
 */
export function usageCompleteness(span: ReadableSpan): number {
  const attributes =
    span.instrumentationScope.name === TRACER_NAME
      ? span.attributes
      : dialectAttributes(span.attributes, 'llm', String(span.name), span.instrumentationScope.name);
  const buckets = tokenBuckets(attributes);
  let known = typeof attributes[ATTR_AGENTSPAN_COST_USD] === 'number' ? 1 : 0;
  for (const figure of [
    buckets.inputTokens,
    buckets.cacheReadTokens,
    buckets.cacheWriteTokens,
    buckets.outputTokens,
    buckets.reasoningTokens,
  ]) {
    if (figure !== null) known++;
  }
  return known;
}
