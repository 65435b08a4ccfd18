import { Agent, LLM, recordUsage, Tool, Trace } from '../../src/instrument';
import { createProcessorFixture, type ProcessorFixture } from '../support/processor-fixture';

let fixture: ProcessorFixture;

beforeAll(async () => {
  fixture = await createProcessorFixture();
});

afterAll(() => fixture.close());

async function* chunks<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream) void _;
}

/** One model call of each provider shape, as the SDKs return them (figures chosen so every bucket is exercised). */
@Agent({ name: 'Shapes' })
class Shapes {
  @Trace() async run() {
    await this.openaiChat();
    await drain(await this.openaiStream());
    await this.openaiResponses();
    await drain(this.anthropicStream());
    await this.gemini();
    await this.vercel();
    await drain(this.streamWithoutUsage());
    await this.estimated();
  }

  @LLM({ provider: 'openai', model: 'gpt-4o', name: 'openai chat' }) async openaiChat() {
    return {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      model: 'gpt-4o-2024-08-06',
      choices: [{ finish_reason: 'stop' }],
      usage: {
        prompt_tokens: 1500,
        completion_tokens: 200,
        prompt_tokens_details: { cached_tokens: 500 },
        completion_tokens_details: { reasoning_tokens: 0 },
      },
    };
  }

  /** stream: true with stream_options.include_usage: the usage comes in a last chunk with no choices. */
  @LLM({ provider: 'openai', model: 'gpt-4o-mini', name: 'openai stream' }) async openaiStream() {
    return chunks([
      {
        object: 'chat.completion.chunk',
        id: 'c',
        model: 'gpt-4o-mini-2024-07-18',
        choices: [{ delta: { content: 'Hi' }, finish_reason: null }],
        usage: null,
      },
      {
        object: 'chat.completion.chunk',
        id: 'c',
        model: 'gpt-4o-mini-2024-07-18',
        choices: [{ delta: {}, finish_reason: 'stop' }],
        usage: null,
      },
      {
        object: 'chat.completion.chunk',
        id: 'c',
        model: 'gpt-4o-mini-2024-07-18',
        choices: [],
        usage: { prompt_tokens: 10_000, completion_tokens: 1_000 },
      },
    ]);
  }

  @LLM({ provider: 'openai', model: 'o3', name: 'openai responses' }) async openaiResponses() {
    return {
      object: 'response',
      id: 'resp_1',
      model: 'o3-2025-04-16',
      usage: {
        input_tokens: 900,
        output_tokens: 300,
        input_tokens_details: { cached_tokens: 800 },
        output_tokens_details: { reasoning_tokens: 250 },
      },
    };
  }

  @LLM({ provider: 'anthropic', model: 'claude-sonnet-4-5', name: 'anthropic stream' }) async *anthropicStream() {
    yield {
      type: 'message_start',
      message: {
        type: 'message',
        id: 'msg_1',
        model: 'claude-sonnet-4-5-20250929',
        usage: { input_tokens: 100, cache_read_input_tokens: 1000, cache_creation_input_tokens: 50, output_tokens: 1 },
      },
    };
    yield { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } };
    yield { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 300 } };
    yield { type: 'message_stop' };
  }

  @LLM({ provider: 'gcp.gemini', model: 'gemini-2.5-pro', operation: 'generate_content', name: 'gemini' })
  async gemini() {
    return {
      responseId: 'g-1',
      modelVersion: 'gemini-2.5-pro',
      candidates: [{ finishReason: 'STOP' }],
      usageMetadata: {
        promptTokenCount: 1000,
        cachedContentTokenCount: 600,
        candidatesTokenCount: 200,
        thoughtsTokenCount: 300,
        totalTokenCount: 1500,
      },
    };
  }

  @LLM({ provider: 'anthropic', model: 'claude-haiku-4-5', name: 'vercel' }) async vercel() {
    return {
      text: 'ok',
      finishReason: 'stop',
      response: { id: 'v-1', modelId: 'claude-haiku-4-5' },
      totalUsage: {
        inputTokens: 900,
        outputTokens: 80,
        inputTokenDetails: { noCacheTokens: 100, cacheReadTokens: 700, cacheWriteTokens: 100 },
        outputTokenDetails: { textTokens: 50, reasoningTokens: 30 },
      },
    };
  }

  /** A stream whose request did not ask for usage: tokens and cost stay unknown. */
  @LLM({ provider: 'openai', model: 'gpt-4o', name: 'no usage' }) async *streamWithoutUsage() {
    yield {
      object: 'chat.completion.chunk',
      choices: [{ delta: { content: 'x' }, finish_reason: 'stop' }],
      usage: null,
    };
  }

  @LLM({ provider: 'openai', model: 'gpt-4o-mini', name: 'estimated' }) async estimated() {
    recordUsage({ inputTokens: 40, outputTokens: 10, source: 'estimated' });
    return 'a local tokenizer counted these';
  }
}

