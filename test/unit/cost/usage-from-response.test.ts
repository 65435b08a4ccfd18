import { usageFromResponse } from '../../../src/cost/usage-from-response';

describe('usageFromResponse', () => {
  it('Gemini: cached content inside prompt, thinking tokens added to output', () => {
    expect(
      usageFromResponse({
        responseId: 'g-1',
        modelVersion: 'gemini-2.5-pro',
        candidates: [{ finishReason: 'STOP' }],
        usageMetadata: { promptTokenCount: 1000, candidatesTokenCount: 200, thoughtsTokenCount: 300, cachedContentTokenCount: 600, totalTokenCount: 1500 },
      }),
    ).toEqual({
      inputTokens: 1000,
      outputTokens: 500,
      cacheReadTokens: 600,
      reasoningTokens: 300,
      responseModel: 'gemini-2.5-pro',
      responseId: 'g-1',
      finishReasons: ['STOP'],
    });
  });

  it('Vercel AI SDK v6 with input token details, preferring totalUsage over the last step', () => {
    expect(
      usageFromResponse({
        usage: { inputTokens: 1, outputTokens: 1 },
        totalUsage: {
          inputTokens: 900,
          outputTokens: 80,
          inputTokenDetails: { noCacheTokens: 100, cacheReadTokens: 700, cacheWriteTokens: 100 },
          outputTokenDetails: { textTokens: 50, reasoningTokens: 30 },
        },
        response: { id: 'r', modelId: 'claude-sonnet-4-5' },
      }),
    ).toMatchObject({ inputTokens: 900, outputTokens: 80, cacheReadTokens: 700, cacheWriteTokens: 100, reasoningTokens: 30 });
  });

  it('Vercel AI SDK v4 names', () => {
    expect(usageFromResponse({ usage: { promptTokens: 10, completionTokens: 4, totalTokens: 14 } })).toEqual({ inputTokens: 10, outputTokens: 4 });
  });

  it('OpenAI Responses streaming completion event', () => {
    expect(
      usageFromResponse({ type: 'response.completed', response: { id: 'resp', object: 'response', model: 'gpt-5', usage: { input_tokens: 3, output_tokens: 4 } } }),
    ).toMatchObject({ inputTokens: 3, outputTokens: 4, responseId: 'resp', responseModel: 'gpt-5' });
  });

  it('returns undefined for anything else and never throws', () => {
    for (const value of [null, undefined, 1, 'text', [], {}, { usage: null }, { usage: 'x' }, { usageMetadata: 5 }]) {
      expect(usageFromResponse(value)).toBeUndefined();
    }
    const hostile = new Proxy({}, { get: () => { throw new Error('no'); }, has: () => { throw new Error('no'); } });
    expect(usageFromResponse(hostile)).toBeUndefined();
  });

  it('ignores negative and non-numeric counts', () => {
    expect(usageFromResponse({ object: 'chat.completion', usage: { prompt_tokens: -3, completion_tokens: 'many' } })).toEqual({});
  });
});
