import { OpenTelemetry, LegacyOpenTelemetry } from '@ai-sdk/otel';
import { generateText, isStepCount, streamText, tool } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { z } from 'zod';
import type { Setup } from '../setup-process';

/**
 * Vercel AI SDK 7 with @ai-sdk/otel, both integrations, and a mock model from ai/test reporting the usage of one
 * call: input 1,300 (100 fresh, 1,000 cache read, 200 cache write), output 300 (50 of them reasoning).
 */
const USAGE = {
  inputTokens: { total: 1300, noCache: 100, cacheRead: 1000, cacheWrite: 200 },
  outputTokens: { total: 300, text: 250, reasoning: 50 },
};
const TOOL_STEP_USAGE = {
  inputTokens: { total: 500, noCache: 500, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 20, text: 20, reasoning: 0 },
};
const RESPONSE = { id: 'resp-1', modelId: 'gpt-4o-mini-2024-07-18', timestamp: new Date('2026-12-01T00:00:00Z') };
const ANSWER = {
  content: [{ type: 'text' as const, text: 'Hello.' }],
  finishReason: { unified: 'stop' as const, raw: 'stop' },
  usage: USAGE,
  response: RESPONSE,
  warnings: [],
};
const TOOL_CALL = {
  content: [
    { type: 'tool-call' as const, toolCallId: 'call-1', toolName: 'weather', input: JSON.stringify({ city: 'Paris' }) },
  ],
  finishReason: { unified: 'tool-calls' as const, raw: 'tool_calls' },
  usage: TOOL_STEP_USAGE,
  response: { ...RESPONSE, id: 'resp-0' },
  warnings: [],
};

function streamOfAnswer() {
  return new ReadableStream({
    start(controller) {
      controller.enqueue({ type: 'stream-start', warnings: [] });
      controller.enqueue({ type: 'response-metadata', ...RESPONSE });
      controller.enqueue({ type: 'text-start', id: 't' });
      controller.enqueue({ type: 'text-delta', id: 't', delta: 'Hello.' });
      controller.enqueue({ type: 'text-end', id: 't' });
      controller.enqueue({ type: 'finish', usage: USAGE, finishReason: { unified: 'stop', raw: 'stop' } });
      controller.close();
    },
  });
}

function model(doGenerate: unknown = ANSWER) {
  return new MockLanguageModelV4({
    provider: 'openai.chat',
    modelId: 'gpt-4o-mini',
    doGenerate: doGenerate as never,
    doStream: async () => ({ stream: streamOfAnswer() }) as never,
  });
}

const weather = tool({
  description: 'The weather in a city',
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }) => ({ city, tempC: 21 }),
});

export const setup: Setup = async ({ inAgent }) => {
  for (const [name, integration] of [
    ['otel', () => new OpenTelemetry({ usage: true })],
    ['legacy', () => new LegacyOpenTelemetry()],
  ] as const) {
    await inAgent(`${name} generateText`, () =>
      generateText({ model: model(), prompt: 'Say hello', telemetry: { integrations: integration() } }),
    );
    await inAgent(`${name} streamText`, async () => {
      const result = streamText({ model: model(), prompt: 'Say hello', telemetry: { integrations: integration() } });
      for await (const text of result.textStream) void text;
      await result.usage;
    });
    await inAgent(`${name} two steps`, () =>
      generateText({
        model: model([TOOL_CALL, ANSWER]),
        prompt: 'Weather in Paris?',
        tools: { weather },
        stopWhen: isStepCount(3),
        telemetry: { integrations: integration() },
      }),
    );
  }
  // Named by the application (functionId): an agent of that name, whose summed usage is still not counted again.
  await inAgent('otel named', () =>
    generateText({
      model: model(),
      prompt: 'Say hello',
      telemetry: { integrations: new OpenTelemetry(), functionId: 'greeter' },
    }),
  );
};