it('stores each provider shape in the five disjoint buckets, priced to the cent-fraction, unknown as null', async () => {
  await new Shapes().run();
  await fixture.processor.flush(30_000);
  const rows: Array<Record<string, unknown>> = await fixture.store.dataSource.query(
    `SELECT e.name, p.input_tokens AS input, p.cache_read_tokens AS "cacheRead", p.cache_write_tokens AS "cacheWrite",
            p.output_tokens AS output, p.reasoning_tokens AS reasoning, p.cost_usd::text AS cost,
            p.cost_source AS "costSource", p.usage_source AS "usageSource", p.response_model AS "responseModel"
     FROM agent_executions e JOIN agent_performance p ON p.trace_id = e.trace_id AND p.execution_id = e.id
     WHERE e.kind = 'llm'`,
  );
  const byName = Object.fromEntries(rows.map(({ name, ...rest }) => [name, rest]));
  const priced = (
    input: number | null,
    cacheRead: number | null,
    cacheWrite: number | null,
    output: number | null,
    reasoning: number | null,
    cost: string,
  ) => ({ input, cacheRead, cacheWrite, output, reasoning, cost, costSource: 'calculated', usageSource: 'provided' });
  expect(byName).toEqual({
    // 1,000 × $2.50 + 500 × $1.25 + 200 × $10
    'openai chat': { ...priced(1000, 500, null, 200, 0, '0.0051250000'), responseModel: 'gpt-4o-2024-08-06' },
    // 10,000 × $0.15 + 1,000 × $0.60
    'openai stream': {
      ...priced(10_000, null, null, 1_000, null, '0.0021000000'),
      responseModel: 'gpt-4o-mini-2024-07-18',
    },
    // 100 × $2 + 800 × $0.50 + 50 × $8 + 250 reasoning × $8
    'openai responses': { ...priced(100, 800, null, 50, 250, '0.0030000000'), responseModel: 'o3-2025-04-16' },
    // 100 × $3 + 1,000 × $0.30 + 50 × $3.75 + 300 × $15
    'anthropic stream': {
      ...priced(100, 1000, 50, 300, null, '0.0052875000'),
      responseModel: 'claude-sonnet-4-5-20250929',
    },
    // 400 × $1.25 + 600 × $0.125 + 200 × $10 + 300 thinking × $10
    gemini: { ...priced(400, 600, null, 200, 300, '0.0055750000'), responseModel: 'gemini-2.5-pro' },
    // 100 × $1 + 700 × $0.10 + 100 × $1.25 + 50 × $5 + 30 × $5
    vercel: { ...priced(100, 700, 100, 50, 30, '0.0006950000'), responseModel: 'claude-haiku-4-5' },
    'no usage': {
      input: null,
      cacheRead: null,
      cacheWrite: null,
      output: null,
      reasoning: null,
      cost: null,
      costSource: 'unknown',
      usageSource: null,
      responseModel: null,
    },
    // 40 × $0.15 + 10 × $0.60
    estimated: { ...priced(40, null, null, 10, null, '0.0000120000'), usageSource: 'estimated', responseModel: null },
  });

  const [run] = (await fixture.store.dataSource.query(
    `SELECT p.total_cost_usd::text AS cost, p.unknown_cost_count AS unknown, p.llm_call_count AS calls
     FROM agent_executions e JOIN agent_performance p ON p.trace_id = e.trace_id AND p.execution_id = e.id WHERE e.kind = 'agent'`,
  )) as Array<Record<string, unknown>>;
  expect(run).toEqual({ cost: '0.0217945000', unknown: 1, calls: 8 });
});

@Agent({ name: 'Scraper' })
class Scraper {
  @Trace() async run() {
    await this.fetch('a');
    await this.fetch('b');
    await this.summarise();
    return this.broken();
  }
  @Tool({ costUsd: 0.002 }) async fetch(url: string) {
    return `page ${url}`;
  }
  @LLM({ provider: 'openai', model: 'gpt-4o-mini' }) async summarise() {
    return { object: 'chat.completion', model: 'gpt-4o-mini', usage: { prompt_tokens: 1000, completion_tokens: 100 } };
  }
  @Tool({
    costUsd: () => {
      throw new Error('no price list');
    },
  })
  async broken() {
    return 'still fine';
  }
}

it('adds tool costs to the run total, beside the priced model calls', async () => {
  expect(await new Scraper().run()).toBe('still fine');
  await fixture.processor.flush(30_000);
  const rows: Array<Record<string, unknown>> = await fixture.store.dataSource.query(
    `SELECT e.name, e.kind, p.cost_usd::text AS cost, p.cost_source AS "costSource",
            p.total_cost_usd::text AS total, p.tool_call_count AS tools, p.unknown_cost_count AS unknown
     FROM agent_executions e JOIN agent_performance p ON p.trace_id = e.trace_id AND p.execution_id = e.id
     WHERE e.trace_id = (SELECT trace_id FROM agent_executions WHERE name = 'invoke_agent Scraper')
     ORDER BY e.kind, e.name`,
  );
  expect(rows).toEqual([
    // 2 × $0.002 for the tools + 1,000 × $0.15 + 100 × $0.60 per million for the model call
    {
      name: 'invoke_agent Scraper',
      kind: 'agent',
      cost: null,
      costSource: 'unknown',
      total: '0.0042100000',
      tools: 3,
      unknown: 0,
    },
    {
      name: 'chat gpt-4o-mini',
      kind: 'llm',
      cost: '0.0002100000',
      costSource: 'calculated',
      total: null,
      tools: null,
      unknown: null,
    },
    {
      name: 'execute_tool broken',
      kind: 'tool',
      cost: null,
      costSource: 'unknown',
      total: null,
      tools: null,
      unknown: null,
    },
    {
      name: 'execute_tool fetch',
      kind: 'tool',
      cost: '0.0020000000',
      costSource: 'provided',
      total: null,
      tools: null,
      unknown: null,
    },
    {
      name: 'execute_tool fetch',
      kind: 'tool',
      cost: '0.0020000000',
      costSource: 'provided',
      total: null,
      tools: null,
      unknown: null,
    },
  ]);
});
