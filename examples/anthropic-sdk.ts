/**
 * The Anthropic SDK (@anthropic-ai/sdk 1.x) with its own built-in OpenTelemetry tracing, inside a decorated agent:
 * nothing to install or register — the SDK traces every messages call as soon as a tracer provider is registered,
 * which startAgentTelemetry does. Runs against a fake Anthropic API on 127.0.0.1 (no key).
 *
 *   npx ts-node --transpile-only examples/anthropic-sdk.ts
 *
 * Shown: a plain messages.create and a streamed one (create({ stream: true }), iterated), with prompt caching: the
 * SDK's span counts input with the cache included (OTel's meaning), agentspan stores fresh input, cache reads and
 * cache writes apart and prices each at its own rate. Embedded PostgreSQL in ./.agentspan/examples/anthropic-sdk
 * unless DATABASE_URL is set.
 */
import 'reflect-metadata';
import Anthropic from '@anthropic-ai/sdk';
import { Agent, Trace, startAgentTelemetry } from '../src';
import { startFakeAnthropic } from './support/fake-providers';
import { printProviderFigures, printStoredRun } from './support/print-run';

// Anthropic's own figures: input_tokens is the fresh input; cache reads and writes come on top of it.
const USAGE = { inputTokens: 100, cacheReadTokens: 1000, cacheCreationTokens: 200, outputTokens: 300 };

@Agent({ name: 'AnthropicSupportAgent', version: '1.0' })
class SupportAgent {
  constructor(private readonly client: Anthropic) {}

  @Trace()
  async answer(question: string): Promise<string[]> {
    const params = {
      model: 'claude-haiku-4-5',
      max_tokens: 256,
      // The long, stable part of the prompt is cached: later calls read it from the cache.
      system: [
        {
          type: 'text' as const,
          text: 'You are a support agent for ACME. (Long policy text…)',
          cache_control: { type: 'ephemeral' as const },
        },
      ],
      messages: [{ role: 'user' as const, content: question }],
    };
    const message = await this.client.messages.create(params);
    let streamed = '';
    const stream = await this.client.messages.create({ ...params, stream: true });
    for await (const event of stream) {
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') streamed += event.delta.text;
    }
    return [message.content[0].type === 'text' ? message.content[0].text : '', streamed];
  }
}

async function main(): Promise<void> {
  const fake = await startFakeAnthropic(USAGE);
  const telemetry = await startAgentTelemetry({
    serviceName: 'example-anthropic-sdk',
    embeddedDataDir: '.agentspan/examples/anthropic-sdk',
  });
  try {
    const started = new Date();
    const client = new Anthropic({ apiKey: 'test', baseURL: fake.url });
    const answers = await new SupportAgent(client).answer('How do I reset my password?');
    console.log(`answers: ${JSON.stringify(answers)}`);
    await telemetry.flush(); // wait until the spans are written
    await printStoredRun(telemetry, 'AnthropicSupportAgent', started);
    printProviderFigures(
      fake.requests.length,
      {
        input: USAGE.inputTokens,
        cacheRead: USAGE.cacheReadTokens,
        cacheWrite: USAGE.cacheCreationTokens,
        output: USAGE.outputTokens,
        reasoning: null,
      },
      `input_tokens ${USAGE.inputTokens}, cache_read_input_tokens ${USAGE.cacheReadTokens}, cache_creation_input_tokens ${USAGE.cacheCreationTokens}, output_tokens ${USAGE.outputTokens}`,
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
