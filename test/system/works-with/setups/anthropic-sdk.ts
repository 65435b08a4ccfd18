import Anthropic from '@anthropic-ai/sdk';
import { LLM } from '../../../../src';
import type { Setup } from '../setup-process';

/** @anthropic-ai/sdk 1.x, whose own tracing is on by default when a tracer provider is registered. */
export const setup: Setup = async ({ anthropic, inAgent }) => {
  const client = new Anthropic({ apiKey: 'test', baseURL: anthropic.url });
  const request = {
    model: 'claude-haiku-4-5',
    max_tokens: 256,
    messages: [{ role: 'user' as const, content: 'Say hello' }],
  };

  class Assistant {
    @LLM({ provider: 'anthropic', model: 'claude-haiku-4-5' })
    ask() {
      return client.messages.create(request);
    }
  }

  await inAgent('plain', () => client.messages.create(request));
  await inAgent('stream', async () => {
    const stream = await client.messages.create({ ...request, stream: true });
    for await (const event of stream) void event;
  });
  await inAgent('wrapped', async () => {
    const { data } = await new Assistant().ask().withResponse();
    if (data.usage.input_tokens !== 100) throw new Error('unexpected usage');
  });
  await inAgent('two-calls', async () => {
    await client.messages.create(request);
    await client.messages.create(request);
  });
};
