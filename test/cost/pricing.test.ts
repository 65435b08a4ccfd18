import type { DataSource } from 'typeorm';
import { AgentRunRepository } from '../../src/query/agent-run-repository';
import { AgentspanQueryError } from '../../src/query/agentspan-query-error';
import type { PerformanceRecord, SpanRecord } from '../../src/model/records';
import { SpanWriter, type LoadMethod } from '../../src/store/write/span-writer';
import { finalSpan, newTraceId } from '../support/span-records';
import { createStoreFixture, type StoreFixture } from '../support/store-fixture';

let fixture: StoreFixture;
let dataSource: DataSource;
let runs: AgentRunRepository;

beforeAll(async () => {
  fixture = await createStoreFixture();
  dataSource = fixture.dataSource;
  runs = new AgentRunRepository(dataSource);
});

afterAll(() => fixture?.close());

// PGlite's socket server cannot receive COPY data: there `auto` picks the upsert. On a server both are tested.
const LOAD_METHODS: LoadMethod[] = process.env.DATABASE_URL ? ['copy', 'upsert'] : ['auto'];

/** An LLM call of unknown cost (what the mapping makes of a span without a cost attribute). */
function call(traceId: string, parent: string, usage: Partial<PerformanceRecord>): SpanRecord {
  return finalSpan({
    traceId,
    parentSpanId: parent,
    kind: 'llm',
    execution: { name: 'chat' },
    performance: { usageSource: 'provided', ...usage },
  });
}

interface Row {
  spanId: string;
  costUsd: string | null;
  costSource: string;
  priceId: number | null;
  pattern: string | null;
}

async function costsOf(traceId: string): Promise<Map<string, Omit<Row, 'spanId'>>> {
  const rows: Row[] = await dataSource.query(
    `SELECT e.span_id AS "spanId", p.cost_usd::text AS "costUsd", p.cost_source AS "costSource", p.price_id AS "priceId",
            m.model_pattern AS "pattern"
     FROM agent_executions e JOIN agent_performance p ON p.trace_id = e.trace_id AND p.execution_id = e.id
     LEFT JOIN model_prices m ON m.id = p.price_id
     WHERE e.trace_id = $1`,
    [traceId],
  );
  return new Map(rows.map(({ spanId, ...rest }) => [spanId, rest]));
}

async function totalsOf(traceId: string, spanId: string): Promise<{ cost: string | null; unknown: number | null }> {
  const [row] = await dataSource.query(
    `SELECT p.total_cost_usd::text AS cost, p.unknown_cost_count AS unknown
     FROM agent_executions e JOIN agent_performance p ON p.trace_id = e.trace_id AND p.execution_id = e.id
     WHERE e.trace_id = $1 AND e.span_id = $2`,
    [traceId, spanId],
  );
  return row;
}

/** One run with a call of each provider shape, one of a model without a price, one without usage, one provided. */
function mixedRun() {
  const traceId = newTraceId();
  const agent = finalSpan({ traceId });
  const parent = agent.execution.spanId;
  const calls = {
    // OpenAI reports 1,500 prompt tokens of which 500 cached: stored as 1,000 fresh + 500 cache read.
    openai: call(traceId, parent, {
      provider: 'openai',
      requestModel: 'gpt-4o',
      responseModel: 'gpt-4o-2024-08-06',
      inputTokens: 1000,
      cacheReadTokens: 500,
      outputTokens: 200,
      reasoningTokens: 0,
    }),
    anthropic: call(traceId, parent, {
      provider: 'anthropic',
      responseModel: 'claude-sonnet-4-5-20250929',
      inputTokens: 100,
      cacheReadTokens: 1000,
      cacheWriteTokens: 50,
      outputTokens: 300,
    }),
    gemini: call(traceId, parent, {
      provider: 'gcp.gemini',
      requestModel: 'gemini-2.5-flash',
      inputTokens: 400,
      cacheReadTokens: 600,
      outputTokens: 200,
      reasoningTokens: 300,
    }),
    mini: call(traceId, parent, {
      provider: 'openai',
      responseModel: 'gpt-4o-mini-2024-07-18',
      inputTokens: 10_000,
      outputTokens: 1_000,
    }),
    unknownModel: call(traceId, parent, {
      provider: 'ollama',
      requestModel: 'my-local-llama',
      inputTokens: 50,
      outputTokens: 5,
    }),
    noUsage: call(traceId, parent, { provider: 'openai', requestModel: 'gpt-4o' }),
    provided: call(traceId, parent, {
      provider: 'openai',
      requestModel: 'gpt-4o',
      inputTokens: 1,
      outputTokens: 1,
      costUsd: '0.5',
      costSource: 'provided',
    }),
  };
  return { traceId, agent, calls, records: [agent, ...Object.values(calls)] };
}

