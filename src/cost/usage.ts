/**
 * Token usage as OpenTelemetry GenAI defines it: `inputTokens` counts every input token including cache reads and
 * writes, `outputTokens` every output token including reasoning; the other three are subsets. Missing means unknown.
 */
export interface TokenUsage {
  inputTokens?: number;
  outputTokens?: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
}

export const TOKEN_FIELDS = [
  'inputTokens',
  'outputTokens',
  'cacheReadTokens',
  'cacheWriteTokens',
  'reasoningTokens',
] as const satisfies ReadonlyArray<keyof TokenUsage>;

/** What a model response tells about the call besides its content. */
export interface ResponseUsage extends TokenUsage {
  responseModel?: string;
  responseId?: string;
  finishReasons?: string[];
  costUsd?: number;
}
