import { trace } from '@opentelemetry/api';
import { Decision, LLM, log, recordDecision, recordQuality, recordUsage, Trace, traced } from '../../src/instrument';
import { attr, installTracing } from '../support/tracing';

const tracing = installTracing();
beforeEach(() => tracing.reset());
afterEach(() => tracing.assertEachSpanEndedOnce());

const decisionEvents = (name: string) =>
  tracing
    .span(name)
    .events.filter((e) => e.name === 'agentspan.decision')
    .map((e) => e.attributes ?? {});

describe('recordUsage, recordQuality, recordDecision, log on the active span', () => {
  it('record on the active span, and usage adds up across calls', async () => {
    const step = traced(
      async () => {
        recordUsage({
          inputTokens: 100,
          outputTokens: 20,
          cacheReadTokens: 40,
          model: 'gpt-4o-mini',
          provider: 'openai',
          costUsd: 0.001,
        });
        recordUsage({ inputTokens: 50, outputTokens: 5, reasoningTokens: 3, costUsd: 0.0005 });
        recordQuality(87.5);
        log('info', 'fetched page', { url: 'https://example.com', status: 200 });
        return 'ok';
      },
      { name: 'step' },
    );
    await step();
    const span = tracing.span('step');
    expect(span.attributes).toMatchObject({
      'gen_ai.usage.input_tokens': 150,
      'gen_ai.usage.output_tokens': 25,
      'gen_ai.usage.cache_read.input_tokens': 40,
      'gen_ai.usage.reasoning.output_tokens': 3,
      'gen_ai.response.model': 'gpt-4o-mini',
      'gen_ai.provider.name': 'openai',
      'agentspan.quality.score': 87.5,
    });
    expect(attr(span, 'agentspan.cost.usd')).toBeCloseTo(0.0015, 10);
    const logEvent = span.events.find((e) => e.name === 'agentspan.log')!;
    expect(logEvent.attributes).toEqual({
      'agentspan.log.level': 'info',
      'agentspan.log.message': 'fetched page',
      url: 'https://example.com',
      status: 200,
    });
  });

  it('do nothing and return outside any span', () => {
    expect(trace.getActiveSpan()).toBeUndefined();
    expect(recordUsage({ inputTokens: 1 })).toBeUndefined();
    expect(recordQuality(50)).toBeUndefined();
    expect(recordDecision({ choice: 'a' })).toBeUndefined();
    expect(log('info', 'nobody listens')).toBeUndefined();
    expect(tracing.spans()).toHaveLength(0);
    expect(tracing.diagMessages).toHaveLength(0);
  });

  it('leave out-of-range values unrecorded and report each kind once through diag', () => {
    const bad = traced(
      () => {
        recordQuality(150);
        recordQuality(-1);
        recordQuality(Number.NaN);
        recordUsage({ inputTokens: -5, outputTokens: Number.NaN, cacheReadTokens: Infinity, reasoningTokens: 2 });
        recordUsage({ inputTokens: -7 });
        recordDecision({ name: 'route', choice: 'a', confidence: 2 });
        log('loud' as never, 'odd level');
      },
      { name: 'bad' },
    );
    expect(() => bad()).not.toThrow();
    const span = tracing.span('bad');
    expect(attr(span, 'agentspan.quality.score')).toBeUndefined();
    expect(attr(span, 'gen_ai.usage.input_tokens')).toBeUndefined();
    expect(attr(span, 'gen_ai.usage.output_tokens')).toBeUndefined();
    expect(attr(span, 'gen_ai.usage.cache_read.input_tokens')).toBeUndefined();
    expect(attr(span, 'gen_ai.usage.reasoning.output_tokens')).toBe(2);
    const [decision] = decisionEvents('bad');
    expect(decision['agentspan.decision.choice']).toBe('"a"');
    expect(decision['agentspan.decision.confidence']).toBeUndefined();
    const logEvent = span.events.find((e) => e.attributes?.['agentspan.log.message'] === 'odd level')!;
    expect(logEvent.attributes?.['agentspan.log.level']).toBe('info');
    // Each value left out is also noted on the span, as a warn log event saying why, with the value.
    const notes = span.events
      .filter((e) => e.attributes?.['agentspan.log.level'] === 'warn')
      .map((e) => [e.attributes?.['agentspan.log.message'], e.attributes?.value]);
    expect(notes).toEqual([
      ['agentspan: recordQuality score is not a number from 0 to 100; not recorded', '150'],
      ['agentspan: recordQuality score is not a number from 0 to 100; not recorded', '-1'],
      ['agentspan: recordQuality score is not a number from 0 to 100; not recorded', 'NaN'],
      ['agentspan: recordUsage inputTokens is not a finite number >= 0; not recorded', '-5'],
      ['agentspan: recordUsage outputTokens is not a finite number >= 0; not recorded', 'NaN'],
      ['agentspan: recordUsage cacheReadTokens is not a finite number >= 0; not recorded', 'Infinity'],
      ['agentspan: recordUsage inputTokens is not a finite number >= 0; not recorded', '-7'],
      ['agentspan: recordDecision confidence is not a number from 0 to 1; left out', '2'],
      ['agentspan: log level is not one of debug, info, warn, error; logged as info', 'loud'],
    ]);
    const messages = tracing.diagMessages.join('\n');
    expect(messages.match(/recordQuality: score/g)).toHaveLength(1);
    expect(messages.match(/inputTokens must be/g)).toHaveLength(1);
    expect(messages).toMatch(/outputTokens must be/);
    expect(messages).toMatch(/confidence must be/);
    expect(messages).toMatch(/level must be/);
  });

  it('record several decisions on one span as separate events', () => {
    traced(
      () => {
        recordDecision({
          name: 'channel',
          choice: 'linkedin',
          alternatives: ['x', 'email'],
          reasoning: 'B2B audience',
          confidence: 0.85,
          context: { budget: 1000 },
        });
        recordDecision({ name: 'tone', choice: { style: 'formal' }, confidence: 0 });
      },
      { name: 'plan' },
    )();
    const [channel, tone] = decisionEvents('plan');
    expect(channel).toEqual({
      'agentspan.decision.name': 'channel',
      'agentspan.decision.choice': '"linkedin"',
      'agentspan.decision.alternatives': '["x","email"]',
      'agentspan.decision.reasoning': 'B2B audience',
      'agentspan.decision.confidence': 0.85,
      'agentspan.decision.context': '{"budget":1000}',
    });
    expect(tone['agentspan.decision.choice']).toBe('{"style":"formal"}');
    expect(tone['agentspan.decision.confidence']).toBe(0);
  });

  it('redact secrets in log attributes and messages', () => {
    traced(() => log('warn', 'retrying with Bearer abcd3fgh1jklmnop', { password: 'hunter2', ok: true }), {
      name: 'l',
    })();
    const event = tracing.span('l').events[0];
    expect(event.attributes).toEqual({
      'agentspan.log.level': 'warn',
      'agentspan.log.message': 'retrying with Bearer [REDACTED]',
      password: '[REDACTED]',
      ok: true,
    });
  });
});

