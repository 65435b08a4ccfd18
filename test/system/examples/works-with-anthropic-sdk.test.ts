import { BUCKETS, pick, run } from './example-runs';

/** examples/anthropic-sdk.ts as a user runs it (see example-runs.ts). */
it("Anthropic SDK's own tracing: fresh input, cache reads and cache writes apart, plain and streamed, as sent", async () => {
  const printed = await run('anthropic-sdk');
  const call =
    'anthropic.messages.create | claude-haiku-4-5 → claude-haiku-4-5-20251001 (anthropic) | ' +
    'input 100 · cache read 1000 · cache write 200 · output 300 · reasoning – · cost $0.001950 (calculated)';
  expect(printed.calls).toEqual([call, call]);
  expect(printed.provider).toEqual({
    input: '200',
    'cache read': '2000',
    'cache write': '400',
    output: '600',
    reasoning: '–',
    'llm calls': '2',
  });
  expect(pick(printed.run, [...BUCKETS, 'llm calls'])).toEqual(printed.provider);
  expect(pick(printed.run, ['cost', 'unknown-cost calls'])).toEqual({ cost: '$0.003900', 'unknown-cost calls': '0' });
  expect(printed.agentRuns).toBe('AnthropicSupportAgent');
}, 120_000);
