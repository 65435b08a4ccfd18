import { diag, SpanStatusCode } from '@opentelemetry/api';
import { Agent, BudgetExceededError, LLM, recordUsage, Tool, Trace, traced } from '../../src/instrument';
import { attr, installTracing } from '../support/tracing';

const tracing = installTracing();
beforeEach(() => tracing.reset());

const chat = (input: number, output: number) => ({
  object: 'chat.completion',
  model: 'gpt-4o',
  usage: { prompt_tokens: input, completion_tokens: output },
});

describe('@Tool({ costUsd })', () => {
  @Agent({ name: 'Shopper' })
  class Shopper {
    @Trace() async run() {
      await this.search('tea');
      this.lookup(2);
      return this.failing().catch(() => 'caught');
    }
    @Tool({ costUsd: 0.005 }) async search(q: string) {
      return `results for ${q}`;
    }
    @Tool({ costUsd: (result: number[], [count]: [number]) => result.length * count * 0.001 }) lookup(count: number) {
      return [1, 2, 3].slice(0, count);
    }
    @Tool({ costUsd: 0.25 }) async failing(): Promise<string> {
      throw new Error('API down');
    }
  }

  it('records a fixed or computed cost on the tool span, also for a call that failed', async () => {
    expect(await new Shopper().run()).toBe('caught');
    expect(attr(tracing.span('execute_tool search'), 'agentspan.cost.usd')).toBe(0.005);
    // 2 results × count 2 × $0.001
    expect(attr(tracing.span('execute_tool lookup'), 'agentspan.cost.usd')).toBe(0.004);
    const failing = tracing.span('execute_tool failing');
    expect(failing.status.code).toBe(SpanStatusCode.ERROR);
    expect(attr(failing, 'agentspan.cost.usd')).toBe(0.25);
  });

  it('adds to a cost recorded inside the tool', async () => {
    class Paid {
      @Tool({ costUsd: 0.5 }) call() {
        recordUsage({ costUsd: 0.25 });
        return 'ok';
      }
    }
    new Paid().call();
    expect(attr(tracing.span('execute_tool call'), 'agentspan.cost.usd')).toBe(0.75);
  });

  it('never lets a throwing or bad cost function touch the result: cost unknown, noted', () => {
    class Hostile {
      @Tool({
        costUsd: () => {
          throw new Error('no price');
        },
      })
      a() {
        return 'a';
      }
      @Tool({ costUsd: () => Number.NaN }) b() {
        return 'b';
      }
      @Tool({ costUsd: (() => '3') as unknown as () => number }) c() {
        return 'c';
      }
      @Tool({ costUsd: () => -1 }) d() {
        return 'd';
      }
    }
    const tool = new Hostile();
    expect([tool.a(), tool.b(), tool.c(), tool.d()]).toEqual(['a', 'b', 'c', 'd']);
    for (const name of ['a', 'b', 'c', 'd']) {
      const span = tracing.span(`execute_tool ${name}`);
      expect(attr(span, 'agentspan.cost.usd')).toBeUndefined();
      expect(span.events.map((event) => event.attributes?.['agentspan.log.message'])).toEqual([
        expect.stringMatching(/^agentspan: tool costUsd (threw|is not a finite number >= 0); cost unknown$/),
      ]);
    }
    expect(tracing.diagMessages.filter((message) => message.includes('costUsd'))).toHaveLength(4);
  });

  it('is checked when the class is defined', () => {
    expect(() => Tool({ costUsd: -1 })).toThrow(
      'agentspan: @Tool option costUsd must be a finite number >= 0 or a function',
    );
    expect(() => Tool({ costUsd: 'free' as never })).toThrow(TypeError);
    expect(() => traced(() => 1, { costUsd: 1 })).toThrow('agentspan: traced() option costUsd is only for tools');
    expect(traced(() => 1, { kind: 'tool', costUsd: 1 })()).toBe(1);
  });
});

