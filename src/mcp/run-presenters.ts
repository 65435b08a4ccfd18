import type { SessionSummary } from '../query/session-types';
import type { DecisionView, ExecutionView, JsonValue, RunSummary, RunTotals } from '../query/types';
import { limitValue, type ValueLimits } from './result-limits';

/**
 * Runs, sessions and decisions as the tools answer them: the fields a model needs to judge a run, free-form values
 * (inputs, outputs, metadata, decision context) held to a budget each, so a page of them stays small.
 */

/** Budget of one free-form value in a listing: enough to recognise it; get_run shows more. */
export const PREVIEW_LIMITS: ValueLimits = { maxStringLength: 200, maxItems: 10, maxDepth: 4, maxLength: 300 };

/** A free-form value within `limits` (null stays null). */
export function freeForm(value: JsonValue | undefined, limits: ValueLimits = PREVIEW_LIMITS): JsonValue {
  return value === undefined || value === null ? null : limitValue(value, limits);
}

/** An execution's error, or null when it has none. */
export function errorOf(execution: Pick<ExecutionView, 'errorType' | 'errorMessage'>): Record<string, unknown> | null {
  if (execution.errorType === null && execution.errorMessage === null) return null;
  return { type: execution.errorType, message: execution.errorMessage };
}

/** Subtree totals without the exact decimal (costUsd carries the figure). */
export function totalsOf(totals: RunTotals | null): Record<string, unknown> | null {
  if (totals === null) return null;
  const { costUsdExact: _exact, ...figures } = totals;
  return figures;
}

/** An agent run of a listing (list_runs): what it was, how it went, what it cost, the start of its input and output. */
export function runOf(run: RunSummary): Record<string, unknown> {
  return {
    traceId: run.traceId,
    executionId: run.executionId,
    agent: run.agentName,
    agentVersion: run.agentVersion,
    status: run.status,
    startedAt: run.startedAt,
    completedAt: run.completedAt,
    durationMs: run.durationMs,
    error: errorOf(run),
    userId: run.userId,
    sessionId: run.sessionId,
    conversationId: run.conversationId,
    tenantId: run.tenantId,
    metadata: freeForm(run.metadata),
    // A nested run is an agent called by another agent of the same trace.
    nested: run.parentSpanId !== null,
    input: freeForm(run.input),
    output: freeForm(run.output),
    qualityScore: run.qualityScore,
    metrics: freeForm(run.metrics),
    totals: totalsOf(run.totals),
  };
}

/** A run inside a session: enough to pick the one to open with get_run. */
function sessionRunOf(run: RunSummary): Record<string, unknown> {
  return {
    traceId: run.traceId,
    agent: run.agentName,
    status: run.status,
    startedAt: run.startedAt,
    durationMs: run.durationMs,
    costUsd: run.totals.costUsd,
    error: errorOf(run),
  };
}

/** Agents named in one session, at most: a session of many agents lists the first ones and says how many more. */
const MAX_SESSION_AGENTS = 20;

export function sessionOf(session: SessionSummary): Record<string, unknown> {
  return {
    sessionId: session.sessionId,
    startedAt: session.startedAt,
    lastStartedAt: session.lastStartedAt,
    endedAt: session.endedAt,
    durationMs: session.durationMs,
    runCount: session.runCount,
    statusCounts: session.statusCounts,
    agents: limitValue(session.agents, { ...PREVIEW_LIMITS, maxItems: MAX_SESSION_AGENTS, maxLength: 2_000 }),
    totals: totalsOf(session.totals),
    runs: session.runs.map(sessionRunOf),
  };
}

export function decisionOf(decision: DecisionView): Record<string, unknown> {
  return {
    decisionId: decision.decisionId,
    traceId: decision.traceId,
    executionId: decision.executionId,
    agent: decision.agentName,
    name: decision.name,
    choice: freeForm(decision.choice),
    alternatives: freeForm(decision.alternatives),
    reasoning: freeForm(decision.reasoning),
    confidence: decision.confidence,
    context: freeForm(decision.context),
    outcome: freeForm(decision.outcome),
    outcomeScore: decision.outcomeScore,
    occurredAt: decision.occurredAt,
  };
}
