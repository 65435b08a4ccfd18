import { buckets, storedRunsOf } from './harness';

/**
 * LangChain.js (@langchain/openai) with @arizeai/openinference-instrumentation-langchain, against the fake OpenAI
 * (prompt 1,200 of which 1,000 cached, completion 300). LangChain reports no reasoning split; its provider is in the
 * span's `metadata` (ls_provider).
 */
const stored = storedRunsOf('langchain');

const CALL_COST = 200 * 0.15e-6 + 1000 * 0.075e-6 + 300 * 0.6e-6;

it.each(['invoke', 'stream', 'chain'])(
  '%s: one call with its cache read, priced as gpt-4o-mini of openai',
  (variant) => {
    const { calls, totals, agents } = stored.run(variant);
    expect(agents).toEqual(['WorksWith']);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      name: 'ChatOpenAI',
      provider: 'openai',
      requestModel: 'gpt-4o-mini',
      tokens: buckets(200, 1000, null, 300, null),
      costSource: 'calculated',
    });
    expect(totals).toMatchObject({
      llmCalls: 1,
      inputTokens: 200,
      cacheReadTokens: 1000,
      outputTokens: 300,
      unknownCostCalls: 0,
    });
    expect(totals.costUsd).toBeCloseTo(CALL_COST, 12);
  },
);

it('the chain is a task around the call', () => {
  const { executions } = stored.run('chain');
  expect(executions.find((execution) => execution.name === 'RunnableSequence')).toMatchObject({ kind: 'task' });
  expect(executions.find((execution) => execution.kind === 'llm')).toMatchObject({ parentName: 'RunnableSequence' });
});
