import type { Attributes } from '@opentelemetry/api';
import { ATTR_AGENTSPAN_KIND, type AgentspanKind } from './attributes';
import { TRACER_NAME } from './tracer-name';

const KINDS: ReadonlySet<string> = new Set<AgentspanKind>(['agent', 'task', 'tool', 'llm', 'decision']);

/**
 * The role of a span agentspan created: its `agentspan.kind`, or `task` for an agentspan-scope span without one
 * (tasks, the most common spans, carry no kind attribute). Undefined for spans of other instrumentations.
 */
export function agentspanRoleOf(attributes: Attributes, scopeName: string | undefined): AgentspanKind | undefined {
  const kind = attributes[ATTR_AGENTSPAN_KIND];
  if (typeof kind === 'string' && KINDS.has(kind)) return kind as AgentspanKind;
  return scopeName === TRACER_NAME ? 'task' : undefined;
}
