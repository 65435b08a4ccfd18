import { createContextKey, type Context } from '@opentelemetry/api';
import type { RunBudget } from './run-budget';

/** The agent whose execution is in progress: the instance (or function definition) and its recorded identity. */
export interface AgentScope {
  readonly instance: object;
  readonly identity: {
    readonly name: string;
    readonly version?: string;
    readonly description?: string;
    readonly id?: string;
  };
  /** The budgets of this run and of the runs around it, outermost first; absent when none has one. */
  readonly budgets?: readonly RunBudget[];
}

/**
 * Lets a decorated call know whether it is the outermost call on an agent (the agent execution) or a step inside
 * it (a task), and lets plain functions inside a run name the agent they work for.
 */
const AGENT_SCOPE_KEY = createContextKey('agentspan.agent-scope');

export function withAgentScope(ctx: Context, scope: AgentScope): Context {
  return ctx.setValue(AGENT_SCOPE_KEY, scope);
}

export function activeAgentOf(ctx: Context): AgentScope | undefined {
  return ctx.getValue(AGENT_SCOPE_KEY) as AgentScope | undefined;
}
