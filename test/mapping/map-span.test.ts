import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { mapSpan, decimal } from '../../src/mapping/map-span';
import { toTimestamp } from '../../src/mapping/span-time';
import { tokenBuckets } from '../../src/mapping/token-buckets';
import {
  Agent,
  Decision,
  LLM,
  log,
  recordQuality,
  recordUsage,
  Tool,
  Trace,
  withAgentContext,
} from '../../src/instrument';
import { bridgedSpan } from '../support/bridged-span';
import { installTracing } from '../support/tracing';

const tracing = installTracing();
beforeEach(() => tracing.reset());

@Agent({ name: 'Writer', version: '3.0' })
class Writer {
  @Trace() async write(topic: string) {
    log('info', 'starting', { topic });
    const facts = await this.search(topic);
    const angle = await this.chooseAngle();
    recordQuality(91);
    return this.draft(`${facts} ${angle.choice}`);
  }
  @Tool({ name: 'search' }) async search(q: string) {
    return `facts on ${q}`;
  }
  @Decision({ name: 'angle' }) async chooseAngle() {
    return { choice: 'contrarian', alternatives: ['contrarian', 'neutral'], reasoning: 'stands out', confidence: 0.8 };
  }
  @LLM({ provider: 'anthropic', model: 'claude-sonnet-4-5' }) async draft(prompt: string) {
    recordUsage({ costUsd: 0.0123 });
    return {
      type: 'message',
      model: 'claude-sonnet-4-5-20250929',
      id: 'msg_1',
      usage: { input_tokens: 100, cache_read_input_tokens: 1000, cache_creation_input_tokens: 50, output_tokens: 300 },
      content: [{ type: 'text', text: prompt }],
    };
  }
  @Trace() async fail() {
    throw new RangeError('out of range: Bearer abcd3fgh1jklmnop');
  }
}

