import { run } from './example-runs';

/** examples/openai-sdk.ts as a user runs it (see example-runs.ts). */
it('OpenAI SDK + Traceloop: direct calls with what Traceloop reports, @LLM-wrapped calls exact and counted once', async () => {
  const printed = await run('openai-sdk');
  const models = 'gpt-4o-mini → gpt-4o-mini-2024-07-18 (openai)';
  const exact = 'input 200 · cache read 1000 · cache write – · output 300 · reasoning 0 · cost $0.000285 (calculated)';
  expect(printed.calls).toEqual([
    // Traceloop's span reports prompt_tokens without the cached part: all 1,200 are stored as fresh input.
    `chat gpt-4o-mini | ${models} | input 1200 · cache read – · cache write – · output 300 · reasoning – · cost $0.000360 (calculated)`,
    // Traceloop records no usage for a chat stream, even with include_usage.
    `chat gpt-4o-mini | ${models} | input – · cache read – · cache write – · output – · reasoning – · cost unknown (unknown)`,
    `chat gpt-4o-mini | ${models} | ${exact}`,
    `chat gpt-4o-mini | ${models} | input 1200 · cache read – · cache write – · output 300 · reasoning – · cost $0.000360 (calculated) | not counted`,
    `chat gpt-4o-mini | ${models} | ${exact}`,
    `chat gpt-4o-mini | ${models} | input – · cache read – · cache write – · output – · reasoning – · cost unknown (unknown) | not counted`,
  ]);
  expect(printed.run).toEqual({
    input: '1600',
    'cache read': '2000',
    'cache write': '–',
    output: '900',
    reasoning: '0',
    cost: '$0.000930',
    'llm calls': '4',
    'unknown-cost calls': '1',
  });
  expect(printed.provider['llm calls']).toBe('4');
  expect(printed.agentRuns).toBe('OpenAISupportAgent');
}, 120_000);
