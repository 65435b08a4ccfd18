/** A run tree as the run page draws it: one row per step in tree order, with its depth and time span. */
import type { ExecutionStatus, Performance, RunTotals, StepNode, Tree } from '../types';

export interface StepRow {
  node: StepNode;
  spanId: string;
  depth: number;
  /** How many steps are below it (all depths). */
  descendants: number;
  start: number;
  /** Null while running. */
  end: number | null;
}

/** Every step of the tree, parents before children (iterative: a tree may be thousands of steps deep). */
export function flatten(tree: Tree): StepRow[] {
  const rows: StepRow[] = [];
  const stack: Array<{ node: StepNode; depth: number; parent: number }> = [];
  for (let i = tree.roots.length - 1; i >= 0; i -= 1) stack.push({ node: tree.roots[i]!, depth: 0, parent: -1 });
  const parents: number[] = [];
  while (stack.length > 0) {
    const { node, depth, parent } = stack.pop()!;
    const { execution } = node;
    const start = Date.parse(execution.startedAt);
    rows.push({ node, spanId: execution.spanId, depth, descendants: 0, start, end: endOf(node, start) });
    parents.push(parent);
    const index = rows.length - 1;
    for (let i = node.children.length - 1; i >= 0; i -= 1) {
      stack.push({ node: node.children[i]!, depth: depth + 1, parent: index });
    }
  }
  for (let i = rows.length - 1; i >= 0; i -= 1) {
    const parent = parents[i]!;
    if (parent >= 0) rows[parent]!.descendants += rows[i]!.descendants + 1;
  }
  return rows;
}

/** Where a step ends: at its end time, else after its measured duration; a running step has no end yet. */
function endOf(node: StepNode, start: number): number | null {
  const { status, completedAt } = node.execution;
  if (completedAt !== null) return Date.parse(completedAt);
  const ms = node.performance?.durationMs;
  if (ms != null) return start + ms;
  return status === 'running' ? null : start;
}

/** How long a step took: its measured duration (as the runs list and the CLI show it), else from its times. */
export function stepDuration(row: StepRow, now: number): number {
  return row.node.performance?.durationMs ?? (row.end ?? now) - row.start;
}

/** The rows shown: a collapsed step hides every step below it. */
export function visible(rows: readonly StepRow[], collapsed: ReadonlySet<string>): StepRow[] {
  if (collapsed.size === 0) return rows.slice();
  const shown: StepRow[] = [];
  for (let i = 0; i < rows.length; i += 1) {
    const row = rows[i]!;
    shown.push(row);
    if (collapsed.has(row.spanId)) i += row.descendants;
  }
  return shown;
}

/** From the first start to the last end (now, while a step runs). */
export function runSpan(rows: readonly StepRow[], now: number): { start: number; end: number } {
  let start = Infinity;
  let end = -Infinity;
  for (const row of rows) {
    start = Math.min(start, row.start);
    end = Math.max(end, row.end ?? now);
  }
  return start === Infinity ? { start: now, end: now } : { start, end: Math.max(end, start + 1) };
}

export function runStatus(tree: Tree): ExecutionStatus {
  const roots = tree.roots.map((root) => root.execution.status);
  return roots.includes('running') ? 'running' : (roots[0] ?? 'completed');
}

const EMPTY: RunTotals = {
  inputTokens: null,
  outputTokens: null,
  cacheReadTokens: null,
  cacheWriteTokens: null,
  reasoningTokens: null,
  costUsd: null,
  costUsdExact: null,
  llmCalls: null,
  toolCalls: null,
  errors: null,
  unknownCostCalls: null,
};

const add = (a: number | null, b: number | null | undefined) => (b == null ? a : (a ?? 0) + b);

/**
 * The run's totals: its root agents' subtree totals when the writer has them (a finished run), else the sum of the
 * counted figures of the steps stored so far (`partial`).
 */
export function runTotals(tree: Tree, rows: readonly StepRow[]): { totals: RunTotals; partial: boolean } {
  const rootTotals = tree.roots.map((root) => root.performance?.totals ?? null);
  if (rootTotals.length > 0 && rootTotals.every((totals) => totals !== null)) {
    return {
      totals: rootTotals.reduce<RunTotals>((sum, totals) => sumTotals(sum, totals!), { ...EMPTY }),
      partial: false,
    };
  }
  const totals = { ...EMPTY };
  for (const { node } of rows) {
    const performance = node.performance;
    if (performance === null || performance.totals !== null || !performance.counted) continue;
    addPerformance(totals, performance, node.execution.kind);
  }
  return { totals, partial: true };
}

function sumTotals(a: RunTotals, b: RunTotals): RunTotals {
  const exact =
    a.costUsdExact === null && b.costUsdExact === null
      ? null
      : String(Number(a.costUsdExact ?? 0) + Number(b.costUsdExact ?? 0));
  return {
    inputTokens: add(a.inputTokens, b.inputTokens),
    outputTokens: add(a.outputTokens, b.outputTokens),
    cacheReadTokens: add(a.cacheReadTokens, b.cacheReadTokens),
    cacheWriteTokens: add(a.cacheWriteTokens, b.cacheWriteTokens),
    reasoningTokens: add(a.reasoningTokens, b.reasoningTokens),
    costUsd: add(a.costUsd, b.costUsd),
    costUsdExact: exact,
    llmCalls: add(a.llmCalls, b.llmCalls),
    toolCalls: add(a.toolCalls, b.toolCalls),
    errors: add(a.errors, b.errors),
    unknownCostCalls: add(a.unknownCostCalls, b.unknownCostCalls),
  };
}

function addPerformance(totals: RunTotals, performance: Performance, kind: string): void {
  totals.inputTokens = add(totals.inputTokens, performance.inputTokens);
  totals.outputTokens = add(totals.outputTokens, performance.outputTokens);
  totals.cacheReadTokens = add(totals.cacheReadTokens, performance.cacheReadTokens);
  totals.cacheWriteTokens = add(totals.cacheWriteTokens, performance.cacheWriteTokens);
  totals.reasoningTokens = add(totals.reasoningTokens, performance.reasoningTokens);
  totals.costUsd = add(totals.costUsd, performance.costUsd);
  totals.costUsdExact = totals.costUsd === null ? null : String(totals.costUsd);
  if (kind === 'llm') {
    totals.llmCalls = add(totals.llmCalls, 1);
    if (performance.costUsd === null) totals.unknownCostCalls = add(totals.unknownCostCalls, 1);
    else totals.unknownCostCalls = add(totals.unknownCostCalls, 0);
  }
  if (kind === 'tool') totals.toolCalls = add(totals.toolCalls, 1);
}

/** How the run's model calls were priced: `provided ×2, calculated ×1`. */
export function costSources(rows: readonly StepRow[]): string {
  const counts = new Map<string, number>();
  for (const { node } of rows) {
    const performance = node.performance;
    if (performance === null || performance.totals !== null || !performance.counted) continue;
    if (node.execution.kind !== 'llm' && performance.costUsd === null) continue;
    counts.set(performance.costSource, (counts.get(performance.costSource) ?? 0) + 1);
  }
  return [...counts].map(([source, n]) => `${source} ×${n}`).join(', ');
}
