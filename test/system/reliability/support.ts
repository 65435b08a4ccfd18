import { context, SpanKind, trace, type SpanContext, type Tracer } from '@opentelemetry/api';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';

/** Spans per run that `emitRuns` makes: one agent and this many tool calls under it. */
export const TOOLS_PER_RUN = 3;
export const SPANS_PER_RUN = 1 + TOOLS_PER_RUN;
/** Records per run: the agent's start (running), then a final record for every span. */
export const RECORDS_PER_RUN = SPANS_PER_RUN + 1;

/** Finished agent runs as agentspan's decorators would make them: an agent span with tool spans under it. */
export function emitRuns(tracer: Tracer, count: number, label = 'run'): void {
  for (let run = 0; run < count; run++) {
    const agent = tracer.startSpan('invoke_agent Reliable', {
      attributes: {
        'agentspan.kind': 'agent',
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.agent.name': 'Reliable',
        'agentspan.input': JSON.stringify({ label, run }),
      },
    });
    const parent: SpanContext = agent.spanContext();
    for (let tool = 0; tool < TOOLS_PER_RUN; tool++) {
      const span = tracer.startSpan(
        'execute_tool lookup',
        {
          kind: SpanKind.INTERNAL,
          attributes: {
            'agentspan.kind': 'tool',
            'gen_ai.operation.name': 'execute_tool',
            'gen_ai.tool.name': 'lookup',
          },
        },
        trace.setSpanContext(context.active(), parent),
      );
      span.end();
    }
    agent.end();
  }
}

export function tempDirectory(prefix = 'agentspan-reliability-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

export const spillFilesIn = (directory: string): string[] =>
  readdirSync(directory).filter((name) => name.endsWith('.spill'));

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `condition` holds; fails after `timeoutMs` with `what`. */
export async function eventually(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Rows per status and kind, plus how many distinct spans: "exactly once" is checked, not assumed. */
export async function executionCounts(
  dataSource: DataSource,
): Promise<{ rows: number; spans: number; byStatus: Record<string, number> }> {
  const [totals] = (await dataSource.query(
    `SELECT count(*)::int AS rows, count(DISTINCT (trace_id, span_id))::int AS spans FROM agent_executions`,
  )) as Array<{ rows: number; spans: number }>;
  const statuses = (await dataSource.query(
    `SELECT status, count(*)::int AS n FROM agent_executions GROUP BY status`,
  )) as Array<{
    status: string;
    n: number;
  }>;
  return {
    rows: totals!.rows,
    spans: totals!.spans,
    byStatus: Object.fromEntries(statuses.map((row) => [row.status, row.n])),
  };
}
