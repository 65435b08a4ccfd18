import type { RunNode, RunTree } from '../query/types';
import type { ValueLimits } from './result-limits';
import { decisionOf, errorOf, freeForm, totalsOf } from './run-presenters';

/**
 * A run tree as a flat list of steps, depth first (a parent, then its children by start time), each with its depth
 * and parent: a list pages where a tree cannot, and a model reads the nesting off `depth`.
 */

export interface PlacedNode {
  readonly node: RunNode;
  readonly depth: number;
  readonly parentExecutionId: string | null;
}

/** Decisions and events one step lists at most; the step says how many more it has. */
const MAX_DECISIONS_PER_STEP = 10;
const MAX_EVENTS_PER_STEP = 20;

/** Every node of the tree, depth first, roots in order. Iterative: a deep chain of calls cannot overflow the stack. */
export function flattenRun(tree: RunTree): PlacedNode[] {
  const placed: PlacedNode[] = [];
  const stack: PlacedNode[] = [...tree.roots].reverse().map((node) => ({ node, depth: 0, parentExecutionId: null }));
  while (stack.length > 0) {
    const entry = stack.pop()!;
    placed.push(entry);
    const parentExecutionId = entry.node.execution.executionId;
    for (let index = entry.node.children.length - 1; index >= 0; index--) {
      stack.push({ node: entry.node.children[index]!, depth: entry.depth + 1, parentExecutionId });
    }
  }
  return placed;
}

/** One step as get_run answers it; `limits` hold each input, output and other free-form value. */
export function stepOf({ node, depth, parentExecutionId }: PlacedNode, limits: ValueLimits): Record<string, unknown> {
  const { execution, performance } = node;
  const step: Record<string, unknown> = {
    executionId: execution.executionId,
    parentExecutionId,
    depth,
    kind: execution.kind,
    name: execution.name,
    agent: execution.agentName,
    status: execution.status,
    startedAt: execution.startedAt,
    completedAt: execution.completedAt,
    durationMs: performance?.durationMs ?? null,
    error: errorOf(execution),
    input: freeForm(execution.input, limits),
    output: freeForm(execution.output, limits),
  };
  if (depth === 0) {
    // What the run was about: set once by withAgentContext, the same on every step below.
    Object.assign(step, {
      traceId: execution.traceId,
      userId: execution.userId,
      sessionId: execution.sessionId,
      conversationId: execution.conversationId,
      tenantId: execution.tenantId,
      metadata: freeForm(execution.metadata, limits),
    });
  }
  if (performance !== null) {
    Object.assign(step, {
      model:
        performance.requestModel === null && performance.responseModel === null
          ? null
          : { provider: performance.provider, request: performance.requestModel, response: performance.responseModel },
      tokens: {
        input: performance.inputTokens,
        output: performance.outputTokens,
        cacheRead: performance.cacheReadTokens,
        cacheWrite: performance.cacheWriteTokens,
        reasoning: performance.reasoningTokens,
      },
      costUsd: performance.costUsd,
      costSource: performance.costSource,
      // Figures another span of the same model call already reports: left out of every total.
      counted: performance.counted,
      totals: totalsOf(performance.totals),
    });
  }
  if (execution.qualityScore != null) step.qualityScore = execution.qualityScore;
  if (execution.metrics != null) step.metrics = freeForm(execution.metrics, limits);
  if (node.decisions.length > 0) {
    step.decisions = node.decisions.slice(0, MAX_DECISIONS_PER_STEP).map(decisionOf);
    if (node.decisions.length > MAX_DECISIONS_PER_STEP) {
      step.moreDecisions = node.decisions.length - MAX_DECISIONS_PER_STEP;
    }
  }
  if (node.events.length > 0) {
    step.events = node.events.slice(0, MAX_EVENTS_PER_STEP).map((event) => ({
      level: event.level,
      message: event.message,
      attributes: freeForm(event.attributes),
      occurredAt: event.occurredAt,
    }));
    if (node.events.length > MAX_EVENTS_PER_STEP) step.moreEvents = node.events.length - MAX_EVENTS_PER_STEP;
  }
  return step;
}
