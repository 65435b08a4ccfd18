import { Agent, Decision, LLM, Tool, Trace, traced, withAgentContext } from '../../src/instrument';
import { agentspanRoleOf } from '../../src/semconv/span-role';
import { attr, idOf, installTracing, parentOf, sleep } from '../support/tracing';

const tracing = installTracing();
beforeEach(() => tracing.reset());
afterEach(() => tracing.assertEachSpanEndedOnce());

@Agent({ name: 'Researcher', version: '2.1', description: 'finds facts' })
class Researcher {
  @Trace() async research(topic: string, sources: number): Promise<string[]> {
    const results = await Promise.all(Array.from({ length: sources }, (_, i) => this.search(`${topic} ${i}`)));
    return this.summarize(results);
  }
  @Tool({ name: 'web_search', description: 'searches the web' }) async search(query: string): Promise<string> {
    await sleep(Math.random() * 5);
    return `result for ${query}`;
  }
  @Trace() summarize(results: string[]): string[] {
    return results.slice(0, 2);
  }
  @LLM({ provider: 'openai', model: 'gpt-4o' }) async complete(prompt: string) {
    return { text: prompt };
  }
  @Decision() async pick(options: string[]) {
    return { choice: options[0], confidence: 0.5 };
  }
}

describe('agent identity and roles', () => {
  it('makes the outermost @Trace call the agent execution and nested calls its tasks and tools', async () => {
    await new Researcher().research('ai', 2);
    const agent = tracing.span('invoke_agent Researcher');
    expect(agent.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'Researcher',
      'gen_ai.agent.version': '2.1',
      'gen_ai.agent.description': 'finds facts',
      'agentspan.kind': 'agent',
      'code.function.name': 'research',
    });
    const summarize = tracing.span('Researcher.summarize');
    expect(agentspanRoleOf(summarize.attributes, summarize.instrumentationScope.name)).toBe('task');
    expect(attr(summarize, 'gen_ai.agent.name')).toBe('Researcher');
    expect(parentOf(summarize)).toBe(idOf(agent));
    const tools = tracing.spans().filter((s) => s.name === 'execute_tool web_search');
    expect(tools).toHaveLength(2);
    expect(tools[0].attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'web_search',
      'gen_ai.tool.description': 'searches the web',
      'gen_ai.tool.type': 'function',
      'agentspan.kind': 'tool',
    });
  });

  it('names LLM spans {operation} {model} with provider and request model, as CLIENT spans', async () => {
    await new Researcher().complete('hi');
    const span = tracing.span('chat gpt-4o');
    expect(span.kind).toBe(2); // SpanKind.CLIENT
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'agentspan.kind': 'llm',
    });
  });

  it('gives a subclass with its own @Agent its own identity, and one without its parent identity', async () => {
    @Agent({ name: 'DeepResearcher', version: '3' })
    class DeepResearcher extends Researcher {}
    class PlainSubclass extends Researcher {}
    await new DeepResearcher().research('x', 1);
    await new PlainSubclass().research('y', 1);
    const deep = tracing.span('invoke_agent DeepResearcher');
    expect(attr(deep, 'gen_ai.agent.version')).toBe('3');
    expect(tracing.spans().filter((s) => s.name === 'invoke_agent Researcher')).toHaveLength(1);
  });

  it('defaults the agent name to the class name', async () => {
    @Agent()
    class Planner {
      @Trace() plan() {
        return 'plan';
      }
    }
    new Planner().plan();
    expect(tracing.span('invoke_agent Planner')).toBeDefined();
  });

  it('gives ten parallel tool calls ten sibling spans under the agent', async () => {
    await new Researcher().research('parallel', 10);
    const agent = tracing.span('invoke_agent Researcher');
    const tools = tracing.spans().filter((s) => s.name === 'execute_tool web_search');
    expect(tools).toHaveLength(10);
    for (const tool of tools) {
      expect(parentOf(tool)).toBe(idOf(agent));
      expect(tool.spanContext().traceId).toBe(agent.spanContext().traceId);
    }
    expect(new Set(tools.map(idOf)).size).toBe(10);
  });

  it('never mixes the spans or run attributes of two agents running concurrently', async () => {
    const first = new Researcher();
    const second = new Researcher();
    await Promise.all([
      withAgentContext({ userId: 'alice', tenantId: 'acme' }, () => first.research('a', 5)),
      withAgentContext({ userId: 'bob', tenantId: 'globex' }, () => second.research('b', 5)),
    ]);
    const agents = tracing.spans().filter((s) => s.name === 'invoke_agent Researcher');
    expect(agents).toHaveLength(2);
    for (const agent of agents) {
      const user = attr(agent, 'user.id');
      const tenant = attr(agent, 'agentspan.tenant.id');
      expect(tenant).toBe(user === 'alice' ? 'acme' : 'globex');
      const children = tracing.spans().filter((s) => parentOf(s) === idOf(agent));
      expect(children).toHaveLength(6);
      for (const child of children) {
        expect(child.spanContext().traceId).toBe(agent.spanContext().traceId);
        expect(attr(child, 'user.id')).toBe(user);
        expect(String(attr(child, 'agentspan.input'))).toMatch(user === 'alice' ? /\ba \d/ : /\bb \d/);
      }
    }
  });

  it('makes an agent called by another agent its own execution, nested in the caller', async () => {
    @Agent({ name: 'Writer' })
    class Writer {
      @Trace() async write(topic: string) {
        const facts = await new Researcher().research(topic, 1);
        return facts.join();
      }
    }
    await new Writer().write('ships');
    const writer = tracing.span('invoke_agent Writer');
    const researcher = tracing.span('invoke_agent Researcher');
    expect(parentOf(researcher)).toBe(idOf(writer));
  });

  it('lets a traced() agent function run as an agent execution and its helpers inherit the agent name', async () => {
    const lookup = traced(async (q: string) => `found ${q}`, { kind: 'tool', name: 'lookup' });
    const triage = traced(
      async (ticket: string) => {
        return lookup(ticket);
      },
      { kind: 'agent', agent: { name: 'Triage', version: '1' } },
    );
    await expect(triage('T-1')).resolves.toBe('found T-1');
    const agent = tracing.span('invoke_agent Triage');
    const tool = tracing.span('execute_tool lookup');
    expect(parentOf(tool)).toBe(idOf(agent));
    expect(attr(tool, 'gen_ai.agent.name')).toBe('Triage');
  });
});

