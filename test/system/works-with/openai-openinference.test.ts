import { buckets, storedRunsOf } from './harness';

/**
 * openai 7 + @arizeai/openinference-instrumentation-openai, against the fake OpenAI (prompt 1,200 of which 1,000
 * cached, completion 300 of which 0 reasoning). OpenInference overwrites `llm.model_name` with the response model;
 * the request model is read from its invocation parameters. It records no usage on chat streams.
 */
const stored = storedRunsOf('openai-openinference');

const FULL_COST = 200 * 0.15e-6 + 1000 * 0.075e-6 + 300 * 0.6e-6;

it('a plain completion: cache read out of the input, request and response model apart, priced', () => {
  const { calls, totals } = stored.run('plain');
  expect(calls).toHaveLength(1);
  expect(calls[0]).toMatchObject({
    name: 'OpenAI Chat Completions',
    provider: 'openai',
    requestModel: 'gpt-4o-mini',
    responseModel: 'gpt-4o-mini-2024-07-18',
    tokens: buckets(200, 1000, null, 300, 0),
    costSource: 'calculated',
  });
  expect(totals).toMatchObject({
    llmCalls: 1,
    inputTokens: 200,
    cacheReadTokens: 1000,
    outputTokens: 300,
    reasoningTokens: 0,
  });
  expect(totals.costUsd).toBeCloseTo(FULL_COST, 12);
});

it('a chat stream: no usage recorded by the instrumentation, so tokens and cost stay unknown', () => {
  const { calls, totals } = stored.run('stream');
  expect(calls).toHaveLength(1);
  expect(calls[0]).toMatchObject({
    requestModel: 'gpt-4o-mini',
    responseModel: null,
    tokens: buckets(null, null, null, null, null),
    costUsd: null,
  });
  expect(totals).toMatchObject({ llmCalls: 1, costUsd: null, unknownCostCalls: 1 });
});

it('the Responses API: the same figures', () => {
  const { calls, totals } = stored.run('responses');
  expect(calls[0]).toMatchObject({
    requestModel: 'gpt-4o-mini',
    responseModel: 'gpt-4o-mini-2024-07-18',
    tokens: buckets(200, 1000, null, 300, 0),
  });
  expect(totals.costUsd).toBeCloseTo(FULL_COST, 12);
});

it('@LLM around the instrumented call: both report everything; one call, counted once', () => {
  const { calls, executions, totals } = stored.run('wrapped');
  expect(executions.filter((execution) => execution.kind === 'llm')).toHaveLength(2);
  expect(calls).toHaveLength(1);
  expect(calls[0]!.tokens).toEqual(buckets(200, 1000, null, 300, 0));
  expect(totals).toMatchObject({ llmCalls: 1, inputTokens: 200, cacheReadTokens: 1000, outputTokens: 300 });
  expect(totals.costUsd).toBeCloseTo(FULL_COST, 12);
});