describe('@Decision', () => {
  class Strategist {
    @Decision() async chooseChannel(options: string[]) {
      return { choice: options[1], alternatives: options, reasoning: 'best reach', confidence: 0.7 };
    }
    @Decision({ name: 'budget_split' }) split() {
      recordDecision({ choice: '60/40', confidence: 0.9 });
      return { choice: 'ignored because recordDecision was called' };
    }
    @Decision() noDecision() {
      return 'just a string';
    }
  }

  it('records a returned { choice, alternatives, reasoning, confidence } on the span', async () => {
    const result = await new Strategist().chooseChannel(['email', 'linkedin']);
    expect(result.choice).toBe('linkedin');
    const span = tracing.span('decision chooseChannel');
    expect(attr(span, 'agentspan.kind')).toBe('decision');
    expect(decisionEvents('decision chooseChannel')).toEqual([
      {
        'agentspan.decision.name': 'chooseChannel',
        'agentspan.decision.choice': '"linkedin"',
        'agentspan.decision.alternatives': '["email","linkedin"]',
        'agentspan.decision.reasoning': 'best reach',
        'agentspan.decision.confidence': 0.7,
      },
    ]);
  });

  it('uses recordDecision inside the method instead of the return value, named after the decision point', () => {
    new Strategist().split();
    const events = decisionEvents('decision budget_split');
    expect(events).toHaveLength(1);
    expect(events[0]['agentspan.decision.name']).toBe('budget_split');
    expect(events[0]['agentspan.decision.choice']).toBe('"60/40"');
  });

  it('records no decision when the result has no choice', () => {
    expect(new Strategist().noDecision()).toBe('just a string');
    expect(decisionEvents('decision noDecision')).toEqual([]);
  });
});

