import { buckets, storedRunsOf } from './harness';

/** @langfuse/tracing v5 generations: usageDetails in the shape its docs show, costDetails, level ERROR. */
const stored = storedRunsOf('langfuse');

it('observe() with usageDetails { promptTokens, completionTokens } and costDetails: tokens read, cost as provided', () => {
  const { calls, totals } = stored.run('observe with cost');
  expect(calls).toHaveLength(1);
  expect(calls[0]).toMatchObject({
    name: 'answer',
    requestModel: 'gpt-4o-mini',
    tokens: buckets(1200, null, null, 300, null),
    costSource: 'provided',
  });
  expect(calls[0]!.costUsd).toBeCloseTo(0.0005, 12);
  expect(totals).toMatchObject({ llmCalls: 1, inputTokens: 1200, outputTokens: 300, unknownCostCalls: 0 });
  expect(totals.costUsd).toBeCloseTo(0.0005, 12);
});

it('usage without a cost: calculated from the price of the model', () => {
  const { calls, totals } = stored.run('usage only');
  expect(calls[0]).toMatchObject({ tokens: buckets(1200, null, null, 300, null), costSource: 'calculated' });
  expect(totals.costUsd).toBeCloseTo(1200 * 0.15e-6 + 300 * 0.6e-6, 12);
});

it("Langfuse's own keys: input without the cache read, which has a key of its own", () => {
  const { calls, totals } = stored.run('langfuse keys');
  expect(calls[0]).toMatchObject({
    requestModel: 'claude-haiku-4-5',
    tokens: buckets(100, 1000, null, 300, null),
    costSource: 'calculated',
  });
  expect(totals.costUsd).toBeCloseTo(100 * 1e-6 + 1000 * 0.1e-6 + 300 * 5e-6, 12);
});

it('level ERROR with a status message: a failed call, counted as an error of the run', () => {
  const { calls, totals } = stored.run('error level');
  expect(calls[0]).toMatchObject({ status: 'failed', errorMessage: 'rate limited by provider' });
  expect(totals).toMatchObject({ errors: 1, llmCalls: 1 });
});

it('an agent observation is an agent run of its name, the generation inside it counted once', () => {
  const { agents, calls, totals } = stored.run('agent observation');
  expect(agents).toEqual(['WorksWith', 'planner']);
  expect(calls).toHaveLength(1);
  expect(totals).toMatchObject({ llmCalls: 1, inputTokens: 1200, outputTokens: 300 });
});
