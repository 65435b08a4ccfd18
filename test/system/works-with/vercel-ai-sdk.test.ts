import { buckets, storedRunsOf } from './harness';

/**
 * Vercel AI SDK 7 with @ai-sdk/otel, in a child process (ai is an ES module jest cannot load), a mock model reporting
 * input 1,300 (100 fresh, 1,000 cache read, 200 cache write) and output 300 (50 reasoning) per call.
 * - OpenTelemetry integration: `invoke_agent {model}` sums its `chat` children's usage; it is no agent run and its
 *   sum is not counted again.
 * - LegacyOpenTelemetry: `ai.generateText` is not stored (no GenAI attributes); its `doGenerate` children still belong
 *   to the run, their cache and reasoning figures read from `ai.usage.*`.
 */
const stored = storedRunsOf('vercel-ai-sdk');

const CALL = buckets(100, 1000, 200, 250, 50);
const PRICE = { input: 0.15e-6, cacheRead: 0.075e-6, output: 0.6e-6 }; // gpt-4o-mini; cache write and reasoning at input and output price
const CALL_COST = 100 * PRICE.input + 1000 * PRICE.cacheRead + 200 * PRICE.input + 300 * PRICE.output;
const TOOL_STEP_COST = 500 * PRICE.input + 20 * PRICE.output;

describe.each(['otel', 'legacy'])('%s integration', (integration) => {
  it.each(['generateText', 'streamText'])(
    '%s: one call, every bucket, priced; no agent named after the model',
    (call) => {
      const { calls, totals, agents } = stored.run(`${integration} ${call}`);
      expect(agents).toEqual(['WorksWith']);
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({
        provider: 'openai',
        requestModel: 'gpt-4o-mini',
        responseModel: 'gpt-4o-mini-2024-07-18',
        tokens: CALL,
        costSource: 'calculated',
      });
      expect(calls[0]!.costUsd).toBeCloseTo(CALL_COST, 12);
      expect(totals).toMatchObject({
        llmCalls: 1,
        inputTokens: 100,
        cacheReadTokens: 1000,
        cacheWriteTokens: 200,
        outputTokens: 250,
        reasoningTokens: 50,
        unknownCostCalls: 0,
      });
      expect(totals.costUsd).toBeCloseTo(CALL_COST, 12);
    },
  );

  it('two steps (a tool call, then the answer): two calls and the tool, each counted once', () => {
    const { calls, executions, totals, agents } = stored.run(`${integration} two steps`);
    expect(agents).toEqual(['WorksWith']);
    expect(calls).toHaveLength(2);
    expect(executions.filter((execution) => execution.kind === 'tool')).toHaveLength(1);
    expect(totals).toMatchObject({
      llmCalls: 2,
      toolCalls: 1,
      inputTokens: 600,
      cacheReadTokens: 1000,
      cacheWriteTokens: 200,
      outputTokens: 270,
      reasoningTokens: 50,
    });
    expect(totals.costUsd).toBeCloseTo(CALL_COST + TOOL_STEP_COST, 12);
  });
});

it('OpenTelemetry: the invoke_agent span is stored as a task with its sum, not counted', () => {
  const wrapper = stored
    .run('otel generateText')
    .executions.find((execution) => execution.name === 'invoke_agent gpt-4o-mini');
  expect(wrapper).toMatchObject({ kind: 'task', counted: false, tokens: CALL });
});

it('Legacy: the calls hang below the agent run (their parent, ai.generateText, is not stored)', () => {
  for (const execution of stored.run('legacy two steps').executions.filter((execution) => execution.kind === 'llm')) {
    expect(execution).toMatchObject({ name: 'ai.generateText.doGenerate', parentName: 'invoke_agent WorksWith' });
  }
});

it('a call named by the application (functionId) is an agent of that name; the run counts its call once', () => {
  const { calls, totals, agents } = stored.run('otel named');
  expect(agents).toEqual(['WorksWith', 'greeter']);
  expect(calls).toHaveLength(1);
  // Without `usage: true` the integration reports no reasoning split: output stays whole, reasoning unknown.
  expect(totals).toMatchObject({
    llmCalls: 1,
    inputTokens: 100,
    cacheReadTokens: 1000,
    cacheWriteTokens: 200,
    outputTokens: 300,
    reasoningTokens: null,
  });
  expect(totals.costUsd).toBeCloseTo(CALL_COST, 12);
});