describe('withAgentContext', () => {
  const agent = new Researcher();

  it('puts run attributes on every span started inside, across await, fan-out and timers', async () => {
    const timerTool = traced(async () => 'timer', { name: 'from_timer' });
    await withAgentContext(
      { userId: 'u1', sessionId: 's1', tenantId: 't1', conversationId: 'c1', metadata: { issueNumber: 123, pr: 7 } },
      async () => {
        await sleep(1);
        await agent.research('ctx', 3);
        await new Promise<void>((resolve) => setTimeout(() => void timerTool().then(() => resolve()), 2));
      },
    );
    const spans = tracing.spans();
    expect(spans.length).toBe(6);
    for (const span of spans) {
      expect(span.attributes).toMatchObject({
        'user.id': 'u1',
        'session.id': 's1',
        'agentspan.tenant.id': 't1',
        'gen_ai.conversation.id': 'c1',
      });
      expect(JSON.parse(String(attr(span, 'agentspan.metadata')))).toEqual({ issueNumber: 123, pr: 7 });
    }
  });

  it('merges nested calls: inner values win, metadata merges key by key', async () => {
    await withAgentContext({ userId: 'outer', tenantId: 'acme', metadata: { issue: 1, repo: 'r' } }, () =>
      withAgentContext({ userId: 'inner', metadata: { issue: 2 } }, () => agent.summarize(['a'])),
    );
    const span = tracing.span('invoke_agent Researcher');
    expect(attr(span, 'user.id')).toBe('inner');
    expect(attr(span, 'agentspan.tenant.id')).toBe('acme');
    expect(JSON.parse(String(attr(span, 'agentspan.metadata')))).toEqual({ issue: 2, repo: 'r' });
  });

  it('returns what fn returns, and leaves spans outside it without run attributes', async () => {
    expect(withAgentContext({ userId: 'x' }, () => 42)).toBe(42);
    await expect(withAgentContext({ userId: 'x' }, async () => 'async')).resolves.toBe('async');
    agent.summarize([]);
    expect(attr(tracing.span('invoke_agent Researcher'), 'user.id')).toBeUndefined();
  });

  it('redacts secrets in metadata and coerces numeric ids', () => {
    withAgentContext(
      { userId: 42 as unknown as string, metadata: { apiKey: 'abc', note: 'Bearer abcd3fgh1jkl' } },
      () => agent.summarize([]),
    );
    const span = tracing.span('invoke_agent Researcher');
    expect(attr(span, 'user.id')).toBe('42');
    expect(JSON.parse(String(attr(span, 'agentspan.metadata')))).toEqual({
      apiKey: '[REDACTED]',
      note: 'Bearer [REDACTED]',
    });
  });

  it('rejects a missing function with a clear error', () => {
    expect(() => withAgentContext({}, undefined as unknown as () => void)).toThrow(/expects a function/);
  });
});
