import { pick, run } from './example-runs';

/** examples/langchain.ts as a user runs it (see example-runs.ts). */
it('LangChain ChatOpenAI + OpenInference: invoke and stream with the cached prompt apart', async () => {
  const printed = await run('langchain');
  // OpenInference's LangChain span names the request model only (the response model is inside its output JSON) and
  // no reasoning figure.
  const call =
    'ChatOpenAI | gpt-4o-mini → ? (openai) | input 200 · cache read 1000 · cache write – · output 300 · reasoning – · cost $0.000285 (calculated)';
  expect(printed.calls).toEqual([call, call]);
  expect(printed.provider).toEqual({
    input: '400',
    'cache read': '2000',
    'cache write': '–',
    output: '600',
    reasoning: '0',
    'llm calls': '2',
  });
  const known = ['input', 'cache read', 'cache write', 'output', 'llm calls'];
  expect(pick(printed.run, known)).toEqual(pick(printed.provider, known));
  expect(pick(printed.run, ['reasoning', 'cost', 'unknown-cost calls'])).toEqual({
    reasoning: '–',
    cost: '$0.000570',
    'unknown-cost calls': '0',
  });
  expect(printed.agentRuns).toBe('LangChainSupportAgent');
}, 120_000);
