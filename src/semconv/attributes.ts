/**
 * Attribute and event names agentspan emits. The OTel GenAI names are "development" status upstream and deprecated in
 * @opentelemetry/semantic-conventions, so we keep our own copy (as instrumentation-pg keeps a local semconv file).
 */

// OpenTelemetry GenAI
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
export const ATTR_GEN_AI_AGENT_ID = 'gen_ai.agent.id';
export const ATTR_GEN_AI_AGENT_NAME = 'gen_ai.agent.name';
export const ATTR_GEN_AI_AGENT_VERSION = 'gen_ai.agent.version';
export const ATTR_GEN_AI_AGENT_DESCRIPTION = 'gen_ai.agent.description';
export const ATTR_GEN_AI_CONVERSATION_ID = 'gen_ai.conversation.id';
export const ATTR_GEN_AI_TOOL_NAME = 'gen_ai.tool.name';
export const ATTR_GEN_AI_TOOL_TYPE = 'gen_ai.tool.type';
export const ATTR_GEN_AI_TOOL_DESCRIPTION = 'gen_ai.tool.description';
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const ATTR_GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
export const ATTR_GEN_AI_RESPONSE_ID = 'gen_ai.response.id';
export const ATTR_GEN_AI_RESPONSE_FINISH_REASONS = 'gen_ai.response.finish_reasons';
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
export const ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = 'gen_ai.usage.cache_read.input_tokens';
export const ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS = 'gen_ai.usage.cache_creation.input_tokens';
export const ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS = 'gen_ai.usage.reasoning.output_tokens';

export const GEN_AI_OPERATION_INVOKE_AGENT = 'invoke_agent';
export const GEN_AI_OPERATION_EXECUTE_TOOL = 'execute_tool';
export const GEN_AI_OPERATION_CHAT = 'chat';

// Stable OpenTelemetry names
export const ATTR_ERROR_TYPE = 'error.type';
export const ATTR_CODE_FUNCTION_NAME = 'code.function.name';
export const ATTR_USER_ID = 'user.id';
export const ATTR_SESSION_ID = 'session.id';
export const EVENT_EXCEPTION = 'exception';
export const ATTR_EXCEPTION_TYPE = 'exception.type';
export const ATTR_EXCEPTION_MESSAGE = 'exception.message';
export const ATTR_EXCEPTION_STACKTRACE = 'exception.stacktrace';

// agentspan's own names: what OTel does not define
/** agent | task | tool | llm | decision — the span's role, set on every span agentspan creates. */
export const ATTR_AGENTSPAN_KIND = 'agentspan.kind';
/** Captured input and output: JSON text, redacted and bounded. */
export const ATTR_AGENTSPAN_INPUT = 'agentspan.input';
export const ATTR_AGENTSPAN_OUTPUT = 'agentspan.output';
/** How a streamed or iterated result ended when it did not simply complete: `cancelled`. */
export const ATTR_AGENTSPAN_OUTCOME = 'agentspan.outcome';
export const ATTR_AGENTSPAN_COST_USD = 'agentspan.cost.usd';
/** `estimated` when the application counted the tokens itself (recordUsage `source`); absent means reported. */
export const ATTR_AGENTSPAN_USAGE_SOURCE = 'agentspan.usage.source';
/** An event on the agent span the first time its run goes over its budget. */
export const EVENT_AGENTSPAN_BUDGET_EXCEEDED = 'agentspan.budget.exceeded';
export const ATTR_AGENTSPAN_QUALITY_SCORE = 'agentspan.quality.score';
/** JSON object text of the business metrics recorded on the span (recordMetrics): `{"name": number, …}`. */
export const ATTR_AGENTSPAN_METRICS = 'agentspan.metrics';
export const ATTR_AGENTSPAN_TENANT_ID = 'agentspan.tenant.id';
/** JSON object text of run metadata (issue number, PR number, …). */
export const ATTR_AGENTSPAN_METADATA = 'agentspan.metadata';

/** One event per decision, so a span can carry several. */
export const EVENT_AGENTSPAN_DECISION = 'agentspan.decision';
export const ATTR_DECISION_NAME = 'agentspan.decision.name';
export const ATTR_DECISION_CHOICE = 'agentspan.decision.choice';
export const ATTR_DECISION_ALTERNATIVES = 'agentspan.decision.alternatives';
export const ATTR_DECISION_REASONING = 'agentspan.decision.reasoning';
export const ATTR_DECISION_CONFIDENCE = 'agentspan.decision.confidence';
export const ATTR_DECISION_CONTEXT = 'agentspan.decision.context';

/** log(level, message, attributes) becomes this event; user attributes ride along beside these two. */
export const EVENT_AGENTSPAN_LOG = 'agentspan.log';
export const ATTR_LOG_LEVEL = 'agentspan.log.level';
export const ATTR_LOG_MESSAGE = 'agentspan.log.message';

export type AgentspanKind = 'agent' | 'task' | 'tool' | 'llm' | 'decision';
