import type { DecisionView, PerformanceView, RunNode, RunSummary, RunTotals } from '../../query/types';
import { oneLine } from './text-table';

/** One table row per run, as `agentspan runs` prints them. */
export function runRows(runs: readonly RunSummary[]): Array<Record<string, string>> {
  return runs.map((run) => ({
    started: run.startedAt.toISOString(),
    agent: run.agentName ?? run.name,
    status: run.status,
    duration: milliseconds(run.durationMs),
    'tokens in': count(tokensIn(run.totals)),
    'tokens out': count(tokensOut(run.totals)),
    'cost $': runCost(run.totals),
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
    // An agent shows its run's totals, as `agentspan runs` does; any other step its own figures.
    const figures = performance?.totals ?? performance;
    if (figures != null && (tokensIn(figures) !== null || tokensOut(figures) !== null)) parts.push(tokenText(figures));
    const cost = performance === null ? null : stepCost(execution.kind, performance);
    if (cost !== null) parts.push(cost);
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

type TokenBuckets = Pick<
  RunTotals,
  'inputTokens' | 'cacheReadTokens' | 'cacheWriteTokens' | 'outputTokens' | 'reasoningTokens'
>;

/** Tokens in as providers bill them: fresh input plus cache reads and writes (the buckets are stored disjoint). */
export function tokensIn(tokens: TokenBuckets): number | null {
  return sum(tokens.inputTokens, tokens.cacheReadTokens, tokens.cacheWriteTokens);
}

/** Tokens out: output plus reasoning. */
export function tokensOut(tokens: TokenBuckets): number | null {
  return sum(tokens.outputTokens, tokens.reasoningTokens);
}

/** `775 in (256 cached) / 148 out`: the totals `runs` prints, with what is inside them. */
function tokenText(tokens: TokenBuckets): string {
  const inside = [
    positive(tokens.cacheReadTokens, 'cached'),
    positive(tokens.cacheWriteTokens, 'written to cache'),
  ].filter(Boolean);
  const reasoning = positive(tokens.reasoningTokens, 'reasoning');
  return (
    `${count(tokensIn(tokens))} in${inside.length > 0 ? ` (${inside.join(', ')})` : ''} / ` +
    `${count(tokensOut(tokens))} out${reasoning === '' ? '' : ` (${reasoning})`}`
  );
}

function positive(value: number | null, label: string): string {
  return value !== null && value > 0 ? `${count(value)} ${label}` : '';
}

/**
 * A run's cost: its total, a lower bound (≥) when some model call of it could not be priced, `unknown` when no cost
 * is known and a model call could not be priced; 0 when nothing it ran had a cost (no model call, no priced tool):
 * nothing was spent, which is not the same as not knowing.
 */
export function runCost(totals: RunTotals): string {
  const unpriced = totals.unknownCostCalls ?? 0;
  if (totals.costUsdExact !== null) return `${unpriced > 0 ? '≥' : ''}${Number(totals.costUsdExact).toFixed(5)}`;
  return totals.unknownCostCalls === 0 ? (0).toFixed(5) : 'unknown';
}

/** A step's cost for the tree: an agent's run total, a model call's own cost (or `cost unknown`), a tool's price. */
function stepCost(kind: string, performance: PerformanceView): string | null {
  if (performance.totals !== null) {
    const cost = runCost(performance.totals);
    return cost === 'unknown' ? 'cost unknown' : cost.replace(/^(≥?)/, '$1$');
  }
  if (performance.costUsdExact !== null) return `$${Number(performance.costUsdExact).toFixed(5)}`;
  // A model call without a cost could not be priced; a tool or task without one cost nothing.
  return kind === 'llm' && performance.counted ? 'cost unknown' : null;
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