describe.each(LOAD_METHODS)('pricing as spans are written (%s)', (loadMethod) => {
  let writer: SpanWriter;
  beforeAll(() => {
    writer = new SpanWriter(dataSource, { loadMethod });
  });

  it('prices each provider shape from the seeded list prices, to the cent-fraction, with the price row used', async () => {
    const { traceId, calls, records } = mixedRun();
    expect(await writer.write(records)).toEqual({ written: 8, rejected: [] });
    const costs = await costsOf(traceId);
    const of = (record: SpanRecord) => costs.get(record.execution.spanId);
    // 1,000 × $2.50 + 500 cached × $1.25 + 200 × $10, per million
    expect(of(calls.openai)).toMatchObject({ costUsd: '0.0051250000', costSource: 'calculated', pattern: 'gpt-4o*' });
    // 100 × $3 + 1,000 read × $0.30 + 50 written × $3.75 + 300 × $15
    expect(of(calls.anthropic)).toMatchObject({
      costUsd: '0.0052875000',
      costSource: 'calculated',
      pattern: 'claude-sonnet-4-5*',
    });
    // 400 × $0.30 + 600 cached × $0.03 + 200 × $2.50 + 300 thinking × $2.50 (as output)
    expect(of(calls.gemini)).toMatchObject({
      costUsd: '0.0013880000',
      costSource: 'calculated',
      pattern: 'gemini-2.5-flash*',
    });
    // The most specific pattern wins: gpt-4o-mini*, not gpt-4o*. 10,000 × $0.15 + 1,000 × $0.60
    expect(of(calls.mini)).toMatchObject({
      costUsd: '0.0021000000',
      costSource: 'calculated',
      pattern: 'gpt-4o-mini*',
    });
    // Never $0 for what is not known.
    expect(of(calls.unknownModel)).toEqual({ costUsd: null, costSource: 'unknown', priceId: null, pattern: null });
    expect(of(calls.noUsage)).toEqual({ costUsd: null, costSource: 'unknown', priceId: null, pattern: null });
    // A provided cost wins over the price table.
    expect(of(calls.provided)).toEqual({
      costUsd: '0.5000000000',
      costSource: 'provided',
      priceId: null,
      pattern: null,
    });
  });

  it('counts the priced calls in the run total and the unknown ones beside it', async () => {
    const { traceId, agent, records } = mixedRun();
    await writer.write(records);
    // 0.005125 + 0.0052875 + 0.001388 + 0.0021 + 0.5
    expect(await totalsOf(traceId, agent.execution.spanId)).toEqual({ cost: '0.5139005000', unknown: 2 });
    const run = (await runs.getRun(traceId))!.roots[0]!;
    expect(run.performance!.totals).toMatchObject({ costUsdExact: '0.5139005000', llmCalls: 7, unknownCostCalls: 2 });
    const openai = run.children.find((node) => node.performance?.responseModel === 'gpt-4o-2024-08-06')!;
    expect(openai.performance).toMatchObject({
      costSource: 'calculated',
      usageSource: 'provided',
      priceId: expect.any(Number),
    });
  });

  it('gives the same costs and totals when the same batch is delivered again', async () => {
    const { traceId, agent, records } = mixedRun();
    await writer.write(records);
    const before = [await costsOf(traceId), await totalsOf(traceId, agent.execution.spanId)];
    await writer.write(records);
    expect([await costsOf(traceId), await totalsOf(traceId, agent.execution.spanId)]).toEqual(before);
  });
});

