import { LangChainInstrumentation } from '@arizeai/openinference-instrumentation-langchain';
import * as CallbackManagerModule from '@langchain/core/callbacks/manager';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { ChatOpenAI } from '@langchain/openai';
import type { Setup } from '../setup-process';

/** LangChain.js ChatOpenAI against the fake OpenAI, traced by OpenInference's LangChain instrumentation. */
export const setup: Setup = async ({ openai, inAgent }) => {
  new LangChainInstrumentation().manuallyInstrument(CallbackManagerModule);
  const llm = new ChatOpenAI({
    model: 'gpt-4o-mini',
    temperature: 0.2,
    apiKey: 'test',
    configuration: { baseURL: openai.url },
  });

  await inAgent('invoke', () => llm.invoke('Say hello'));
  await inAgent('stream', async () => {
    for await (const chunk of await llm.stream('Say hello')) void chunk;
  });
  await inAgent('chain', () => ChatPromptTemplate.fromTemplate('Say {word}').pipe(llm).invoke({ word: 'hello' }));
};