describe('@LLM reads usage from the response', () => {
  class Models {
    @LLM({ provider: 'openai', model: 'gpt-4o' }) async openaiChat() {
      return {
        id: 'chatcmpl-123',
        object: 'chat.completion',
        model: 'gpt-4o-2024-08-06',
        choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
        usage: {
          prompt_tokens: 1200,
          completion_tokens: 300,
          total_tokens: 1500,
          prompt_tokens_details: { cached_tokens: 1024 },
          completion_tokens_details: { reasoning_tokens: 128 },
        },
      };
    }
    @LLM({ provider: 'openai', model: 'o4-mini' }) async openaiResponse() {
      return {
        id: 'resp_1',
        object: 'response',
        model: 'o4-mini-2025-04-16',
        usage: {
          input_tokens: 500,
          input_tokens_details: { cached_tokens: 100 },
          output_tokens: 900,
          output_tokens_details: { reasoning_tokens: 700 },
          total_tokens: 1400,
        },
      };
    }
    @LLM({ provider: 'anthropic', model: 'claude-sonnet-4-5' }) async anthropic() {
      return {
        id: 'msg_01',
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-5-20250929',
        stop_reason: 'end_turn',
        usage: {
          input_tokens: 20,
          cache_creation_input_tokens: 1000,
          cache_read_input_tokens: 3000,
          output_tokens: 250,
        },
      };
    }
    @LLM({ provider: 'openai', model: 'gpt-4o' }) async vercel() {
      return {
        text: 'hello',
        finishReason: 'stop',
        usage: { inputTokens: 80, outputTokens: 12, totalTokens: 92, reasoningTokens: 0, cachedInputTokens: 64 },
        response: { id: 'gen-1', modelId: 'gpt-4o-2024-11-20' },
      };
    }
    @LLM({ provider: 'openai', model: 'gpt-4o' }) async reportsItself() {
      recordUsage({ inputTokens: 1, outputTokens: 1 });
      return { object: 'chat.completion', usage: { prompt_tokens: 999, completion_tokens: 999 } };
    }
    @LLM({ provider: 'openai', model: 'gpt-4o' }) async *streamed() {
      yield { object: 'chat.completion.chunk', model: 'gpt-4o', choices: [{ delta: { content: 'Hel' } }] };
      yield { object: 'chat.completion.chunk', model: 'gpt-4o', choices: [{ delta: { content: 'lo' } }] };
      yield {
        object: 'chat.completion.chunk',
        id: 'chatcmpl-s',
        model: 'gpt-4o',
        choices: [],
        usage: { prompt_tokens: 10, completion_tokens: 2 },
      };
    }
    @LLM({ provider: 'anthropic', model: 'claude-haiku-4-5' }) async *anthropicStream() {
      yield {
        type: 'message_start',
        message: {
          id: 'msg_s',
          type: 'message',
          model: 'claude-haiku-4-5',
          usage: { input_tokens: 30, cache_read_input_tokens: 10, output_tokens: 1 },
        },
      };
      yield { type: 'content_block_delta', delta: { type: 'text_delta', text: 'Hi' } };
      yield { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 42 } };
    }
  }
  const models = new Models();

  it('OpenAI chat completion: cached tokens are already inside prompt tokens', async () => {
    await models.openaiChat();
    expect(tracing.span('chat gpt-4o').attributes).toMatchObject({
      'gen_ai.usage.input_tokens': 1200,
      'gen_ai.usage.output_tokens': 300,
      'gen_ai.usage.cache_read.input_tokens': 1024,
      'gen_ai.usage.reasoning.output_tokens': 128,
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.response.id': 'chatcmpl-123',
      'gen_ai.response.finish_reasons': ['stop'],
    });
  });

  it('OpenAI Responses API', async () => {
    await models.openaiResponse();
    expect(tracing.span('chat o4-mini').attributes).toMatchObject({
      'gen_ai.usage.input_tokens': 500,
      'gen_ai.usage.output_tokens': 900,
      'gen_ai.usage.cache_read.input_tokens': 100,
      'gen_ai.usage.reasoning.output_tokens': 700,
      'gen_ai.response.id': 'resp_1',
    });
  });

  it('Anthropic message: cache reads and writes are added to input', async () => {
    await models.anthropic();
    expect(tracing.span('chat claude-sonnet-4-5').attributes).toMatchObject({
      'gen_ai.usage.input_tokens': 4020,
      'gen_ai.usage.output_tokens': 250,
      'gen_ai.usage.cache_read.input_tokens': 3000,
      'gen_ai.usage.cache_creation.input_tokens': 1000,
      'gen_ai.response.model': 'claude-sonnet-4-5-20250929',
      'gen_ai.response.finish_reasons': ['end_turn'],
    });
  });

  it('Vercel AI SDK result', async () => {
    await models.vercel();
    expect(tracing.span('chat gpt-4o').attributes).toMatchObject({
      'gen_ai.usage.input_tokens': 80,
      'gen_ai.usage.output_tokens': 12,
      'gen_ai.usage.cache_read.input_tokens': 64,
      'gen_ai.response.model': 'gpt-4o-2024-11-20',
      'gen_ai.response.id': 'gen-1',
    });
  });

  it('does not double count when the method reported usage itself', async () => {
    await models.reportsItself();
    expect(attr(tracing.span('chat gpt-4o'), 'gen_ai.usage.input_tokens')).toBe(1);
  });

  it('reads usage from the final chunks of a stream', async () => {
    for await (const chunk of models.streamed()) void chunk;
    expect(tracing.span('chat gpt-4o').attributes).toMatchObject({
      'gen_ai.usage.input_tokens': 10,
      'gen_ai.usage.output_tokens': 2,
      'gen_ai.response.id': 'chatcmpl-s',
    });
    tracing.reset();
    for await (const chunk of models.anthropicStream()) void chunk;
    expect(tracing.span('chat claude-haiku-4-5').attributes).toMatchObject({
      'gen_ai.usage.input_tokens': 40,
      'gen_ai.usage.cache_read.input_tokens': 10,
      'gen_ai.usage.output_tokens': 42,
      'gen_ai.response.finish_reasons': ['end_turn'],
    });
  });
});

it('@Trace within @LLM keeps LLM usage on the LLM span only', async () => {
  class Pipeline {
    @Trace() async run() {
      return this.call();
    }
    @LLM({ provider: 'openai', model: 'gpt-4o' }) async call() {
      return { object: 'chat.completion', usage: { prompt_tokens: 5, completion_tokens: 6 } };
    }
  }
  await new Pipeline().run();
  expect(attr(tracing.span('Pipeline.run'), 'gen_ai.usage.input_tokens')).toBeUndefined();
  expect(attr(tracing.span('chat gpt-4o'), 'gen_ai.usage.input_tokens')).toBe(5);
});
