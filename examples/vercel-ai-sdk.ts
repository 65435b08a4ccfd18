/**
 * The Vercel AI SDK (ai 7) with its OpenTelemetry integration (@ai-sdk/otel), inside a decorated agent: each model
 * call of generateText and streamText becomes an LLM call of the agent run, with its tokens and cost. The model is
 * the AI SDK's own MockLanguageModelV4 (no network, no key), answering with prompt-cache and reasoning usage.
 *
 *   npx ts-node --transpile-only examples/vercel-ai-sdk.ts
 *
 * The AI SDK wraps each call in a span `invoke_agent gpt-4o-mini` that repeats its steps' usage: agentspan stores it
 * as a task (not as a run of an agent named after the model) and counts the usage once, on the `chat` span.
 * `ai` and `@ai-sdk/otel` are ES modules; Node 20.17+ loads them from CommonJS (require(esm)). Embedded PostgreSQL in
 * ./.agentspan/examples/vercel-ai-sdk unless DATABASE_URL is set.
 */
import 'reflect-metadata';
import { generateText, registerTelemetry, simulateReadableStream, streamText } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { OpenTelemetry } from '@ai-sdk/otel';
import { Agent, Trace, startAgentTelemetry } from '../src';
import { printProviderFigures, printStoredRun } from './support/print-run';

// What the model reports for each call: input total includes the cache; output total includes reasoning.
const usage = {
  inputTokens: { total: 1300, noCache: 100, cacheRead: 1000, cacheWrite: 200 },
  outputTokens: { total: 300, text: 250, reasoning: 50 },
};
const response = { id: 'resp-1', modelId: 'gpt-4o-mini-2024-07-18', timestamp: new Date() };
const finishReason = { unified: 'stop' as const, raw: 'stop' };
const model = new MockLanguageModelV4({
  provider: 'openai.chat',
  modelId: 'gpt-4o-mini',
  doGenerate: async () => ({
    content: [{ type: 'text', text: 'Hello from the mock model.' }],
    finishReason,
    usage,
    response,
    warnings: [],
  }),
  doStream: async () => ({
    stream: simulateReadableStream({
      initialDelayInMs: null,
      chunkDelayInMs: null,
      chunks: [
        { type: 'stream-start', warnings: [] },
        { type: 'response-metadata', ...response },
        { type: 'text-start', id: 't1' },
        { type: 'text-delta', id: 't1', delta: 'Hello from ' },
        { type: 'text-delta', id: 't1', delta: 'the mock model.' },
        { type: 'text-end', id: 't1' },
        { type: 'finish', usage, finishReason },
      ],
    }),
  }),
});

@Agent({ name: 'VercelAISupportAgent', version: '1.0' })
class SupportAgent {
  @Trace()
  async answer(question: string): Promise<string[]> {
    const generated = await generateText({ model, system: 'Be brief.', prompt: question });
    const streamed = streamText({ model, system: 'Be brief.', prompt: question });
    let text = '';
    for await (const delta of streamed.textStream) text += delta;
    return [generated.text, text];
  }
}

async function main(): Promise<void> {
  const telemetry = await startAgentTelemetry({
    serviceName: 'example-vercel-ai-sdk',
    embeddedDataDir: '.agentspan/examples/vercel-ai-sdk',
  });
  // Once for the whole application (or per call: `telemetry: { integrations: new OpenTelemetry() }`), and after
  // startAgentTelemetry: the integration takes its tracer when it is constructed. `usage: true` adds the usage
  // details GenAI semconv has no name for, the reasoning tokens among them.
  registerTelemetry(new OpenTelemetry({ usage: true }));
  try {
    const started = new Date();
    const answers = await new SupportAgent().answer('How do I reset my password?');
    console.log(`answers: ${JSON.stringify(answers)}`);
    await telemetry.flush(); // wait until the spans are written
    await printStoredRun(telemetry, 'VercelAISupportAgent', started);
    const { inputTokens: input, outputTokens: output } = usage;
    printProviderFigures(
      model.doGenerateCalls.length + model.doStreamCalls.length,
      {
        input: input.noCache,
        cacheRead: input.cacheRead,
        cacheWrite: input.cacheWrite,
        output: output.text,
        reasoning: output.reasoning,
      },
      `inputTokens ${JSON.stringify(input)}, outputTokens ${JSON.stringify(output)}`,
    );
  } finally {
    await telemetry.shutdown();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
