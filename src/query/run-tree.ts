import type { DecisionView, EventView, ExecutionView, PerformanceView, RunNode } from './types';

export interface ExecutionWithPerformance {
  execution: ExecutionView;
  performance: PerformanceView | null;
  /** started_at to the microsecond (exactTimestampSql): the Date alone cannot order spans within a millisecond. */
  startedAtExact: string;
}

/**
 * Assembles the executions of one trace (or one subtree) and their decisions and events into trees, in memory, from
 * one flat list per table. Children follow parent_span_id, ordered by start time (to the microsecond); decisions and
 * events are ordered by ordinal.
 *
 * Roots are the executions whose parent is not among them, or `rootExecutionId` alone when given (its parent may
 * well be present in a cyclic corner case). Stored parent links are not trusted to form a tree: an execution is
 * placed once, and executions only reachable through a cycle become roots themselves, so nothing recorded is lost
 * and nothing loops. Decisions and events of executions not in the list are ignored.
 */
export function buildRunTree(
  executions: readonly ExecutionWithPerformance[],
  decisions: readonly DecisionView[],
  events: readonly EventView[],
  rootExecutionId?: string,
): RunNode[] {
  const nodes = new Map<string, RunNode>();
  const exactStart = new Map<RunNode, string>();
  for (const { execution, performance, startedAtExact } of executions) {
    const node: RunNode = { execution, performance, decisions: [], events: [], children: [] };
    nodes.set(execution.executionId, node);
    exactStart.set(node, startedAtExact);
  }
  /** Exact start time, then span id so equal start times still give one fixed order. */
  const byStart = (a: RunNode, b: RunNode): number =>
    compareText(exactStart.get(a)!, exactStart.get(b)!) || compareText(a.execution.spanId, b.execution.spanId);

  for (const decision of decisions) nodes.get(decision.executionId)?.decisions.push(decision);
  for (const event of events) nodes.get(event.executionId)?.events.push(event);

  const bySpanId = new Map<string, RunNode>();
  for (const node of nodes.values()) bySpanId.set(node.execution.spanId, node);
  const childrenOf = new Map<RunNode, RunNode[]>();
  const candidateRoots: RunNode[] = [];
  for (const node of nodes.values()) {
    node.decisions.sort(byOrdinal);
    node.events.sort(byOrdinal);
    const parentSpanId = node.execution.parentSpanId;
    const parent = parentSpanId === null ? undefined : bySpanId.get(parentSpanId);
    const isRequestedRoot = node.execution.executionId === rootExecutionId;
    if (parent === undefined || parent === node || isRequestedRoot) {
      if (rootExecutionId === undefined || isRequestedRoot) candidateRoots.push(node);
      continue;
    }
    const siblings = childrenOf.get(parent);
    if (siblings === undefined) childrenOf.set(parent, [node]);
    else siblings.push(node);
  }

  const placed = new Set<RunNode>();
  const place = (root: RunNode): void => {
    // Iterative, so a degenerate deep chain cannot overflow the stack.
    const stack = [root];
    placed.add(root);
    while (stack.length > 0) {
      const node = stack.pop()!;
      const children = (childrenOf.get(node) ?? []).filter((child) => !placed.has(child)).sort(byStart);
      for (const child of children) placed.add(child);
      node.children = children;
      stack.push(...children);
    }
  };

  const roots = candidateRoots.sort(byStart);
  roots.forEach(place);
  if (rootExecutionId === undefined && placed.size < nodes.size) {
    // Only a cycle of parent links leaves executions unplaced; break it at its earliest execution.
    for (const node of [...nodes.values()].sort(byStart)) {
      if (placed.has(node)) continue;
      roots.push(node);
      place(node);
    }
    roots.sort(byStart);
  }
  return roots;
}

function byOrdinal(a: { ordinal: number }, b: { ordinal: number }): number {
  return a.ordinal - b.ordinal;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
