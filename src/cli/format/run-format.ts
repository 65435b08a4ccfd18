import type { DecisionView, RunNode, RunSummary } from '../../query/types';
import { oneLine } from './text-table';

/** One table row per run, as `agentspan runs` prints them. */
export function runRows(runs: readonly RunSummary[]): Array<Record<string, string>> {
  return runs.map((run) => ({
    started: run.startedAt.toISOString(),
    agent: run.agentName ?? run.name,
    status: run.status,
    duration: milliseconds(run.durationMs),
    'tokens in': count(sum(run.totals.inputTokens, run.totals.cacheReadTokens, run.totals.cacheWriteTokens)),
    'tokens out': count(sum(run.totals.outputTokens, run.totals.reasoningTokens)),
    'cost $': run.totals.costUsdExact === null ? 'unknown' : Number(run.totals.costUsdExact).toFixed(5),
    trace: run.traceId,
    error: run.errorMessage === null ? '' : oneLine(run.errorMessage, 60),
  }));
}

/** A run tree, one line per execution, children indented under their parent. */
export function treeLines(roots: readonly RunNode[]): string {
  const lines: string[] = [];
  const visit = (node: RunNode, indent: string) => {
    const { execution, performance } = node;
    const parts = [`${indent}${execution.name} [${execution.kind}, ${execution.status}]`];
    if (performance?.durationMs != null) parts.push(milliseconds(performance.durationMs));
    if (performance !== null && (performance.inputTokens !== null || performance.outputTokens !== null)) {
      parts.push(`${count(performance.inputTokens)} in / ${count(performance.outputTokens)} out`);
    }
    const cost = performance?.totals?.costUsdExact ?? performance?.costUsdExact ?? null;
    if (cost !== null) parts.push(`$${Number(cost).toFixed(5)}`);
    if (execution.metrics !== null) {
      parts.push(
        Object.entries(execution.metrics)
          .map(([name, value]) => `${name}=${value}`)
          .join(' '),
      );
    }
    if (execution.errorMessage !== null)
      parts.push(`✗ ${execution.errorType ?? 'Error'}: ${oneLine(execution.errorMessage, 120)}`);
    lines.push(parts.join('  '));
    for (const decision of node.decisions) lines.push(`${indent}  ↳ ${decisionLine(decision)}`);
    for (const child of node.children) visit(child, `${indent}  `);
  };
  for (const root of roots) visit(root, '');
  return lines.map((line) => `${line}\n`).join('');
}

/** One table row per decision, as `agentspan decisions` prints them. */
export function decisionRows(decisions: readonly DecisionView[]): Array<Record<string, string>> {
  return decisions.map((decision) => ({
    occurred: decision.occurredAt.toISOString(),
    agent: decision.agentName ?? '',
    decision: decision.name,
    choice: oneLine(JSON.stringify(decision.choice) ?? '', 40),
    confidence: decision.confidence === null ? '' : decision.confidence.toFixed(2),
    outcome: decision.outcome === null ? 'pending' : oneLine(JSON.stringify(decision.outcome) ?? '', 30),
    id: decision.decisionId,
  }));
}

function decisionLine(decision: DecisionView): string {
  const confidence = decision.confidence === null ? '' : ` (confidence ${decision.confidence})`;
  return `decided ${decision.name} = ${oneLine(JSON.stringify(decision.choice) ?? 'null', 80)}${confidence}`;
}

function sum(...values: Array<number | null>): number | null {
  return values.every((value) => value === null)
    ? null
    : values.reduce<number>((total, value) => total + (value ?? 0), 0);
}

function count(value: number | null): string {
  return value === null ? '?' : value.toLocaleString('en-US');
}

function milliseconds(value: number | null): string {
  return value === null ? '' : `${Math.round(value).toLocaleString('en-US')} ms`;
}
