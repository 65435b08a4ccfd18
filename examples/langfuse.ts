/**
 * Langfuse's tracing SDK (@langfuse/tracing) inside a decorated agent: a Langfuse generation — its model, usage and
 * cost — becomes an LLM call of the agent run. Langfuse writes its observations as OpenTelemetry spans on the global
 * tracer provider, which startAgentTelemetry registers, so agentspan stores them with no exporter of Langfuse's.
 * The model is a fake OpenAI on 127.0.0.1 (no key), called with the plain OpenAI SDK.
 *
 *   npx ts-node --transpile-only examples/langfuse.ts
 *
 * Shown: observe() around a function, and startActiveObservation(), both as `generation`, reporting usageDetails in
 * OpenAI's names ({ promptTokens, completionTokens }) and costDetails in US dollars (stored as the cost, "provided").
 * Embedded PostgreSQL in ./.agentspan/examples/langfuse unless DATABASE_URL is set.
 */
import 'reflect-metadata';
import OpenAI from 'openai';
import { observe, startActiveObservation, updateActiveObservation } from '@langfuse/tracing';
import { Agent, Trace, startAgentTelemetry } from '../src';
import { startFakeOpenAI } from './support/fake-providers';
import { printProviderFigures, printStoredRun } from './support/print-run';

const USAGE = { promptTokens: 1200, cachedTokens: 0, completionTokens: 300, reasoningTokens: 0 };
const PRICE = { input: 0.15, output: 0.6 }; // gpt-4o-mini, USD per million tokens

/** Langfuse's usage and cost of one chat completion. */
function reportOf(completion: OpenAI.Chat.ChatCompletion) {
  const promptTokens = completion.usage?.prompt_tokens ?? 0;
  const completionTokens = completion.usage?.completion_tokens ?? 0;
  const input = (promptTokens * PRICE.input) / 1e6;
  const output = (completionTokens * PRICE.output) / 1e6;
  return {
    model: completion.model,
    usageDetails: { promptTokens, completionTokens },
    costDetails: { input, output, total: input + output },
  };
}

@Agent({ name: 'LangfuseSupportAgent', version: '1.0' })
class SupportAgent {
  constructor(private readonly client: OpenAI) {}

  // observe() wraps a function in an observation; inside it, updateActiveObservation reports on it.
  private readonly draft = observe(
    async (question: string) => {
      const completion = await this.client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: question }],
      });
      updateActiveObservation(reportOf(completion), { asType: 'generation' });
      return completion.choices[0].message.content ?? '';
    },
    { name: 'draft-answer', asType: 'generation' },
  );

  @Trace()
  async answer(question: string): Promise<string[]> {
    const draft = await this.draft(question);
    const final = await startActiveObservation(
      'polish-answer',
      async (generation) => {
        const completion = await this.client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: `Polish: ${draft}` }],
        });
        generation.update({
          input: `Polish: ${draft}`,
          output: completion.choices[0].message,
          ...reportOf(completion),
        });
        return completion.choices[0].message.content ?? '';
      },
      { asType: 'generation' },
    );
    return [draft, final];
  }
}

async function main(): Promise<void> {
  const fake = await startFakeOpenAI(USAGE);
  const telemetry = await startAgentTelemetry({
    serviceName: 'example-langfuse',
    embeddedDataDir: '.agentspan/examples/langfuse',
  });
  try {
    const started = new Date();
    const answers = await new SupportAgent(new OpenAI({ apiKey: 'test', baseURL: fake.url })).answer(
      'How do I reset my password?',
    );
    console.log(`answers: ${JSON.stringify(answers)}`);
    await telemetry.flush(); // wait until the spans are written
    await printStoredRun(telemetry, 'LangfuseSupportAgent', started);
    const cost = (USAGE.promptTokens * PRICE.input + USAGE.completionTokens * PRICE.output) / 1e6;
    printProviderFigures(
      fake.requests.length,
      { input: USAGE.promptTokens, cacheRead: null, cacheWrite: null, output: USAGE.completionTokens, reasoning: null },
      `prompt_tokens ${USAGE.promptTokens}, completion_tokens ${USAGE.completionTokens}; reported cost $${cost.toFixed(6)}`,
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
