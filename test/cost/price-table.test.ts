import { costOf, epochMicros, PriceTable, type PriceRow } from '../../src/cost/price-table';

const row = (overrides: Partial<PriceRow>): PriceRow => ({
  id: 1,
  provider: null,
  modelPattern: 'gpt-4o*',
  input: '2.500000',
  output: '10.000000',
  cacheRead: '1.250000',
  cacheWrite: null,
  reasoning: null,
  validFromMicros: -Infinity,
  validToMicros: null,
  ...overrides,
});

const call = (responseModel: string | null, overrides: Partial<Parameters<PriceTable['priceOf']>[0]> = {}) => ({
  provider: 'openai',
  responseModel,
  requestModel: null,
  startedAtMicros: epochMicros('2026-11-01T10:00:00.000000Z'),
  ...overrides,
});

describe('PriceTable', () => {
  const table = new PriceTable([
    row({ id: 1 }),
    row({ id: 2, modelPattern: 'gpt-4o-mini*' }),
    row({ id: 3, modelPattern: 'gpt-4o-mini' }),
    row({ id: 4, modelPattern: 'gpt-4o*', provider: 'azure.ai.openai' }),
    row({ id: 5, modelPattern: 'gpt-4o*', validFromMicros: epochMicros('2026-11-01T10:00:00.000001Z') }),
    row({ id: 6, modelPattern: 'claude-*' }),
    row({ id: 7, modelPattern: 'a.b_c%' }),
  ]);

  it('picks the most specific pattern, exact before wildcard, the own provider first, valid at the start', () => {
    expect(table.priceOf(call('gpt-4o-2024-08-06'))?.id).toBe(1);
    expect(table.priceOf(call('gpt-4o-mini-2024-07-18'))?.id).toBe(2);
    expect(table.priceOf(call('GPT-4o-mini'))?.id).toBe(3);
    expect(table.priceOf(call('gpt-4o', { provider: 'azure.ai.openai' }))?.id).toBe(4);
    // A microsecond later the newer gpt-4o* price is valid.
    expect(table.priceOf(call('gpt-4o', { startedAtMicros: epochMicros('2026-11-01T10:00:00.000001Z') }))?.id).toBe(5);
    // The response model first; the request model when the response model has no price.
    expect(table.priceOf(call('my-deployment', { requestModel: 'claude-haiku-4-5' }))?.id).toBe(6);
    expect(table.priceOf(call('claude-haiku-4-5', { requestModel: 'gpt-4o' }))?.id).toBe(6);
    expect(table.priceOf(call(null))).toBeUndefined();
    expect(table.priceOf(call('llama-3'))).toBeUndefined();
    // Only `*` is a wildcard.
    expect(table.priceOf(call('a.b_c%'))?.id).toBe(7);
    expect(table.priceOf(call('axb_c%'))).toBeUndefined();
  });

  it('reads the call’s start time only when a price that matches is not valid for all time', () => {
    const clock = jest.fn(() => epochMicros('2026-11-01T10:00:00.000001Z'));
    expect(table.priceOf(call('claude-haiku-4-5', { startedAtMicros: clock }))?.id).toBe(6);
    expect(clock).not.toHaveBeenCalled();
    // gpt-4o has a price from a moment on: the time decides, and is read once.
    expect(table.priceOf(call('gpt-4o', { startedAtMicros: clock }))?.id).toBe(5);
    expect(clock).toHaveBeenCalledTimes(1);
  });
});

describe('costOf', () => {
  const buckets = {
    inputTokens: 1000,
    outputTokens: 150,
    cacheReadTokens: 500,
    cacheWriteTokens: null,
    reasoningTokens: 50,
  };

  it('prices the five buckets exactly, cache at input and reasoning at output when they have no price', () => {
    // 1,000 × 2.5 + 150 × 10 + 500 × 1.25 + 50 × 10, per million
    expect(costOf(buckets, row({}))).toBe('0.0051250000');
    // 1,000 × 2.5 + 150 × 10 + 500 × 2.5 + 40 × 2.5 + 50 × 10
    expect(costOf({ ...buckets, cacheWriteTokens: 40 }, row({ cacheRead: null, cacheWrite: null }))).toBe(
      '0.0058500000',
    );
    // 1,000 × 2.5 + 150 × 10 + 500 × 1.25 + 40 × 3.75 + 50 × 20
    expect(costOf({ ...buckets, cacheWriteTokens: 40 }, row({ cacheWrite: '3.750000', reasoning: '20.000000' }))).toBe(
      '0.0057750000',
    );
  });

  it('rounds to 10 places half up, and stays exact for huge counts', () => {
    // 1 token at $0.000001 per million = 10^-12 dollars: rounds to 0; 50 of them to 10^-10 (half up)
    expect(
      costOf(
        { inputTokens: 1, outputTokens: 0, cacheReadTokens: null, cacheWriteTokens: null, reasoningTokens: null },
        row({ input: '0.000001' }),
      ),
    ).toBe('0.0000000000');
    expect(
      costOf(
        { inputTokens: 50, outputTokens: 0, cacheReadTokens: null, cacheWriteTokens: null, reasoningTokens: null },
        row({ input: '0.000001' }),
      ),
    ).toBe('0.0000000001');
    // 2,147,483,647 × (99,999.999999 + 0.000001) per million = 214,748,364.7 exactly (a float would not keep it)
    expect(
      costOf(
        {
          inputTokens: 2_147_483_647,
          outputTokens: 2_147_483_647,
          cacheReadTokens: null,
          cacheWriteTokens: null,
          reasoningTokens: null,
        },
        row({ input: '99999.999999', output: '0.000001' }),
      ),
    ).toBe('214748364.7000000000');
    // 3 × $0.333333 + 0 output = 0.999999 per million
    expect(
      costOf(
        { inputTokens: 3, outputTokens: 0, cacheReadTokens: null, cacheWriteTokens: null, reasoningTokens: null },
        row({ input: '0.333333' }),
      ),
    ).toBe('0.0000010000');
  });

  it('is unknown without input or output tokens', () => {
    expect(costOf({ ...buckets, outputTokens: null }, row({}))).toBeNull();
    expect(costOf({ ...buckets, inputTokens: null }, row({}))).toBeNull();
  });
});