describe('mapSpan', () => {
  it('maps an agent run into execution, performance, decision and event records', async () => {
    await withAgentContext({ userId: 'u1', tenantId: 't1', sessionId: 's1', metadata: { issue: 42 } }, () =>
      new Writer().write('tea'),
    );
    const agentSpan = tracing.span('invoke_agent Writer');
    const record = mapSpan(agentSpan, 'end')!;
    expect(record.execution).toMatchObject({
      traceId: agentSpan.spanContext().traceId,
      spanId: agentSpan.spanContext().spanId,
      parentSpanId: null,
      kind: 'agent',
      name: 'invoke_agent Writer',
      agentName: 'Writer',
      agentVersion: '3.0',
      status: 'completed',
      errorType: null,
      qualityScore: 91,
      userId: 'u1',
      tenantId: 't1',
      sessionId: 's1',
      input: '["tea"]',
    });
    expect(JSON.parse(record.execution.metadata!)).toEqual({ issue: 42 });
    expect(String(record.execution.completedAt) >= String(record.execution.startedAt)).toBe(true);
    expect(record.execution.startedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    expect(record.events).toEqual([
      expect.objectContaining({ ordinal: 0, level: 'info', message: 'starting', attributes: '{"topic":"tea"}' }),
    ]);

    const llm = mapSpan(tracing.span('chat claude-sonnet-4-5'), 'end')!;
    expect(llm.execution.kind).toBe('llm');
    expect(llm.execution.parentSpanId).toBe(agentSpan.spanContext().spanId);
    expect(llm.performance).toMatchObject({
      provider: 'anthropic',
      requestModel: 'claude-sonnet-4-5',
      responseModel: 'claude-sonnet-4-5-20250929',
      // OTel input 1150 = 100 fresh + 1000 cache read + 50 cache write: stored as disjoint buckets
      inputTokens: 100,
      cacheReadTokens: 1000,
      cacheWriteTokens: 50,
      outputTokens: 300,
      reasoningTokens: null,
      costUsd: '0.0123',
      costSource: 'provided',
    });

    const decision = mapSpan(tracing.span('decision angle'), 'end')!;
    expect(decision.decisions).toEqual([
      expect.objectContaining({
        ordinal: 0,
        name: 'angle',
        choice: '"contrarian"',
        alternatives: '["contrarian","neutral"]',
        reasoning: 'stands out',
        confidence: 0.8,
      }),
    ]);
    const tool = mapSpan(tracing.span('execute_tool search'), 'end')!;
    expect(tool.execution.kind).toBe('tool');
    expect(tool.performance!.inputTokens).toBeNull();
  });

  it('gives a running record with no performance for the start phase', async () => {
    await new Writer().write('x');
    const record = mapSpan(tracing.span('invoke_agent Writer'), 'start')!;
    expect(record.execution.status).toBe('running');
    expect(record.execution.completedAt).toBeNull();
    expect(record.execution.output).toBeNull();
    expect(record.performance).toBeNull();
  });

  it('maps a failure with its type and redacted message, and the exception as an error event', async () => {
    @Agent()
    class Failing {
      @Trace() async run() {
        return new Writer().fail();
      }
    }
    await expect(new Failing().run()).rejects.toThrow(RangeError);
    // Writer.fail is the outermost call on the Writer instance, so it is that agent's execution.
    const record = mapSpan(tracing.span('invoke_agent Writer'), 'end')!;
    expect(record.execution).toMatchObject({
      status: 'failed',
      errorType: 'RangeError',
      errorMessage: 'out of range: Bearer [REDACTED]',
    });
    expect(record.events[0]).toMatchObject({ level: 'error', message: 'out of range: Bearer [REDACTED]' });
  });

  it('marks an iteration stopped early as cancelled', () => {
    class Gen {
      @Trace() *items() {
        yield 1;
        yield 2;
      }
    }
    for (const item of new Gen().items()) if (item === 1) break;
    expect(mapSpan(tracing.span('Gen.items'), 'end')!.execution.status).toBe('cancelled');
  });

  it('maps GenAI spans of other instrumentations and ignores everything else', () => {
    const tracer = trace.getTracer('@opentelemetry/instrumentation-openai');
    const span = tracer.startSpan('chat gpt-4o', {
      kind: SpanKind.CLIENT,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.system': 'openai',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.usage.input_tokens': 10,
        'gen_ai.usage.output_tokens': 5,
      },
    });
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'rate limited' });
    span.end();
    trace.getTracer('http').startSpan('GET /').end();
    const [llm, http] = tracing.spans();
    const record = mapSpan(llm, 'end', { 'user.id': 'from-context' })!;
    expect(record.execution).toMatchObject({
      kind: 'llm',
      status: 'failed',
      errorMessage: 'rate limited',
      userId: 'from-context',
    });
    expect(record.performance).toMatchObject({ provider: 'openai', inputTokens: 10, outputTokens: 5 });
    expect(mapSpan(http, 'end')).toBeUndefined();
  });

  it('checks JSON attributes of other instrumentations before they reach jsonb', () => {
    const span = trace.getTracer('other').startSpan('chat m', {
      attributes: {
        'gen_ai.operation.name': 'chat',
        'agentspan.input': 'not json \u0000 sk-abcdefghijklmnopqrstuvwx',
        'agentspan.output': '{"ok":true}',
      },
    });
    span.end();
    const record = mapSpan(tracing.spans()[0], 'end')!;
    expect(record.execution.input).toBe('"not json \uFFFD [REDACTED]"');
    expect(record.execution.output).toBe('{"ok":true}');
  });

  it('cuts over-long names to the column width and keeps them well formed', () => {
    class Long {
      @Trace({ name: 'n'.repeat(10_000) }) run() {
        return 1;
      }
    }
    new Long().run();
    expect(mapSpan(tracing.spans()[0], 'end')!.execution.name).toHaveLength(1024);
  });
});

describe('tokenBuckets', () => {
  it('splits OTel totals into disjoint buckets and keeps unknown as null', () => {
    expect(
      tokenBuckets({
        'gen_ai.usage.input_tokens': 1200,
        'gen_ai.usage.cache_read.input_tokens': 1024,
        'gen_ai.usage.output_tokens': 300,
        'gen_ai.usage.reasoning.output_tokens': 128,
      }),
    ).toEqual({
      inputTokens: 176,
      cacheReadTokens: 1024,
      cacheWriteTokens: null,
      outputTokens: 172,
      reasoningTokens: 128,
    });
    expect(tokenBuckets({})).toEqual({
      inputTokens: null,
      outputTokens: null,
      cacheReadTokens: null,
      cacheWriteTokens: null,
      reasoningTokens: null,
    });
    expect(tokenBuckets({ 'gen_ai.usage.prompt_tokens': 7, 'gen_ai.usage.completion_tokens': 3 })).toMatchObject({
      inputTokens: 7,
      outputTokens: 3,
    });
  });
});

describe('toTimestamp', () => {
  it('keeps microseconds', () => {
    expect(toTimestamp([1_795_305_600, 123_456_789])).toBe('2026-11-22T00:00:00.123456Z');
    expect(toTimestamp([0, 999])).toBe('1970-01-01T00:00:00.000000Z');
  });
});

