import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_TOOL_NAME,
} from '../semconv/attributes';
import {
  ATTR_AGENT_NAME,
  ATTR_AI_TOOL_CALL_NAME,
  ATTR_GEN_AI_SYSTEM,
  ATTR_LANGFUSE_MODEL,
  ATTR_LANGFUSE_OBSERVATION_TYPE,
  ATTR_LLM_MODEL_NAME,
  ATTR_LLM_SYSTEM,
  ATTR_OPENINFERENCE_SPAN_KIND,
  ATTR_TRACELOOP_SPAN_KIND,
} from '../semconv/foreign-attributes';
import { agentspanRoleOf } from '../semconv/span-role';
import type { ExecutionKind } from '../model/records';

const OPERATION_KINDS: Readonly<Record<string, ExecutionKind>> = {
  invoke_agent: 'agent',
  create_agent: 'agent',
  execute_tool: 'tool',
  invoke_workflow: 'task',
  agent_step: 'task', // the Vercel AI SDK's step of an agent loop
  chat: 'llm',
  text_completion: 'llm',
  generate_content: 'llm',
  embeddings: 'llm',
};

/** OpenInference span kinds (upper case in the spec; compared in lower case). */
const OPENINFERENCE_KINDS: Readonly<Record<string, ExecutionKind>> = {
  llm: 'llm',
  embedding: 'llm',
  tool: 'tool',
  agent: 'agent',
  chain: 'task',
};

const TRACELOOP_KINDS: Readonly<Record<string, ExecutionKind>> = {
  workflow: 'task',
  task: 'task',
  agent: 'agent',
  tool: 'tool',
};

const LANGFUSE_KINDS: Readonly<Record<string, ExecutionKind>> = {
  generation: 'llm',
  embedding: 'llm',
  agent: 'agent',
  tool: 'tool',
  chain: 'task',
  span: 'task',
};

/** Attributes that make a span a model call when nothing else says what it is. */
const MODEL_ATTRIBUTES = [
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_SYSTEM,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_LLM_MODEL_NAME,
  ATTR_LLM_SYSTEM,
  ATTR_LANGFUSE_MODEL,
];

/**
 * What a span is to the store: agentspan's own role (checked first, so its own spans pay nothing more), else what
 * its GenAI attributes say, in any dialect of CONVENTIONS.md, first match wins: `gen_ai.operation.name`,
 * `openinference.span.kind`, `traceloop.span.kind`, `langfuse.observation.type` (a kind those name that agentspan
 * has no row kind for — retriever, guardrail, evaluator… — is 'other'), then tool attributes, then model attributes.
 * Undefined for spans that are none of these (HTTP, database, …): those are not persisted.
 *
 * An `invoke_agent {model}` span that names no agent — the Vercel AI SDK's span around one generateText call, named
 * after its model — is a task, not a run of an agent called after the model.
 */
export function spanKindOf(
  attributes: Attributes,
  scopeName: string | undefined,
  spanName?: string,
): ExecutionKind | undefined {
  const role = agentspanRoleOf(attributes, scopeName);
  if (role !== undefined) return role;
  const operation = attributes[ATTR_GEN_AI_OPERATION_NAME];
  if (typeof operation === 'string') {
    const kind = OPERATION_KINDS[operation] ?? 'other';
    return kind === 'agent' && isModelNamedAgent(attributes, spanName) ? 'task' : kind;
  }
  const named =
    dialectKind(attributes[ATTR_OPENINFERENCE_SPAN_KIND], OPENINFERENCE_KINDS) ??
    dialectKind(attributes[ATTR_TRACELOOP_SPAN_KIND], TRACELOOP_KINDS) ??
    dialectKind(attributes[ATTR_LANGFUSE_OBSERVATION_TYPE], LANGFUSE_KINDS);
  if (named !== undefined) return named;
  if (attributes[ATTR_GEN_AI_TOOL_NAME] !== undefined || attributes[ATTR_AI_TOOL_CALL_NAME] !== undefined)
    return 'tool';
  for (const key of MODEL_ATTRIBUTES) if (attributes[key] !== undefined) return 'llm';
  if (attributes[ATTR_GEN_AI_AGENT_NAME] !== undefined) return 'agent';
  return undefined;
}

function isModelNamedAgent(attributes: Attributes, spanName: string | undefined): boolean {
  if (attributes[ATTR_GEN_AI_AGENT_NAME] !== undefined || attributes[ATTR_AGENT_NAME] !== undefined) return false;
  const model = attributes[ATTR_GEN_AI_REQUEST_MODEL];
  return typeof model === 'string' && spanName === `invoke_agent ${model}`;
}

function dialectKind(value: unknown, kinds: Readonly<Record<string, ExecutionKind>>): ExecutionKind | undefined {
  if (typeof value !== 'string') return undefined;
  return kinds[value.toLowerCase()] ?? 'other';
}
