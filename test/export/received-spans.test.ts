import { context, trace, type Attributes, type Span } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { placeReceivedSpans } from '../../src/export/received-spans';
import { mapSpan } from '../../src/mapping/map-span';

/**
 * Spans that ended elsewhere and arrive together are placed as the processor places its own: a span that is not
 * stored passes its place to its stored descendants, and one model call is counted once, whatever order they come in.
 */
const usage = (input: number): Attributes => ({
  'gen_ai.operation.name': 'chat',
  'gen_ai.request.model': 'gpt-4o',
  'gen_ai.usage.input_tokens': input,
  'gen_ai.usage.output_tokens': 10,
});

function record(build: (start: (name: string, attributes: Attributes, parent?: Span) => Span) => void): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('an-instrumentation');
  build((name, attributes, parent) =>
    tracer.startSpan(name, { attributes }, parent ? trace.setSpan(context.active(), parent) : context.active()),
  );
  return exporter.getFinishedSpans();
}

const stored = (spans: readonly ReadableSpan[]) =>
  placeReceivedSpans(spans).placed.map(({ span, placement }) => {
    const record = mapSpan(span, 'end', undefined, placement)!;
    return {
      name: record.execution.name,
      parent: record.execution.parentSpanId,
      counted: record.performance?.counted ?? true,
    };
  });

const byName = <T extends { name: string }>(rows: T[]) => [...rows].sort((a, b) => a.name.localeCompare(b.name));

describe('placeReceivedSpans', () => {
  it('hangs a model call below an HTTP span on the agent above it, and ignores the HTTP span', () => {
    let agentId = '';
    const spans = record((start) => {
      const agent = start('invoke_agent planner', {
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.agent.name': 'p',
      });
      agentId = agent.spanContext().spanId;
      const http = start('POST /v1/chat', { 'http.request.method': 'POST' }, agent);
      start('chat gpt-4o', usage(100), http).end();
      http.end();
      agent.end();
    });
    const placed = placeReceivedSpans(spans);
    expect(placed.ignored).toBe(1);
    const rows = stored(spans);
    // The agent span of another instrumentation sums its steps' usage: with a model call below it, not counted itself.
    expect(byName(rows)).toEqual([
      { name: 'chat gpt-4o', parent: agentId, counted: true },
      { name: 'invoke_agent planner', parent: null, counted: false },
    ]);
    // Whatever order the spans arrive in (a request holds them in the order they ended, or any other).
    expect(byName(stored([...spans].reverse()))).toEqual(byName(rows));
  });

  it('counts a model call wrapped in another model-call span once: the innermost on equal figures', () => {
    const spans = record((start) => {
      const outer = start('chat gpt-4o', usage(100));
      start('openai.chat', usage(100), outer).end();
      outer.end();
    });
    for (const order of [spans, [...spans].reverse()]) {
      expect(byName(stored(order)).map(({ name, counted }) => [name, counted])).toEqual([
        ['chat gpt-4o', false],
        ['openai.chat', true],
      ]);
    }
  });

  it('places a child before its parent even when its end time says it ended later (each span reads the clock itself)', () => {
    const spans = record((start) => {
      const outer = start('chat gpt-4o', usage(100));
      start('openai.chat', usage(100), outer).end();
      outer.end();
    });
    // The SDK dates each span from its own reading of Date.now(): a child can seem to end a millisecond late.
    const skewed = spans.map((span) =>
      span.name === 'openai.chat'
        ? ({ ...span, spanContext: () => span.spanContext(), endTime: [span.endTime[0] + 1, 0] } as ReadableSpan)
        : span,
    );
    expect(byName(stored(skewed)).map(({ name, counted }) => [name, counted])).toEqual([
      ['chat gpt-4o', false],
      ['openai.chat', true],
    ]);
  });

  it('writes the spans of a model call whose outermost span is not in the request, each counted as it is', () => {
    const spans = record((start) => {
      const outer = start('chat gpt-4o', usage(100));
      start('openai.chat', usage(100), outer).end();
      outer.end();
    });
    const innerOnly = spans.filter((span) => span.name === 'openai.chat');
    expect(stored(innerOnly)).toEqual([{ name: 'openai.chat', parent: spans[1]!.spanContext().spanId, counted: true }]);
  });

  it('places spans whose parents form a cycle (a broken sender) without looping', () => {
    const spans = record((start) => {
      const a = start('chat a', usage(1));
      a.end();
    });
    const twisted = { ...spans[0]!, spanContext: spans[0]!.spanContext, parentSpanContext: spans[0]!.spanContext() };
    expect(stored([twisted as ReadableSpan])).toHaveLength(1);
  });
});
