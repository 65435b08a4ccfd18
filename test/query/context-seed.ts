import type { ExecutionStatus, SpanRecord } from '../../src/model/records';
import type { MetadataScalar } from '../../src/query/run-filter-types';
import { finalSpan, newSpanId } from '../support/span-records';
import { agentRun, decisionRecord } from './run-seeds';

/**
 * Agent runs with the context withAgentContext gives them (metadata, session, conversation, tenant), and children
 * that carry the same context, as the processor writes them: every span started inside the context has it.
 */

export interface ContextRunSpec {
  agent: string;
  startedAt: Date;
  status?: ExecutionStatus;
  tenantId?: string | null;
  metadata?: Record<string, MetadataScalar> | null;
  sessionId?: string | null;
  conversationId?: string | null;
  error?: { type: string; message: string };
  traceId?: string;
  parentSpanId?: string | null;
  /** The cost of the run's one LLM call (a string decimal), and its tokens: cost ÷ 10⁻⁴ in, a tenth of it out. */
  llmCost?: string;
  /** A decision taken in the run's own span. */
  decision?: boolean;
}

/** The context columns of a spec, as the execution record holds them. */
export function contextOf(spec: ContextRunSpec) {
  return {
    tenantId: spec.tenantId === undefined ? 'acme' : spec.tenantId,
    metadata: spec.metadata == null ? null : JSON.stringify(spec.metadata),
    sessionId: spec.sessionId ?? null,
    conversationId: spec.conversationId ?? null,
  };
}

/** The agent run of a spec (with its decision), and its LLM call when it has a cost. */
export function contextRun(spec: ContextRunSpec): { run: SpanRecord; children: SpanRecord[] } {
  const context = contextOf(spec);
  const run = agentRun({
    agentName: spec.agent,
    startedAt: spec.startedAt,
    status: spec.status,
    tenantId: context.tenantId,
    traceId: spec.traceId,
    parentSpanId: spec.parentSpanId,
    execution: {
      metadata: context.metadata,
      sessionId: context.sessionId,
      conversationId: context.conversationId,
      ...(spec.error === undefined ? {} : { errorType: spec.error.type, errorMessage: spec.error.message }),
    },
  });
  if (spec.decision) run.decisions = [decisionRecord(0, { occurredAt: spec.startedAt })];
  const children = spec.llmCost === undefined ? [] : [llmCall(run, spec.llmCost)];
  return { run, children };
}

/** An LLM call in a run, one second after its start, with the run's agent and context. */
export function llmCall(parent: SpanRecord, cost: string): SpanRecord {
  const p = parent.execution;
  const input = Math.round(Number(cost) * 10_000);
  return finalSpan({
    traceId: p.traceId,
    parentSpanId: p.spanId,
    kind: 'llm',
    execution: {
      name: 'chat gpt-4o',
      agentName: p.agentName,
      startedAt: new Date(new Date(p.startedAt).getTime() + 1000),
      tenantId: p.tenantId,
      userId: p.userId,
      metadata: p.metadata,
      sessionId: p.sessionId,
      conversationId: p.conversationId,
    },
    performance: {
      provider: 'openai',
      requestModel: 'gpt-4o',
      responseModel: 'gpt-4o-2026',
      inputTokens: input,
      outputTokens: Math.round(input / 10),
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      costUsd: cost,
      costSource: 'provided',
      usageSource: 'provided',
    },
  });
}

/** A step of a run that is not an agent (a tool that calls a sub-agent, say), with the run's context. */
export function toolStep(parent: SpanRecord, startedAt: Date, cost: string | null = null): SpanRecord {
  const p = parent.execution;
  return finalSpan({
    traceId: p.traceId,
    spanId: newSpanId(),
    parentSpanId: p.spanId,
    kind: 'tool',
    execution: {
      name: 'execute_tool delegate',
      agentName: p.agentName,
      startedAt,
      tenantId: p.tenantId,
      metadata: p.metadata,
      sessionId: p.sessionId,
      conversationId: p.conversationId,
    },
    performance: cost === null ? {} : { costUsd: cost, costSource: 'provided' },
  });
}
