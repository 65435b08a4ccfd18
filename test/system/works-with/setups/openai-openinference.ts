import { OpenAIInstrumentation } from '@arizeai/openinference-instrumentation-openai';
import * as openaiModule from 'openai';
import OpenAI from 'openai';
import { LLM } from '../../../../src';
import type { Setup } from '../setup-process';

/** openai 7 with OpenInference's instrumentation (manuallyInstrument takes the module). */
export const setup: Setup = async ({ openai, inAgent }) => {
  // It patches the module's OpenAI class (its typing names the class, the method takes the module).
  new OpenAIInstrumentation().manuallyInstrument(openaiModule as unknown as typeof OpenAI);
  const client = new OpenAI({ apiKey: 'test', baseURL: openai.url });
  const messages = [{ role: 'user' as const, content: 'Say hello' }];

  class Assistant {
    @LLM({ provider: 'openai', model: 'gpt-4o-mini' })
    ask() {
      return client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    }
  }

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
  await inAgent('responses', () => client.responses.create({ model: 'gpt-4o-mini', input: 'Say hello' }));
  await inAgent('wrapped', () => new Assistant().ask());
};
