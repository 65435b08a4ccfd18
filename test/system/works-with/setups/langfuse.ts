import { observe, startActiveObservation, updateActiveObservation } from '@langfuse/tracing';
import type { Setup } from '../setup-process';

/** @langfuse/tracing v5 observations of type generation (and an agent around one), on the global tracer provider. */
export const setup: Setup = async ({ inAgent }) => {
  const answer = observe(
    async (question: string) => {
      updateActiveObservation(
        {
          model: 'gpt-4o-mini',
          usageDetails: { promptTokens: 1200, completionTokens: 300 },
          costDetails: { input: 0.0002, output: 0.0003, total: 0.0005 },
        },
        { asType: 'generation' },
      );
      return `answer to ${question}`;
    },
    { name: 'answer', asType: 'generation' },
  );
  await inAgent('observe with cost', () => answer('Say hello'));
  await inAgent('usage only', () =>
    startActiveObservation(
      'generate',
      async (generation) =>
        generation.update({ model: 'gpt-4o-mini', usageDetails: { promptTokens: 1200, completionTokens: 300 } }),
      {
        asType: 'generation',
      },
    ),
  );
  await inAgent('langfuse keys', () =>
    startActiveObservation(
      'generate',
      async (generation) =>
        generation.update({
          model: 'claude-haiku-4-5',
          usageDetails: { input: 100, output: 300, cache_read_input_tokens: 1000 },
        }),
      { asType: 'generation' },
    ),
  );
  await inAgent('error level', () =>
    startActiveObservation(
      'generate',
      async (generation) =>
        generation.update({ model: 'gpt-4o-mini', level: 'ERROR', statusMessage: 'rate limited by provider' }),
      { asType: 'generation' },
    ),
  );
  await inAgent('agent observation', () =>
    startActiveObservation(
      'planner',
      async () => {
        await startActiveObservation(
          'plan',
          async (generation) =>
            generation.update({ model: 'gpt-4o-mini', usageDetails: { promptTokens: 1200, completionTokens: 300 } }),
          { asType: 'generation' },
        );
      },
      { asType: 'agent' },
    ),
  );
};
