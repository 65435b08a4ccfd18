import { buckets, storedRunsOf } from './harness';

/**
 * @anthropic-ai/sdk 1.x with its own tracing, against the fake Anthropic API (input 100 fresh, cache read 1,000,
 * cache creation 200, output 300). Its spans count the cache inside `gen_ai.usage.input_tokens` (OTel's meaning) and
 * name cache writes `gen_ai.usage.cache_write.input_tokens`.
 */
const stored = storedRunsOf('anthropic-sdk');

const CALL = buckets(100, 1000, 200, 300, null);
const CALL_COST = 100 * 1e-6 + 1000 * 0.1e-6 + 200 * 1.25e-6 + 300 * 5e-6;

it.each(['plain', 'stream'])(
  '%s: fresh input, cache read and cache write as Anthropic reported them, priced',
  (variant) => {
    const { calls, totals } = stored.run(variant);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      name: 'anthropic.messages.create',
      provider: 'anthropic',
      requestModel: 'claude-haiku-4-5',
      responseModel: 'claude-haiku-4-5-20251001',
      tokens: CALL,
      costSource: 'calculated',
    });
    expect(calls[0]!.costUsd).toBeCloseTo(CALL_COST, 12);
    expect(totals).toMatchObject({
      llmCalls: 1,
      inputTokens: 100,
      cacheReadTokens: 1000,
      cacheWriteTokens: 200,
      outputTokens: 300,
    });
    expect(totals.costUsd).toBeCloseTo(CALL_COST, 12);
  },
);

it('@LLM around the traced SDK call: one call, counted once, the same figures', () => {
  const { calls, executions, totals } = stored.run('wrapped');
  expect(executions.filter((execution) => execution.kind === 'llm')).toHaveLength(2);
  expect(calls).toHaveLength(1);
  expect(calls[0]!.tokens).toEqual(CALL);
  expect(totals).toMatchObject({
    llmCalls: 1,
    inputTokens: 100,
    cacheReadTokens: 1000,
    cacheWriteTokens: 200,
    outputTokens: 300,
  });
  expect(totals.costUsd).toBeCloseTo(CALL_COST, 12);
});

it('two calls in a run are two calls', () => {
  const { calls, totals } = stored.run('two-calls');
  expect(calls).toHaveLength(2);
  expect(totals).toMatchObject({
    llmCalls: 2,
    inputTokens: 200,
    cacheReadTokens: 2000,
    cacheWriteTokens: 400,
    outputTokens: 600,
  });
  expect(totals.costUsd).toBeCloseTo(2 * CALL_COST, 12);
});
