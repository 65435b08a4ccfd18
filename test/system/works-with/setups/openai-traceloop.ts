import { OpenAIInstrumentation } from '@traceloop/instrumentation-openai';
import OpenAIModule from 'openai';
import { LLM } from '../../../../src';
import type { Setup } from '../setup-process';

/** openai 7 with Traceloop's instrumentation (applied by hand: its require hook covers openai below 7). */
export const setup: Setup = async ({ openai, inAgent }) => {
  new OpenAIInstrumentation().manuallyInstrument(OpenAIModule);
  const client = new OpenAIModule({ apiKey: 'test', baseURL: openai.url });
  const messages = [{ role: 'user' as const, content: 'Say hello' }];

  class Assistant {
    /** The README's pattern: @LLM around an instrumented SDK call, returning what the SDK returns. */
    @LLM({ provider: 'openai', model: 'gpt-4o-mini' })
    ask(content: string) {
      return client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] });
    }

    @LLM({ provider: 'openai', model: 'gpt-4o-mini' })
    askStreamed(content: string) {
      return client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content }],
        stream: true,
        stream_options: { include_usage: true },
      });
    }
  }
  const assistant = new Assistant();

  await inAgent('plain', () => client.chat.completions.create({ model: 'gpt-4o-mini', messages }));
  await inAgent('stream', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const chunk of stream) void chunk;
  });
  await inAgent('wrapped', async () => {
    const promise = assistant.ask('Say hello');
    // The decorated method hands back the SDK's own APIPromise.
    const { data, response } = await promise.withResponse();
    if (!data.id || response.status !== 200) throw new Error('withResponse() did not answer');
  });
  await inAgent('wrapped-stream', async () => {
    for await (const chunk of await assistant.askStreamed('Say hello')) void chunk;
  });
};
