/**
 * LangChain.js (@langchain/openai ChatOpenAI) traced by OpenInference (@arizeai/openinference-instrumentation-langchain),
 * inside a decorated agent: each model call becomes an LLM call of the agent run, with its tokens and cost. Runs
 * against a fake OpenAI on 127.0.0.1 (no key).
 *
 *   npx ts-node --transpile-only examples/langchain.ts
 *
 * Shown: invoke and stream (ChatOpenAI asks for the stream's usage by default, `streamUsage: true`). Embedded
 * PostgreSQL in ./.agentspan/examples/langchain unless DATABASE_URL is set.
 */
import 'reflect-metadata';
import * as CallbackManagerModule from '@langchain/core/callbacks/manager';
import { ChatOpenAI } from '@langchain/openai';
import { LangChainInstrumentation } from '@arizeai/openinference-instrumentation-langchain';
import { Agent, Trace, startAgentTelemetry } from '../src';
import { startFakeOpenAI } from './support/fake-providers';
import { printProviderFigures, printStoredRun } from './support/print-run';

// OpenInference patches LangChain's callback manager; applied by hand, it works whatever the load order.
new LangChainInstrumentation().manuallyInstrument(CallbackManagerModule);

const USAGE = { promptTokens: 1200, cachedTokens: 1000, completionTokens: 300, reasoningTokens: 0 };

@Agent({ name: 'LangChainSupportAgent', version: '1.0' })
class SupportAgent {
  constructor(private readonly llm: ChatOpenAI) {}

  @Trace()
  async answer(question: string): Promise<string[]> {
    const messages = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: question },
    ];
    const invoked = await this.llm.invoke(messages);
    let streamed = '';
    for await (const chunk of await this.llm.stream(messages)) streamed += chunk.text;
    return [invoked.text, streamed];
  }
}

async function main(): Promise<void> {
  const fake = await startFakeOpenAI(USAGE);
  const telemetry = await startAgentTelemetry({
    serviceName: 'example-langchain',
    embeddedDataDir: '.agentspan/examples/langchain',
  });
  try {
    const started = new Date();
    const llm = new ChatOpenAI({ model: 'gpt-4o-mini', apiKey: 'test', configuration: { baseURL: fake.url } });
    const answers = await new SupportAgent(llm).answer('How do I reset my password?');
    console.log(`answers: ${JSON.stringify(answers)}`);
    await telemetry.flush(); // wait until the spans are written
    await printStoredRun(telemetry, 'LangChainSupportAgent', started);
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
