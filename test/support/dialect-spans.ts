import { SemanticConventions, OpenInferenceSpanKind } from '@arizeai/openinference-semantic-conventions';
import { LangfuseOtelSpanAttributes } from '@langfuse/core';
import { SpanAttributes as Traceloop, TraceloopSpanKindValues } from '@traceloop/ai-semantic-conventions';
import { SpanKind, trace, type Attributes } from '@opentelemetry/api';

/**
 * The same model call — gpt-4o answering with 1,500 input tokens of which 500 cached, and 200 output tokens of which
 * 50 reasoning — as each instrumentation dialect records it, with exactly the attribute names that library emits
 * (their own semantic-convention constants where they publish them). Stored, each must give the same row: input
 * 1,000, cache read 500, output 150, reasoning 50, priced at gpt-4o's list price: $0.005125.
 */
export const DIALECT_CHAT_SPANS: Record<string, { scope: string; name: string; attributes: Attributes }> = {
  'OTel GenAI': {
    scope: '@opentelemetry/instrumentation-openai',
    name: 'chat gpt-4o',
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.usage.input_tokens': 1500,
      'gen_ai.usage.output_tokens': 200,
      'gen_ai.usage.cache_read.input_tokens': 500,
      'gen_ai.usage.reasoning.output_tokens': 50,
      'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"hello"}]}]',
      'gen_ai.output.messages': '[{"role":"assistant","parts":[{"type":"text","content":"hi"}]}]',
    },
  },
  OpenInference: {
    scope: '@arizeai/openinference-instrumentation-openai',
    name: 'OpenAI Chat Completions',
    attributes: {
      [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.LLM,
      [SemanticConventions.LLM_MODEL_NAME]: 'gpt-4o-2024-08-06',
      [SemanticConventions.LLM_PROVIDER]: 'openai',
      [SemanticConventions.LLM_SYSTEM]: 'openai',
      [SemanticConventions.LLM_TOKEN_COUNT_PROMPT]: 1500,
      [SemanticConventions.LLM_TOKEN_COUNT_COMPLETION]: 200,
      [SemanticConventions.LLM_TOKEN_COUNT_TOTAL]: 1700,
      [SemanticConventions.LLM_TOKEN_COUNT_PROMPT_DETAILS_CACHE_READ]: 500,
      [SemanticConventions.LLM_TOKEN_COUNT_COMPLETION_DETAILS_REASONING]: 50,
      [SemanticConventions.INPUT_VALUE]: '{"messages":[{"role":"user","content":"hello"}]}',
      [SemanticConventions.INPUT_MIME_TYPE]: 'application/json',
      [SemanticConventions.OUTPUT_VALUE]: '{"choices":[{"message":{"content":"hi"}}]}',
      [SemanticConventions.OUTPUT_MIME_TYPE]: 'application/json',
    },
  },
  Traceloop: {
    scope: '@traceloop/instrumentation-openai',
    name: 'openai.chat',
    attributes: {
      'gen_ai.system': 'openai',
      [Traceloop.LLM_REQUEST_TYPE]: 'chat',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.usage.prompt_tokens': 1500,
      'gen_ai.usage.completion_tokens': 200,
      [Traceloop.LLM_USAGE_TOTAL_TOKENS]: 1700,
      [Traceloop.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]: 500,
      [Traceloop.GEN_AI_USAGE_REASONING_TOKENS]: 50,
      'gen_ai.prompt.0.role': 'user',
      'gen_ai.prompt.0.content': 'hello',
      'gen_ai.completion.0.role': 'assistant',
      'gen_ai.completion.0.content': 'hi',
    },
  },
  Langfuse: {
    scope: 'langfuse-sdk',
    name: 'OpenAI-generation',
    attributes: {
      [LangfuseOtelSpanAttributes.OBSERVATION_TYPE]: 'generation',
      [LangfuseOtelSpanAttributes.OBSERVATION_MODEL]: 'gpt-4o-2024-08-06',
      // Langfuse keeps usage keys disjoint: cached tokens out of input, reasoning out of output.
      [LangfuseOtelSpanAttributes.OBSERVATION_USAGE_DETAILS]: JSON.stringify({
        input: 1000,
        input_cached_tokens: 500,
        output: 150,
        output_reasoning_tokens: 50,
        total: 1700,
      }),
      [LangfuseOtelSpanAttributes.OBSERVATION_INPUT]: '[{"role":"user","content":"hello"}]',
      [LangfuseOtelSpanAttributes.OBSERVATION_OUTPUT]: '{"role":"assistant","content":"hi"}',
      [LangfuseOtelSpanAttributes.OBSERVATION_LEVEL]: 'DEFAULT',
    },
  },
};

/** Ends one span of that dialect as a child of the active span (as its instrumentation would). */
export function emitDialectSpan(dialect: keyof typeof DIALECT_CHAT_SPANS): void {
  const { scope, name, attributes } = DIALECT_CHAT_SPANS[dialect]!;
  trace.getTracer(scope).startSpan(name, { kind: SpanKind.CLIENT, attributes }).end();
}

export { OpenInferenceSpanKind, SemanticConventions, LangfuseOtelSpanAttributes, Traceloop, TraceloopSpanKindValues };
