import { SpanKind, trace, context, type Tracer } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { AgentSpanProcessor } from '../../src/export/agent-span-processor';
import { createProcessorFixture, type ProcessorFixture } from '../support/processor-fixture';

/**
 * The inner spans of one model call are held until its outermost span ends, then written together (see
 * docs/ARCHITECTURE.md, "One model call, counted once"); held spans are never lost, even if that span never ends.
 */
let fixture: ProcessorFixture;
beforeAll(async () => {
  fixture = await createProcessorFixture();
});
afterAll(() => fixture.close());

const CHAT = { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o' };

function startCall(
  name: string,
  usage: Record<string, number>,
  tracer: Tracer = trace.getTracer('some-instrumentation'),
) {
  return tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes: { ...CHAT, ...usage } });
}

async function rowsOf(traceId: string) {
  return (await fixture.store.dataSource.query(
    `SELECT e.name, p.counted FROM agent_executions e LEFT JOIN agent_performance p ON p.trace_id = e.trace_id AND p.execution_id = e.id
     WHERE e.trace_id = $1 ORDER BY e.name`,
    [traceId],
  )) as Array<{ name: string; counted: boolean | null }>;
}

it('writes the inner span of a call only with its outermost span, then counts the one that reports most', async () => {
  const outer = startCall('outer', {});
  const inner = context.with(trace.setSpan(context.active(), outer), () =>
    startCall('inner', { 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 10 }),
  );
  inner.end();
  await fixture.processor.flush(30_000);
  const traceId = outer.spanContext().traceId;
  expect(await rowsOf(traceId)).toEqual([]);
  outer.end();
  await fixture.processor.flush(30_000);
  expect(await rowsOf(traceId)).toEqual([
    { name: 'inner', counted: true },
    { name: 'outer', counted: false },
  ]);
});

it('writes held spans at shutdown when the outermost span never ends, each counted', async () => {
  const processor = new AgentSpanProcessor({ dataSource: fixture.store.dataSource });
  const tracer = new BasicTracerProvider({ spanProcessors: [processor] }).getTracer('some-instrumentation');
  const outer = startCall('outer', {}, tracer);
  const inner = context.with(trace.setSpan(context.active(), outer), () =>
    startCall('inner', { 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 10 }, tracer),
  );
  inner.end();
  await processor.shutdown();
  expect(processor.stats()).toMatchObject({ droppedTotal: 0, written: 1 });
  expect(await rowsOf(outer.spanContext().traceId)).toEqual([{ name: 'inner', counted: true }]);
});
