import { buckets, storedRunsOf } from './harness';

/**
 * @anthropic-ai/sdk 0.x with @traceloop/instrumentation-anthropic, against the fake Anthropic API (input 100 fresh,
 * cache read 1,000, cache creation 200, output 300). Traceloop puts Anthropic's fresh input in
 * `gen_ai.usage.input_tokens` (OTel counts the cache inside it); the SDK's own span, inside Traceloop's, describes
 * the same call.
 */
const stored = storedRunsOf('anthropic-traceloop');

const CALL = buckets(100, 1000, 200, 300, null);
const CALL_COST = 100 * 1e-6 + 1000 * 0.1e-6 + 200 * 1.25e-6 + 300 * 5e-6;

it.each(['plain', 'stream'])('%s: two spans of one call (Traceloop, the SDK inside) count as one call', (variant) => {
  const { calls, executions, totals } = stored.run(variant);
  const spans = executions.filter((execution) => execution.kind === 'llm');
  expect(spans.map((span) => span.name).sort()).toEqual(['anthropic.messages.create', 'chat claude-haiku-4-5']);
  expect(spans.find((span) => span.name === 'anthropic.messages.create')!.parentName).toBe('chat claude-haiku-4-5');
  // Both read the same figures, each in its own dialect.
  for (const span of spans) expect(span.tokens).toEqual(CALL);
  expect(calls).toHaveLength(1);
  expect(totals).toMatchObject({
    llmCalls: 1,
    inputTokens: 100,
    cacheReadTokens: 1000,
    cacheWriteTokens: 200,
    outputTokens: 300,
    unknownCostCalls: 0,
  });
  expect(totals.costUsd).toBeCloseTo(CALL_COST, 12);
});

it.each(['traceloop-only', 'traceloop-only-stream'])(
  '%s: fresh input stays 100, not 100 minus the cache',
  (variant) => {
    const { calls, totals } = stored.run(variant);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      name: 'chat claude-haiku-4-5',
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
  },
);

it('two calls, each described by two spans: two calls', () => {
  const { calls, executions, totals } = stored.run('two-calls');
  expect(executions.filter((execution) => execution.kind === 'llm')).toHaveLength(4);
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

it('analytics count each call once: cost by model and LLM stats by model', async () => {
  const since = new Date(Date.now() - 3_600_000);
  const breakdown = await stored.repository().costBreakdown({ groupBy: 'model', since });
  // Six calls over the five runs, ten spans describing them.
  expect(breakdown.total).toMatchObject({
    executions: 6,
    tokens: { input: 600, cacheRead: 6000, cacheWrite: 1200, output: 1800 },
  });
  expect(breakdown.total.costUsd).toBeCloseTo(6 * CALL_COST, 12);
  const stats = await stored.repository().stats({ groupBy: 'model', since });
  expect(stats.groups.reduce((sum, group) => sum + group.count, 0)).toBe(6);
});