describe('price overrides and repricing', () => {
  const writer = () => new SpanWriter(dataSource);

  it('prices spans written after a price is added, and repriceRuns prices the stored ones again', async () => {
    const { traceId, agent, calls, records } = mixedRun();
    await writer().write(records);
    expect((await costsOf(traceId)).get(calls.unknownModel.execution.spanId)!.costSource).toBe('unknown');

    const price = await runs.setModelPrice({
      model: 'My-Local-Llama*',
      inputUsdPerMillion: 1,
      outputUsdPerMillion: 2,
      validFrom: '2026-01-01T00:00:00Z',
      source: 'our GPU bill',
    });
    expect(price).toMatchObject({
      model: 'my-local-llama*',
      provider: null,
      inputUsdPerMillion: 1,
      validTo: null,
      source: 'our GPU bill',
    });
    // Stored costs change only when asked.
    expect((await costsOf(traceId)).get(calls.unknownModel.execution.spanId)!.costSource).toBe('unknown');

    const result = await runs.repriceRuns({ since: '2026-10-01T00:00:00Z', until: '2026-12-01T00:00:00Z' });
    expect(result.updated).toBeGreaterThanOrEqual(1);
    // 50 × $1 + 5 × $2 per million
    expect((await costsOf(traceId)).get(calls.unknownModel.execution.spanId)).toEqual({
      costUsd: '0.0000600000',
      costSource: 'calculated',
      priceId: price.priceId,
      pattern: 'my-local-llama*',
    });
    expect(await totalsOf(traceId, agent.execution.spanId)).toEqual({ cost: '0.5139605000', unknown: 1 });
  });

  it('applies a new price only to spans that start after it, ending the old one there', async () => {
    const { traceId, agent, calls, records } = mixedRun();
    await writer().write(records);
    // The runs start at 2026-11-01T10:00Z: a price from 11:00 does not apply to them...
    const later = await runs.setModelPrice({
      model: 'gpt-4o*',
      inputUsdPerMillion: 5,
      outputUsdPerMillion: 20,
      validFrom: '2026-11-01T11:00:00Z',
    });
    await runs.repriceRuns({ since: '2026-11-01T00:00:00Z', until: '2026-11-02T00:00:00Z' });
    expect((await costsOf(traceId)).get(calls.openai.execution.spanId)).toMatchObject({
      costUsd: '0.0051250000',
      pattern: 'gpt-4o*',
    });
    expect((await costsOf(traceId)).get(calls.openai.execution.spanId)!.priceId).not.toBe(later.priceId);

    // ...one from 09:00 does, and ends where the 11:00 one starts. Cache reads cost input now: (1,500 × 5 + 200 × 20) / 10^6
    const earlier = await runs.setModelPrice({
      model: 'gpt-4o*',
      inputUsdPerMillion: 5,
      outputUsdPerMillion: 20,
      validFrom: '2026-11-01T09:00:00Z',
    });
    expect(earlier.validTo).toEqual(new Date('2026-11-01T11:00:00Z'));
    await runs.repriceRuns({ since: '2026-11-01T00:00:00Z', until: '2026-11-02T00:00:00Z' });
    expect((await costsOf(traceId)).get(calls.openai.execution.spanId)).toMatchObject({
      costUsd: '0.0115000000',
      priceId: earlier.priceId,
    });
    // The provided cost is untouched.
    expect((await costsOf(traceId)).get(calls.provided.execution.spanId)).toMatchObject({
      costUsd: '0.5000000000',
      costSource: 'provided',
    });
    // 0.0115 + 0.0052875 + 0.001388 + 0.0021 + 0.5 + the local model (priced by the test before) 0.00006
    expect(await totalsOf(traceId, agent.execution.spanId)).toEqual({ cost: '0.5203355000', unknown: 1 });

    const current = await runs.modelPrices({ at: '2026-11-01T10:00:00Z' });
    expect(current.filter((row) => row.model === 'gpt-4o*').map((row) => row.priceId)).toEqual([earlier.priceId]);
  });

  it('prefers a price for the span’s own provider over one for any provider', async () => {
    await runs.setModelPrice({
      model: 'gpt-4.1',
      provider: 'Azure.AI.OpenAI',
      inputUsdPerMillion: 3,
      outputUsdPerMillion: 9,
      validFrom: '2026-01-01T00:00:00Z',
    });
    const traceId = newTraceId();
    const agent = finalSpan({ traceId });
    const azure = call(traceId, agent.execution.spanId, {
      provider: 'azure.ai.openai',
      responseModel: 'gpt-4.1',
      inputTokens: 1000,
      outputTokens: 100,
    });
    const openai = call(traceId, agent.execution.spanId, {
      provider: 'openai',
      responseModel: 'gpt-4.1',
      inputTokens: 1000,
      outputTokens: 100,
    });
    await writer().write([agent, azure, openai]);
    const costs = await costsOf(traceId);
    expect(costs.get(azure.execution.spanId)).toMatchObject({ costUsd: '0.0039000000', pattern: 'gpt-4.1' });
    expect(costs.get(openai.execution.spanId)).toMatchObject({ costUsd: '0.0028000000', pattern: 'gpt-4.1*' });
  });

  it('refuses bad prices with a message naming the argument', async () => {
    const cases: Array<[unknown, string]> = [
      [undefined, 'setModelPrice: price must be an object'],
      [
        { model: '', inputUsdPerMillion: 1, outputUsdPerMillion: 1 },
        'setModelPrice: model must be a string of 1 to 256 characters',
      ],
      [{ model: '**', inputUsdPerMillion: 1, outputUsdPerMillion: 1 }, 'setModelPrice: model must name a model'],
      [
        { model: 'm', inputUsdPerMillion: -1, outputUsdPerMillion: 1 },
        'setModelPrice: inputUsdPerMillion must be a number of US dollars per million tokens from 0 to 100000, got -1',
      ],
      [{ model: 'm', inputUsdPerMillion: 1 }, 'setModelPrice: outputUsdPerMillion must be a number'],
      [
        { model: 'm', inputUsdPerMillion: 1, outputUsdPerMillion: 1, cacheReadUsdPerMillion: Number.NaN },
        'cacheReadUsdPerMillion must be a number',
      ],
      [
        { model: 'm', inputUsdPerMillion: 1, outputUsdPerMillion: 1, validFrom: 'yesterday' },
        'setModelPrice: validFrom must be a Date or an ISO 8601 string',
      ],
      [
        { model: 'm', inputUsdPerMillion: 1, outputUsdPerMillion: 1, price: 3 },
        'setModelPrice: unknown option "price"',
      ],
    ];
    for (const [argument, message] of cases) {
      const error = await runs.setModelPrice(argument as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AgentspanQueryError);
      expect((error as Error).message).toContain(message);
    }
    await expect(runs.repriceRuns({} as never)).rejects.toThrow('repriceRuns: since is required');
    await expect(runs.repriceRuns({ since: '2026-02-01T00:00:00Z', until: '2026-01-01T00:00:00Z' })).rejects.toThrow(
      'repriceRuns: since must be before until',
    );
  });
});
