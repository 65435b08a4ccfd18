import type { Attributes } from '@opentelemetry/api';
import { captureSettings } from '../capture/settings';
import {
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
} from '../semconv/attributes';
import { ATTR_GEN_AI_USAGE_COMPLETION_TOKENS, ATTR_GEN_AI_USAGE_PROMPT_TOKENS } from '../semconv/foreign-attributes';
import type { TokenBuckets } from '../model/records';
import { Fields } from './record-fields';

const CACHE_READ = ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS;
const CACHE_WRITE = ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS;
const REASONING = ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS;

/**
 * OTel counts cache reads and writes inside input tokens and reasoning inside output tokens; the store keeps
 * disjoint buckets, so each part is taken out of its total. Unknown stays null; a total smaller than its parts
 * (an instrumentation that reports input without the cache) is stored as 0, with a note.
 */
export function tokenBuckets(attributes: Attributes, fields = new Fields(captureSettings())): TokenBuckets {
  // The names older instrumentations use, when the current ones are absent.
  const inputKey =
    attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS] === undefined
      ? ATTR_GEN_AI_USAGE_PROMPT_TOKENS
      : ATTR_GEN_AI_USAGE_INPUT_TOKENS;
  const outputKey =
    attributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] === undefined
      ? ATTR_GEN_AI_USAGE_COMPLETION_TOKENS
      : ATTR_GEN_AI_USAGE_OUTPUT_TOKENS;
  const input = fields.count(attributes[inputKey], inputKey);
  const output = fields.count(attributes[outputKey], outputKey);
  const cacheRead = fields.count(attributes[CACHE_READ], CACHE_READ);
  const cacheWrite = fields.count(attributes[CACHE_WRITE], CACHE_WRITE);
  const reasoning = fields.count(attributes[REASONING], REASONING);
  return {
    inputTokens: part(input, (cacheRead ?? 0) + (cacheWrite ?? 0), inputKey, 'its cache reads and writes', fields),
    outputTokens: part(output, reasoning ?? 0, outputKey, 'its reasoning tokens', fields),
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    reasoningTokens: reasoning,
  };
}

/** What is left of a total once its parts are taken out; 0, noted, when the parts are more than the total. */
function part(total: number | null, parts: number, key: string, what: string, fields: Fields): number | null {
  if (total === null) return null;
  if (total >= parts) return total - parts;
  fields.note(key, `is less than ${what} (${parts})`, 'stored as 0', total);
  return 0;
}
