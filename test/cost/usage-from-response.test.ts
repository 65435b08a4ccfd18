import { usageFromResponse } from '../../src/cost/usage-from-response';

describe('usageFromResponse', () => {
  it('Gemini: cached content inside prompt, thinking tokens added to output', () => {
    expect(
      usageFromResponse({
        responseId: 'g-1',
        modelVersion: 'gemini-2.5-pro',
        candidates: [{ finishReason: 'STOP' }],
        usageMetadata: {
          promptTokenCount: 1000,
          candidatesTokenCount: 200,
          thoughtsTokenCount: 300,
          cachedContentTokenCount: 600,
          totalTokenCount: 1500,
        },
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
    ).toMatchObject({
      inputTokens: 900,
      outputTokens: 80,
      cacheReadTokens: 700,
      cacheWriteTokens: 100,
      reasoningTokens: 30,
    });
  });

  it('Vercel AI SDK v4 names', () => {
    expect(usageFromResponse({ usage: { promptTokens: 10, completionTokens: 4, totalTokens: 14 } })).toEqual({
      inputTokens: 10,
      outputTokens: 4,
    });
  });

  it('OpenAI Responses streaming completion event', () => {
    expect(
      usageFromResponse({
        type: 'response.completed',
        response: { id: 'resp', object: 'response', model: 'gpt-5', usage: { input_tokens: 3, output_tokens: 4 } },
      }),
    ).toMatchObject({ inputTokens: 3, outputTokens: 4, responseId: 'resp', responseModel: 'gpt-5' });
  });

  it('returns undefined for anything else and never throws', () => {
    for (const value of [null, undefined, 1, 'text', [], {}, { usage: null }, { usage: 'x' }, { usageMetadata: 5 }]) {
      expect(usageFromResponse(value)).toBeUndefined();
    }
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new Error('no');
        },
        has: () => {
          throw new Error('no');
        },
      },
    );
    expect(usageFromResponse(hostile)).toBeUndefined();
  });

  it('ignores negative and non-numeric counts', () => {
    expect(
      usageFromResponse({ object: 'chat.completion', usage: { prompt_tokens: -3, completion_tokens: 'many' } }),
    ).toEqual({});
  });
});

describe('usageFromResponse: provider shapes and their quirks', () => {
  it('OpenAI chat completion: cached tokens inside prompt_tokens, reasoning inside completion_tokens', () => {
    expect(
      usageFromResponse({
        id: 'chatcmpl-1',
        object: 'chat.completion',
        model: 'o4-mini-2025-04-16',
        choices: [{ finish_reason: 'stop' }],
        usage: {
          prompt_tokens: 2000,
          completion_tokens: 700,
          prompt_tokens_details: { cached_tokens: 1500 },
          completion_tokens_details: { reasoning_tokens: 600 },
        },
      }),
    ).toEqual({
      inputTokens: 2000,
      outputTokens: 700,
      cacheReadTokens: 1500,
      reasoningTokens: 600,
      responseModel: 'o4-mini-2025-04-16',
      responseId: 'chatcmpl-1',
      finishReasons: ['stop'],
    });
  });

  it('OpenAI-shaped gateways: a cost reported in usage.cost is the provided cost', () => {
    expect(
      usageFromResponse({
        object: 'chat.completion',
        usage: { prompt_tokens: 10, completion_tokens: 2, cost: 0.00042 },
      }),
    ).toMatchObject({ costUsd: 0.00042 });
    expect(
      usageFromResponse({ object: 'chat.completion', usage: { prompt_tokens: 10, completion_tokens: 2, cost: -1 } }),
    ).not.toHaveProperty('costUsd');
  });

  it('OpenAI chat streaming: the finish reason from its chunk, usage from the final chunk', () => {
    expect(
      usageFromResponse({
        object: 'chat.completion.chunk',
        choices: [{ delta: {}, finish_reason: 'length' }],
        usage: null,
      }),
    ).toEqual({ finishReasons: ['length'] });
    expect(
      usageFromResponse({
        object: 'chat.completion.chunk',
        choices: [{ delta: { content: 'a' }, finish_reason: null }],
      }),
    ).toBeUndefined();
    expect(
      usageFromResponse({
        object: 'chat.completion.chunk',
        id: 'c',
        model: 'gpt-4o',
        choices: [],
        usage: { prompt_tokens: 5, completion_tokens: 3 },
      }),
    ).toEqual({ inputTokens: 5, outputTokens: 3, responseModel: 'gpt-4o', responseId: 'c' });
  });

  it('OpenAI Responses API: cached and reasoning details', () => {
    expect(
      usageFromResponse({
        object: 'response',
        id: 'resp_1',
        model: 'gpt-5',
        usage: {
          input_tokens: 900,
          output_tokens: 300,
          input_tokens_details: { cached_tokens: 800 },
          output_tokens_details: { reasoning_tokens: 250 },
        },
      }),
    ).toEqual({
      inputTokens: 900,
      outputTokens: 300,
      cacheReadTokens: 800,
      reasoningTokens: 250,
      responseModel: 'gpt-5',
      responseId: 'resp_1',
    });
  });

  it('Anthropic message: cache reads and writes added on top of input_tokens', () => {
    expect(
      usageFromResponse({
        type: 'message',
        id: 'msg',
        model: 'claude-haiku-4-5',
        stop_reason: 'end_turn',
        usage: { input_tokens: 20, cache_read_input_tokens: 3000, cache_creation_input_tokens: 400, output_tokens: 90 },
      }),
    ).toEqual({
      inputTokens: 3420,
      outputTokens: 90,
      cacheReadTokens: 3000,
      cacheWriteTokens: 400,
      responseModel: 'claude-haiku-4-5',
      responseId: 'msg',
      finishReasons: ['end_turn'],
    });
  });

  it('Anthropic stream: input in message_start, output in message_delta, final input figures in a newer message_delta', () => {
    expect(
      usageFromResponse({
        type: 'message_start',
        message: {
          type: 'message',
          id: 'm',
          model: 'claude-sonnet-4-5',
          usage: { input_tokens: 10, cache_read_input_tokens: 90, output_tokens: 1 },
        },
      }),
    ).toEqual({
      inputTokens: 100,
      outputTokens: 1,
      cacheReadTokens: 90,
      responseModel: 'claude-sonnet-4-5',
      responseId: 'm',
    });
    expect(
      usageFromResponse({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 55 } }),
    ).toEqual({ outputTokens: 55, finishReasons: ['end_turn'] });
    expect(
      usageFromResponse({
        type: 'message_delta',
        delta: {},
        usage: { input_tokens: 12, cache_read_input_tokens: 90, cache_creation_input_tokens: 0, output_tokens: 56 },
      }),
    ).toEqual({ inputTokens: 102, outputTokens: 56, cacheReadTokens: 90, cacheWriteTokens: 0 });
  });

  it('Gemini: the prompt of tool use is input too', () => {
    expect(
      usageFromResponse({
        usageMetadata: { promptTokenCount: 100, toolUsePromptTokenCount: 20, candidatesTokenCount: 7 },
      }),
    ).toEqual({ inputTokens: 120, outputTokens: 7 });
  });
});
