import { buckets, storedRunsOf } from './harness';

/**
 * openai 7 + @traceloop/instrumentation-openai, against the fake OpenAI (prompt 1,200 tokens of which 1,000 cached,
 * completion 300 of which 0 reasoning). Traceloop records no cached or reasoning tokens and no usage on streams: what
 * it reports is stored, what it does not stays unknown, and a call without usage has an unknown cost.
 */
const stored = storedRunsOf('openai-traceloop');

it('a plain completion: input and output as Traceloop reports them, the cache unknown, priced at gpt-4o-mini', () => {
  const { calls, totals, agents } = stored.run('plain');
  expect(calls).toHaveLength(1);
  expect(calls[0]).toMatchObject({
    name: 'chat gpt-4o-mini',
    provider: 'openai',
    requestModel: 'gpt-4o-mini',
    responseModel: 'gpt-4o-mini-2024-07-18',
    tokens: buckets(1200, null, null, 300, null),
    costSource: 'calculated',
  });
  expect(calls[0]!.costUsd).toBeCloseTo(1200 * 0.15e-6 + 300 * 0.6e-6, 12);
  expect(totals).toMatchObject({
    llmCalls: 1,
    inputTokens: 1200,
    outputTokens: 300,
    cacheReadTokens: null,
    unknownCostCalls: 0,
  });
  expect(totals.costUsd).toBeCloseTo(0.00036, 12);
  expect(agents).toEqual(['WorksWith']);
});

it('a stream: Traceloop records no usage, so the tokens and the cost stay unknown (never 0)', () => {
  const { calls, totals } = stored.run('stream');
  expect(calls).toHaveLength(1);
  expect(calls[0]).toMatchObject({
    tokens: buckets(null, null, null, null, null),
    costUsd: null,
    costSource: 'unknown',
  });
  expect(totals).toMatchObject({
    llmCalls: 1,
    inputTokens: null,
    outputTokens: null,
    costUsd: null,
    unknownCostCalls: 1,
  });
});

it('@LLM around the instrumented call: one call, with the figures of the span that reports most (the response usage)', () => {
  const { calls, executions, totals } = stored.run('wrapped');
  expect(executions.filter((execution) => execution.kind === 'llm')).toHaveLength(2);
  expect(calls).toHaveLength(1);
  expect(calls[0]).toMatchObject({
    name: 'chat gpt-4o-mini',
    tokens: buckets(200, 1000, null, 300, 0),
    costSource: 'calculated',
  });
  const cost = 200 * 0.15e-6 + 1000 * 0.075e-6 + 300 * 0.6e-6;
  expect(totals).toMatchObject({
    llmCalls: 1,
    inputTokens: 200,
    cacheReadTokens: 1000,
    outputTokens: 300,
    unknownCostCalls: 0,
  });
  expect(totals.costUsd).toBeCloseTo(cost, 12);
  // The instrumentation's span, inside the wrapper, keeps what it said but is not counted.
  expect(executions.find((execution) => execution.kind === 'llm' && !execution.counted)).toMatchObject({
    parentName: 'chat gpt-4o-mini',
    tokens: buckets(1200, null, null, 300, null),
  });
});

it('@LLM around an instrumented stream: the wrapper read the usage from the stream; the call counts once', () => {
  const { calls, totals } = stored.run('wrapped-stream');
  expect(calls).toHaveLength(1);
  expect(calls[0]!.tokens).toEqual(buckets(200, 1000, null, 300, 0));
  expect(totals).toMatchObject({
    llmCalls: 1,
    inputTokens: 200,
    cacheReadTokens: 1000,
    outputTokens: 300,
    unknownCostCalls: 0,
  });
});
