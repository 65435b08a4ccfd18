import { BUCKETS, pick, run } from './example-runs';

/** examples/vercel-ai-sdk.ts as a user runs it (see example-runs.ts). */
it('Vercel AI SDK + @ai-sdk/otel: each call counted once on its chat span, no run of an agent named after the model', async () => {
  const printed = await run('vercel-ai-sdk');
  const call =
    'chat gpt-4o-mini | gpt-4o-mini → gpt-4o-mini-2024-07-18 (openai) | ' +
    'input 100 · cache read 1000 · cache write 200 · output 250 · reasoning 50 · cost $0.000300 (calculated)';
  expect(printed.calls).toEqual([call, call]);
  expect(printed.tree.filter((line) => line.trim().startsWith('invoke_agent'))).toEqual([
    'invoke_agent VercelAISupportAgent [agent]',
    '  invoke_agent gpt-4o-mini [task]',
    '  invoke_agent gpt-4o-mini [task]',
  ]);
  expect(printed.provider).toEqual({
    input: '200',
    'cache read': '2000',
    'cache write': '400',
    output: '500',
    reasoning: '100',
    'llm calls': '2',
  });
  expect(pick(printed.run, [...BUCKETS, 'llm calls'])).toEqual(printed.provider);
  expect(pick(printed.run, ['cost', 'unknown-cost calls'])).toEqual({ cost: '$0.000600', 'unknown-cost calls': '0' });
  expect(printed.agentRuns).toBe('VercelAISupportAgent');
}, 120_000);
