import { AnthropicInstrumentation } from '@traceloop/instrumentation-anthropic';
import * as anthropicModule from 'anthropic-sdk-0';
import type { Setup } from '../setup-process';

/**
 * @anthropic-ai/sdk 0.x (installed as anthropic-sdk-0) with Traceloop's instrumentation. The SDK traces by itself
 * too, so each call has Traceloop's span with the SDK's own span inside; with `openTelemetry: false` only Traceloop's.
 */
export const setup: Setup = async ({ anthropic, inAgent }) => {
  new AnthropicInstrumentation().manuallyInstrument(anthropicModule as never);
  const Anthropic = anthropicModule.default;
  const both = new Anthropic({ apiKey: 'test', baseURL: anthropic.url });
  const traceloopOnly = new Anthropic({ apiKey: 'test', baseURL: anthropic.url, openTelemetry: false } as never);
  const request = {
    model: 'claude-haiku-4-5',
    max_tokens: 256,
    messages: [{ role: 'user' as const, content: 'Say hello' }],
  };

  await inAgent('plain', () => both.messages.create(request));
  await inAgent('stream', async () => {
    const stream = await both.messages.create({ ...request, stream: true });
    for await (const event of stream) void event;
  });
  await inAgent('traceloop-only', () => traceloopOnly.messages.create(request));
  await inAgent('traceloop-only-stream', async () => {
    const stream = await traceloopOnly.messages.create({ ...request, stream: true });
    for await (const event of stream) void event;
  });
  await inAgent('two-calls', async () => {
    await both.messages.create(request);
    await both.messages.create(request);
  });
};
