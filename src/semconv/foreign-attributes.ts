/**
 * Attribute names of other instrumentations' dialects that agentspan reads (never emits): deprecated OTel GenAI
 * names, OpenInference (Arize Phoenix), Traceloop / OpenLLMetry and Langfuse. See /shared/docs/CONVENTIONS.md.
 */

// OTel GenAI, deprecated or non-standard names still emitted by instrumentations (Traceloop among them).
export const ATTR_GEN_AI_SYSTEM = 'gen_ai.system';
export const ATTR_GEN_AI_USAGE_PROMPT_TOKENS = 'gen_ai.usage.prompt_tokens';
export const ATTR_GEN_AI_USAGE_COMPLETION_TOKENS = 'gen_ai.usage.completion_tokens';
export const ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS_FLAT = 'gen_ai.usage.cache_read_input_tokens';
export const ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS_FLAT = 'gen_ai.usage.cache_creation_input_tokens';
export const ATTR_GEN_AI_USAGE_REASONING_TOKENS = 'gen_ai.usage.reasoning_tokens';
export const ATTR_GEN_AI_USAGE_COST = 'gen_ai.usage.cost';
export const ATTR_GEN_AI_INPUT_MESSAGES = 'gen_ai.input.messages';
export const ATTR_GEN_AI_OUTPUT_MESSAGES = 'gen_ai.output.messages';
export const ATTR_GEN_AI_TOOL_CALL_ARGUMENTS = 'gen_ai.tool.call.arguments';
export const ATTR_GEN_AI_TOOL_CALL_RESULT = 'gen_ai.tool.call.result';

// OpenInference
export const ATTR_OPENINFERENCE_SPAN_KIND = 'openinference.span.kind';
export const ATTR_LLM_MODEL_NAME = 'llm.model_name';
export const ATTR_LLM_REQUEST_MODEL_NAME = 'llm.request.model_name';
export const ATTR_LLM_RESPONSE_MODEL_NAME = 'llm.response.model_name';
export const ATTR_LLM_PROVIDER = 'llm.provider';
export const ATTR_LLM_SYSTEM = 'llm.system';
export const ATTR_LLM_TOKEN_COUNT_PROMPT = 'llm.token_count.prompt';
export const ATTR_LLM_TOKEN_COUNT_COMPLETION = 'llm.token_count.completion';
export const ATTR_LLM_TOKEN_COUNT_CACHE_READ = 'llm.token_count.prompt_details.cache_read';
export const ATTR_LLM_TOKEN_COUNT_CACHE_WRITE = 'llm.token_count.prompt_details.cache_write';
export const ATTR_LLM_TOKEN_COUNT_REASONING = 'llm.token_count.completion_details.reasoning';
export const ATTR_LLM_COST_TOTAL = 'llm.cost.total';
export const ATTR_INPUT_VALUE = 'input.value';
export const ATTR_OUTPUT_VALUE = 'output.value';
export const ATTR_AGENT_NAME = 'agent.name';
export const ATTR_METADATA = 'metadata';

// Traceloop / OpenLLMetry
export const ATTR_TRACELOOP_SPAN_KIND = 'traceloop.span.kind';
export const ATTR_TRACELOOP_ENTITY_NAME = 'traceloop.entity.name';
export const ATTR_TRACELOOP_ENTITY_INPUT = 'traceloop.entity.input';
export const ATTR_TRACELOOP_ENTITY_OUTPUT = 'traceloop.entity.output';
export const TRACELOOP_ASSOCIATION_PREFIX = 'traceloop.association.properties.';

// Langfuse
export const ATTR_LANGFUSE_OBSERVATION_TYPE = 'langfuse.observation.type';
export const ATTR_LANGFUSE_MODEL = 'langfuse.observation.model.name';
export const ATTR_LANGFUSE_USAGE_DETAILS = 'langfuse.observation.usage_details';
export const ATTR_LANGFUSE_COST_DETAILS = 'langfuse.observation.cost_details';
export const ATTR_LANGFUSE_INPUT = 'langfuse.observation.input';
export const ATTR_LANGFUSE_OUTPUT = 'langfuse.observation.output';
export const ATTR_LANGFUSE_USER_ID = 'langfuse.user.id';
export const ATTR_LANGFUSE_SESSION_ID = 'langfuse.session.id';
export const ATTR_LANGFUSE_TRACE_METADATA = 'langfuse.trace.metadata';

export const ATTR_ENDUSER_ID = 'enduser.id';

// Anthropic SDK's own tracing: the cache write count under its own name (OTel's is cache_creation).
export const ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS = 'gen_ai.usage.cache_write.input_tokens';

// OpenInference: the request's parameters as JSON text (its `model` is the request model).
export const ATTR_LLM_INVOCATION_PARAMETERS = 'llm.invocation_parameters';

// Langfuse: an observation's level (DEBUG, DEFAULT, WARNING, ERROR) and status message.
export const ATTR_LANGFUSE_LEVEL = 'langfuse.observation.level';
export const ATTR_LANGFUSE_STATUS_MESSAGE = 'langfuse.observation.status_message';

// Vercel AI SDK, LegacyOpenTelemetry integration (`ai.*`).
export const ATTR_AI_OPERATION_ID = 'ai.operationId';
export const ATTR_AI_MODEL_PROVIDER = 'ai.model.provider';
export const ATTR_AI_USAGE_CACHED_INPUT_TOKENS = 'ai.usage.cachedInputTokens';
export const ATTR_AI_USAGE_CACHE_READ_TOKENS = 'ai.usage.inputTokenDetails.cacheReadTokens';
export const ATTR_AI_USAGE_CACHE_WRITE_TOKENS = 'ai.usage.inputTokenDetails.cacheWriteTokens';
export const ATTR_AI_USAGE_REASONING_TOKENS = 'ai.usage.outputTokenDetails.reasoningTokens';
export const ATTR_AI_USAGE_REASONING_TOKENS_FLAT = 'ai.usage.reasoningTokens';
export const ATTR_AI_TOOL_CALL_NAME = 'ai.toolCall.name';
export const ATTR_AI_TOOL_CALL_ARGS = 'ai.toolCall.args';
export const ATTR_AI_TOOL_CALL_RESULT = 'ai.toolCall.result';

/** Instrumentation scopes whose token attributes mean something else than OTel's (see dialect-attributes). */
export const SCOPE_TRACELOOP_ANTHROPIC = '@traceloop/instrumentation-anthropic';
export const SCOPE_AI_SDK_LEGACY = 'ai';
