import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_TOOL_NAME,
} from '../semconv/attributes';
import { agentspanRoleOf } from '../semconv/span-role';
import type { ExecutionKind } from '../store/records';

const OPERATION_KINDS: Readonly<Record<string, ExecutionKind>> = {
  invoke_agent: 'agent',
  create_agent: 'agent',
  execute_tool: 'tool',
  invoke_workflow: 'task',
  chat: 'llm',
  text_completion: 'llm',
  generate_content: 'llm',
  embeddings: 'llm',
};

/**
 * What a span is to the store: agentspan's own role, else what its OTel GenAI attributes say. Undefined for spans
 * that are neither (HTTP, database, …): those are not persisted.
 */
export function spanKindOf(attributes: Attributes, scopeName: string | undefined): ExecutionKind | undefined {
  const role = agentspanRoleOf(attributes, scopeName);
  if (role !== undefined) return role;
  const operation = attributes[ATTR_GEN_AI_OPERATION_NAME];
  if (typeof operation === 'string') return OPERATION_KINDS[operation] ?? 'other';
  if (attributes[ATTR_GEN_AI_TOOL_NAME] !== undefined) return 'tool';
  if (
    attributes[ATTR_GEN_AI_PROVIDER_NAME] !== undefined ||
    attributes['gen_ai.system'] !== undefined ||
    attributes[ATTR_GEN_AI_REQUEST_MODEL] !== undefined
  ) {
    return 'llm';
  }
  if (attributes[ATTR_GEN_AI_AGENT_NAME] !== undefined) return 'agent';
  return undefined;
}
