/**
 * The OpenAI SDK (openai 7) traced by @traceloop/instrumentation-openai, inside a decorated agent: each chat call
 * becomes an LLM call of the agent run, with its tokens and cost. Runs against a fake OpenAI on 127.0.0.1 (no key).
 *
 *   npx ts-node --transpile-only examples/openai-sdk.ts
 *
 * Shown: a plain call and a streamed call made directly (Traceloop's span alone), and the same two through an @LLM
 * method that returns the SDK call (README, "Use it in your application"): @LLM reads the usage off the response or
 * the stream's last chunk, and the two spans of one call are counted once. Traceloop's span reports neither the
 * cached part of the prompt nor a stream's usage, so the direct calls are stored with all 1,200 prompt tokens as
 * fresh input (cache unknown) and with unknown usage and cost; the @LLM calls with the provider's exact figures.
 * Embedded PostgreSQL in ./.agentspan/examples/openai-sdk unless DATABASE_URL is set.
 */
import 'reflect-metadata';
import OpenAI from 'openai';
import { OpenAIInstrumentation } from '@traceloop/instrumentation-openai';
import { Agent, LLM, Trace, startAgentTelemetry } from '../src';
import { startFakeOpenAI } from './support/fake-providers';
import { printProviderFigures, printStoredRun } from './support/print-run';

// Traceloop's require hook patches openai >=4 <7 only: openai 7 is instrumented by hand (the class, not the module).
new OpenAIInstrumentation().manuallyInstrument(OpenAI);

const USAGE = { promptTokens: 1200, cachedTokens: 1000, completionTokens: 300, reasoningTokens: 0 };
const messages = [{ role: 'user' as const, content: 'Say hello' }];

@Agent({ name: 'OpenAISupportAgent', version: '1.0' })
class SupportAgent {
  constructor(private readonly client: OpenAI) {}

  @Trace()
  async answer(): Promise<string[]> {
    // 1. Plain, instrumented by Traceloop only.
    const plain = await this.client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    // 2. Streamed, Traceloop only; include_usage makes OpenAI send the usage in a last chunk.
    let streamed = '';
    const stream = await this.client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? '';
    // 3 and 4. The same calls through @LLM methods that return the SDK's promise or stream.
    const wrapped = await this.complete('Say hello');
    let wrappedStream = '';
    for await (const chunk of await this.completeStreamed('Say hello'))
      wrappedStream += chunk.choices[0]?.delta.content ?? '';
    return [plain.choices[0].message.content ?? '', streamed, wrapped.choices[0].message.content ?? '', wrappedStream];
  }

  @LLM({ provider: 'openai', model: 'gpt-4o-mini' })
  complete(prompt: string) {
    return this.client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }] });
  }

  @LLM({ provider: 'openai', model: 'gpt-4o-mini' })
  completeStreamed(prompt: string) {
    return this.client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: prompt }],
      stream: true,
      stream_options: { include_usage: true },
    });
  }
}

async function main(): Promise<void> {
  const fake = await startFakeOpenAI(USAGE);
  const telemetry = await startAgentTelemetry({
    serviceName: 'example-openai-sdk',
    embeddedDataDir: '.agentspan/examples/openai-sdk',
  });
  try {
    const started = new Date();
    const answers = await new SupportAgent(new OpenAI({ apiKey: 'test', baseURL: fake.url })).answer();
    console.log(`answers: ${JSON.stringify(answers)}`);
    await telemetry.flush(); // wait until the spans are written
    await printStoredRun(telemetry, 'OpenAISupportAgent', started);
    printProviderFigures(
      fake.requests.length,
      {
        input: USAGE.promptTokens - USAGE.cachedTokens,
        cacheRead: USAGE.cachedTokens,
        cacheWrite: null,
        output: USAGE.completionTokens - USAGE.reasoningTokens,
        reasoning: USAGE.reasoningTokens,
      },
      `prompt_tokens ${USAGE.promptTokens} of which cached_tokens ${USAGE.cachedTokens}, completion_tokens ${USAGE.completionTokens} of which reasoning_tokens ${USAGE.reasoningTokens}`,
    );
  } finally {
    await telemetry.shutdown();
    await fake.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
