/**
 * Prints what agentspan stored for one agent run — its tree of executions with each model call's models, tokens and
 * cost, then the run's totals — next to the figures the fake provider reported, so the two can be compared.
 */
import type { AgentTelemetry, PerformanceView, RunNode, RunSummary, RunTotals } from '../../src';

/** Token figures in agentspan's five disjoint buckets (input is fresh input: cache reads and writes are apart). */
export interface Buckets {
  input: number | null;
  cacheRead: number | null;
  cacheWrite: number | null;
  output: number | null;
  reasoning: number | null;
}

const figure = (value: number | null) => (value === null ? '–' : String(value));
const dollars = (value: number | null) => (value === null ? 'unknown' : `$${value.toFixed(6)}`);

export function formatBuckets(b: Buckets): string {
  return (
    `input ${figure(b.input)} · cache read ${figure(b.cacheRead)} · cache write ${figure(b.cacheWrite)} · ` +
    `output ${figure(b.output)} · reasoning ${figure(b.reasoning)}`
  );
}

function bucketsOf(p: PerformanceView | RunTotals): Buckets {
  return {
    input: p.inputTokens,
    cacheRead: p.cacheReadTokens,
    cacheWrite: p.cacheWriteTokens,
    output: p.outputTokens,
    reasoning: p.reasoningTokens,
  };
}

function printNode(node: RunNode, indent: string): void {
  const { execution, performance: p } = node;
  console.log(`${indent}${execution.name}  [${execution.kind}, ${execution.status}]`);
  if (p && execution.kind === 'llm') {
    const models = `${p.requestModel ?? '?'} → ${p.responseModel ?? '?'}`;
    console.log(
      `${indent}  model ${models} (${p.provider ?? 'provider unknown'})${p.counted ? '' : '  — not counted: another span reports this call'}`,
    );
    console.log(`${indent}  ${formatBuckets(bucketsOf(p))} · cost ${dollars(p.costUsd)} (${p.costSource})`);
  }
  for (const child of node.children) printNode(child, `${indent}  `);
}

/**
 * Prints the newest run of `agent` started since `since` (call telemetry.flush() first), and every agent run stored
 * in its trace (a framework's own spans must not show up as extra runs). Returns the run.
 */
export async function printStoredRun(telemetry: AgentTelemetry, agent: string, since: Date): Promise<RunSummary> {
  const { runs } = await telemetry.runs.history({ agent, since, limit: 1 });
  const run = runs[0];
  if (!run) throw new Error(`no stored run of ${agent}`);
  const where = telemetry.storage === 'embedded' ? 'embedded PostgreSQL' : 'PostgreSQL (DATABASE_URL)';
  console.log(`\nStored in ${where}: run of ${agent}, trace ${run.traceId}, ${run.status}\n`);
  const tree = await telemetry.runs.getRun(run.traceId);
  for (const root of tree?.roots ?? []) printNode(root, '  ');

  const t = run.totals;
  console.log(
    `\nrun totals       ${formatBuckets(bucketsOf(t))} · cost ${dollars(t.costUsd)} · llm calls ${figure(t.llmCalls)} · unknown-cost calls ${figure(t.unknownCostCalls)}`,
  );
  const inTrace = (await telemetry.runs.history({ since, limit: 100 })).runs.filter((r) => r.traceId === run.traceId);
  console.log(`agent runs in the trace: ${inTrace.map((r) => r.agentName ?? r.name).join(', ')}`);
  return run;
}

/** The provider's side: `calls` calls, each reporting `perCall` (already split into the disjoint buckets). */
export function printProviderFigures(calls: number, perCall: Buckets, note: string): void {
  const times = (value: number | null) => (value === null ? null : value * calls);
  const total: Buckets = {
    input: times(perCall.input),
    cacheRead: times(perCall.cacheRead),
    cacheWrite: times(perCall.cacheWrite),
    output: times(perCall.output),
    reasoning: times(perCall.reasoning),
  };
  console.log(`provider totals  ${formatBuckets(total)} · llm calls ${calls}`);
  console.log(`                 (${calls} calls, each ${note})`);
}
