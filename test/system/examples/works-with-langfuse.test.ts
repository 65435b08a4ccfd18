import { BUCKETS, pick, run } from './example-runs';

/** examples/langfuse.ts as a user runs it (see example-runs.ts). */
it("Langfuse generations: usageDetails in OpenAI's names, costDetails kept as the provided cost", async () => {
  const printed = await run('langfuse');
  const figuresOf = 'input 1200 · cache read – · cache write – · output 300 · reasoning – · cost $0.000360 (provided)';
  expect(printed.calls).toEqual([
    `draft-answer | gpt-4o-mini-2024-07-18 → ? (provider unknown) | ${figuresOf}`,
    `polish-answer | gpt-4o-mini-2024-07-18 → ? (provider unknown) | ${figuresOf}`,
  ]);
  expect(printed.provider).toEqual({
    input: '2400',
    'cache read': '–',
    'cache write': '–',
    output: '600',
    reasoning: '–',
    'llm calls': '2',
  });
  expect(pick(printed.run, [...BUCKETS, 'llm calls'])).toEqual(printed.provider);
  expect(pick(printed.run, ['cost', 'unknown-cost calls'])).toEqual({ cost: '$0.000720', 'unknown-cost calls': '0' });
  expect(printed.agentRuns).toBe('LangfuseSupportAgent');
}, 120_000);
