import { SpanKind, trace, ROOT_CONTEXT, type Attributes, type Span } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { mapSpan } from '../../src/mapping/map-span';
import type { SpanRecord } from '../../src/model/records';
import { AgentRunRepository } from '../../src/query/agent-run-repository';
import type { RunNode } from '../../src/query/types';
import { runMigrations } from '../../src/store/connection/migrate';
import { SpanWriter, type LoadMethod } from '../../src/store/write/span-writer';
import { agentspanMigrations } from '../../migrations';
import { finalSpan, newTraceId, runningSpan } from '../support/span-records';
import { createStoreFixture, type StoreFixture } from '../support/store-fixture';

/**
 * agent_executions.instrumentation_scope: the tracer that made each span, `name@version`, stored by both load methods,
 * merged like the other descriptive fields and returned by history() and getRun().
 */

let fixture: StoreFixture;
let runs: AgentRunRepository;
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

beforeAll(async () => {
  fixture = await createStoreFixture();
  runs = new AgentRunRepository(fixture.dataSource);
});

afterAll(async () => {
  await provider.shutdown();
  await fixture?.close();
});

/** Ends a span of the tracer `name` (at `version`), under `parent` when given. */
function endSpan(tracer: [name: string, version?: string], name: string, attributes: Attributes, parent?: Span): Span {
  const context = parent === undefined ? ROOT_CONTEXT : trace.setSpan(ROOT_CONTEXT, parent);
  const span = provider.getTracer(...tracer).startSpan(name, { attributes, kind: SpanKind.INTERNAL }, context);
  span.end();
  return span;
}

/** An agent run of agentspan's tracer with model calls recorded by two other instrumentations, mapped to records. */
function instrumentedRun(agentName: string): { traceId: string; records: SpanRecord[] } {
  exporter.reset();
  const agent = provider.getTracer('agentspan', '0.1.0').startSpan(`invoke_agent ${agentName}`, {
    attributes: { 'agentspan.kind': 'agent', 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': agentName },
  });
  const chat = { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o' };
  endSpan(['@traceloop/instrumentation-openai', '0.27.0'], 'openai.chat', chat, agent);
  endSpan(['@arizeai/openinference-instrumentation-openai'], 'OpenAI Chat Completions', chat, agent);
  agent.end();
  const records = exporter.getFinishedSpans().map((span) => mapSpan(span, 'end')!);
  return { traceId: agent.spanContext().traceId, records };
}

const scopesOf = (nodes: RunNode[]): Record<string, string | null | undefined> =>
  Object.fromEntries(
    nodes.flatMap((node) => [
      [node.execution.name, node.execution.instrumentationScope],
      ...Object.entries(scopesOf(node.children)),
    ]),
  );

// PGlite's socket server cannot receive COPY data: there the writer upserts everything.
const loadMethods: LoadMethod[] = process.env.DATABASE_URL ? ['copy', 'upsert'] : ['upsert'];

describe('instrumentation scope', () => {
  it.each(loadMethods)(
    'is stored for spans of named tracers (%s), and history() and getRun() return it',
    async (loadMethod) => {
      const agentName = `Scoped-${loadMethod}`;
      const { traceId, records } = instrumentedRun(agentName);
      expect(records.map((record) => record.execution.instrumentationScope).sort()).toEqual([
        '@arizeai/openinference-instrumentation-openai',
        '@traceloop/instrumentation-openai@0.27.0',
        'agentspan@0.1.0',
      ]);
      expect(await new SpanWriter(fixture.dataSource, { loadMethod }).write(records)).toEqual({
        written: 3,
        rejected: [],
      });

      const { runs: history } = await runs.history({ agent: agentName });
      expect(history.map((run) => run.instrumentationScope)).toEqual(['agentspan@0.1.0']);
      const tree = await runs.getRun(traceId);
      expect(scopesOf(tree!.roots)).toEqual({
        [`invoke_agent ${agentName}`]: 'agentspan@0.1.0',
        'openai.chat': '@traceloop/instrumentation-openai@0.27.0',
        'OpenAI Chat Completions': '@arizeai/openinference-instrumentation-openai',
      });
    },
  );

  it('is kept from the running record when the final one has none, in one batch and across two', async () => {
    const stored = async (records: SpanRecord[][]) => {
      const writer = new SpanWriter(fixture.dataSource);
      for (const batch of records) await writer.write(batch);
      const [row] = await fixture.dataSource.query(
        `SELECT instrumentation_scope AS scope FROM agent_executions WHERE span_id = $1`,
        [records[0]![0]!.execution.spanId],
      );
      return row.scope;
    };
    const pair = () => {
      const started = runningSpan({ traceId: newTraceId(), execution: { instrumentationScope: 'agentspan@0.1.0' } });
      // A final record spilled by an earlier version: no instrumentationScope at all.
      const ended = finalSpan({ traceId: started.execution.traceId, spanId: started.execution.spanId });
      return [started, ended] as const;
    };
    const [started, ended] = pair();
    expect(await stored([[started, ended]])).toBe('agentspan@0.1.0');
    const [startedAlone, endedLater] = pair();
    expect(await stored([[startedAlone], [endedLater]])).toBe('agentspan@0.1.0');
  });

  it('is left out of a view whose row has none, and cut to its column when too long', async () => {
    const plain = finalSpan({ traceId: newTraceId(), execution: { agentName: 'Unscoped' } });
    await new SpanWriter(fixture.dataSource).write([plain]);
    const [run] = (await runs.history({ agent: 'Unscoped' })).runs;
    expect(run).toBeDefined();
    expect('instrumentationScope' in run!).toBe(false);

    exporter.reset();
    const span = endSpan(['x'.repeat(300), '1.0'], 'chat', { 'gen_ai.operation.name': 'chat' });
    const record = mapSpan(exporter.getFinishedSpans()[0]!, 'end')!;
    expect(record.execution.spanId).toBe(span.spanContext().spanId);
    expect(record.execution.instrumentationScope).toBe(`${'x'.repeat(255)}…`);
    expect(await new SpanWriter(fixture.dataSource).write([record])).toEqual({ written: 1, rejected: [] });
  });

  it('comes with its migration, which goes down and up again', async () => {
    const column = async () =>
      (
        await fixture.dataSource.query(
          `SELECT count(*)::int AS n FROM information_schema.columns
           WHERE table_name = 'agent_executions' AND column_name = 'instrumentation_scope'`,
        )
      )[0].n;
    // Generated from the column table's entry (addedIn); the migrations after it are undone first, then it.
    const names = agentspanMigrations.map((migration) => migration.name);
    const undone = names.slice(names.indexOf('AddInstrumentationScope1797033600000'));
    expect(await column()).toBe(1);
    for (let i = 0; i < undone.length; i++) await fixture.dataSource.undoLastMigration({ transaction: 'each' });
    expect(await column()).toBe(0);
    expect(await runMigrations(fixture.dataSource)).toEqual(undone);
    expect(await column()).toBe(1);
  });
});