describe('decimal', () => {
  it.each([
    [0.0123, '0.0123'],
    [1, '1'],
    [10, '10'],
    [0, '0'],
    [1e-12, '0'],
    [12.5, '12.5'],
    [0.1 + 0.2, '0.3'],
  ])('%p → %p', (value, text) => {
    expect(decimal(value)).toBe(text);
  });
});

describe('mapSpan with hostile spans', () => {
  const bridged = bridgedSpan;

  it('throws for a span it cannot store: ids of the wrong length, a start that is not a time', () => {
    const context = (traceId: string, spanId: string) => () => ({ traceId, spanId, traceFlags: 1 });
    expect(() => mapSpan(bridged({ spanContext: context('abc', 'b7ad6b7169203331') }), 'end')).toThrow(
      'trace id is not 32 characters',
    );
    expect(() => mapSpan(bridged({ spanContext: context('0af7651916cd43dd8448eb211c80319c', 'x') }), 'end')).toThrow(
      'span id is not 16 characters',
    );
    for (const startTime of [[Number.NaN, 0], [253_402_300_800, 0], [-62_135_596_801, 0], 'yesterday']) {
      expect(() => mapSpan(bridged({ startTime }), 'start')).toThrow('start time is not a time from year 1 to 9999');
    }
  });

  it('stores an end before the start as the start, with a note saying so', () => {
    const record = mapSpan(bridged({ endTime: [1_799_999_999, 0], duration: [-1, 0] }), 'end')!;
    expect(record.execution.completedAt).toBe(record.execution.startedAt);
    expect(record.performance!.durationMs).toBe(0);
    expect(record.events).toEqual([
      {
        ordinal: 0,
        level: 'warn',
        message: 'agentspan: end time is before the start time; stored as the start time, duration 0',
        attributes: '{"value":"2027-01-15T07:59:59.000000Z"}',
        occurredAt: '2027-01-15T08:00:00.000000Z',
      },
    ]);
  });

  it('notes nothing on a running record: the final record brings the notes', () => {
    const record = mapSpan(
      bridged({ attributes: { 'gen_ai.operation.name': 'invoke_agent', 'agentspan.quality.score': 900 } }),
      'start',
    )!;
    expect(record.execution.qualityScore).toBeNull();
    expect(record.events).toEqual([]);
  });

  it('looks for refused escapes in agentspan’s own JSON text set by hand, and leaves capture’s alone', () => {
    class Own {
      @Trace() run() {
        trace.getActiveSpan()?.setAttribute('agentspan.input', '{"a":"\\u0000","b":"\\uD800"}');
        return 'C:\\users\\u0000';
      }
    }
    new Own().run();
    const record = mapSpan(tracing.spans()[0], 'end')!;
    expect(record.execution.input).toBe('{"a":"\uFFFD","b":"\uFFFD"}');
    // A backslash before `u` in captured text is an escaped backslash: a false alarm only costs a parse.
    expect(record.execution.output).toBe('"C:\\\\users\\\\u0000"');
  });

  it('cuts text columns with a marker and keeps surrogate pairs whole', () => {
    const record = mapSpan(
      bridged({
        name: `${'a'.repeat(1_022)}😀tail`,
        attributes: { 'gen_ai.operation.name': 'chat', 'user.id': 'u\u0000' },
      }),
      'end',
    )!;
    expect(record.execution.name).toBe(`${'a'.repeat(1_022)}…`);
    expect(record.execution.userId).toBe('u\uFFFD');
  });
});

describe('toTimestamp of hostile times', () => {
  it('normalizes negative nanoseconds (before 1970, as the SDK gives them) and fractional seconds', () => {
    expect(toTimestamp([-1, -500_000_000])).toBe('1969-12-31T23:59:58.500000Z');
    expect(toTimestamp([1.25, 0])).toBe('1970-01-01T00:00:01.250000Z');
    expect(toTimestamp([0, 1_500_000_000])).toBe('1970-01-01T00:00:01.500000Z');
  });

  it('keeps years 1 to 9999 and refuses the rest', () => {
    expect(toTimestamp([-62_135_596_800, 0])).toBe('0001-01-01T00:00:00.000000Z');
    expect(toTimestamp([253_402_300_799, 999_999_999])).toBe('9999-12-31T23:59:59.999999Z');
    expect(() => toTimestamp([253_402_300_800, 0])).toThrow(RangeError);
    expect(() => toTimestamp([Infinity, 0])).toThrow(RangeError);
  });
});