describe('@Agent({ budget })', () => {
  @Agent({ name: 'Thrifty', budget: { maxTokens: 1000, onExceed: 'warn' } })
  class Thrifty {
    @Trace() async run() {
      for (let i = 0; i < 3; i++) await this.complete();
      return 'finished';
    }
    @LLM({ model: 'gpt-4o' }) async complete() {
      return chat(400, 100);
    }
  }

  it('warn: the run goes on; one diag warning and one event on the agent span', async () => {
    expect(await new Thrifty().run()).toBe('finished');
    const agent = tracing.span('invoke_agent Thrifty');
    expect(agent.status.code).not.toBe(SpanStatusCode.ERROR);
    // 500 tokens per call: over 1,000 at the third call, and said once.
    expect(
      agent.events.filter((event) => event.name === 'agentspan.budget.exceeded').map((event) => event.attributes),
    ).toEqual([
      {
        'agentspan.budget.limit': 'maxTokens',
        'agentspan.budget.spent_cost_usd': 0,
        'agentspan.budget.spent_tokens': 1500,
      },
    ]);
    expect(tracing.diagMessages.filter((message) => message.includes('Thrifty'))).toEqual([
      'agentspan: agent Thrifty used 1500 tokens of its budget of 1000',
    ]);
  });

  @Agent({ name: 'Capped', budget: { maxCostUsd: 0.01, onExceed: 'throw' } })
  class Capped {
    calls = 0;
    @Trace() async run() {
      await this.fetch();
      await this.fetch(); // $0.012 spent: over $0.01
      await this.fetch(); // refused: never runs
      return 'unreachable';
    }
    @Tool({ costUsd: 0.006 }) async fetch() {
      this.calls++;
      return 'page';
    }
  }

  it('throw: the next decorated call of the run is refused with a BudgetExceededError and never runs', async () => {
    const agent = new Capped();
    const error = await agent.run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect(error).toMatchObject({
      name: 'BudgetExceededError',
      agentName: 'Capped',
      limit: 'maxCostUsd',
      maxCostUsd: 0.01,
      spentCostUsd: 0.012,
      spentTokens: 0,
    });
    expect((error as Error).message).toBe(
      'agentspan: agent Capped spent $0.012 of its $0.01 budget; the call was not started',
    );
    expect(agent.calls).toBe(2);
    expect(tracing.spans().filter((span) => span.name === 'execute_tool fetch')).toHaveLength(2);
    const run = tracing.span('invoke_agent Capped');
    expect(run.status.code).toBe(SpanStatusCode.ERROR);
    expect(attr(run, 'error.type')).toBe('BudgetExceededError');
    expect(run.events.map((event) => event.name)).toContain('agentspan.budget.exceeded');
  });

  it('throw: counts usage and costs of nested calls, recordUsage and nested agents; a new run starts from zero', async () => {
    @Agent({ name: 'Helper' })
    class Helper {
      @Trace() async help() {
        recordUsage({ inputTokens: 30, outputTokens: 10, costUsd: 0.004 });
        return 'helped';
      }
    }
    @Agent({ name: 'Lead', budget: { maxCostUsd: 0.01, maxTokens: 100, onExceed: 'throw' } })
    class Lead {
      @Trace() async run(rounds: number) {
        for (let i = 0; i < rounds; i++) await new Helper().help();
        return 'done';
      }
    }
    // 40 tokens and $0.004 a round: the third round passes $0.01 (tokens: 120 > 100 too, cost is checked first).
    await expect(new Lead().run(2)).resolves.toBe('done');
    await expect(new Lead().run(2)).resolves.toBe('done');
    await expect(new Lead().run(4)).rejects.toMatchObject({ limit: 'maxCostUsd', spentTokens: 120 });
    // A sync method is refused by a throw, as it would fail.
    @Agent({ name: 'Sync', budget: { maxTokens: 1, onExceed: 'throw' } })
    class Sync {
      @Trace() run() {
        this.use();
        return this.use();
      }
      @LLM() use() {
        return chat(1, 1);
      }
    }
    expect(() => new Sync().run()).toThrow(BudgetExceededError);
  });

  it('is checked when the class is defined', () => {
    expect(() => Agent({ budget: {} })).toThrow('agentspan: @Agent option budget needs maxCostUsd or maxTokens');
    expect(() => Agent({ budget: { maxTokens: -5 } })).toThrow(
      'agentspan: @Agent option budget.maxTokens must be a finite number > 0',
    );
    expect(() => Agent({ budget: { maxCostUsd: Number.NaN } })).toThrow(
      'budget.maxCostUsd must be a finite number > 0',
    );
    expect(() => Agent({ budget: { maxTokens: 5, onExceed: 'explode' as never } })).toThrow(
      "budget.onExceed must be 'warn' or 'throw'",
    );
    expect(() => Agent({ budget: { maxTokens: 5, maxCost: 1 } as never })).toThrow(
      'agentspan: unknown @Agent option budget.maxCost',
    );
    expect(() => Agent({ budget: 'cheap' as never })).toThrow('agentspan: @Agent option budget must be an object');
  });

  it('a user diag logger that throws does not reach the caller', async () => {
    const logger = {
      error: () => {
        throw new Error('logger');
      },
      warn: () => {
        throw new Error('logger');
      },
      info: () => {},
      debug: () => {},
      verbose: () => {},
    };
    diag.setLogger(logger, { suppressOverrideMessage: true });
    try {
      expect(await new Thrifty().run()).toBe('finished');
    } finally {
      diag.disable();
    }
  });
});
