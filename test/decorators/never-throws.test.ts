import { Trace, traced, Tool, Decision, LLM } from '../../src/instrument';
import { attr, installTracing } from '../support/tracing';

const tracing = installTracing();
beforeEach(() => tracing.reset());
afterEach(() => tracing.assertEachSpanEndedOnce());

describe('user hooks that throw are caught and reported, never thrown into the call', () => {
  class Hooks {
    @Trace({
      attributes: () => {
        throw new Error('attributes bug');
      },
    })
    attrs(x: number) {
      return x + 1;
    }
    @Tool({
      mapInput: () => {
        throw new Error('mapInput bug');
      },
      mapOutput: () => {
        throw new Error('mapOutput bug');
      },
    })
    mappers(x: number) {
      return x * 2;
    }
  }

  it('a throwing attributes function', () => {
    expect(new Hooks().attrs(1)).toBe(2);
    expect(tracing.span('Hooks.attrs').ended).toBe(true);
    expect(tracing.diagMessages.join('\n')).toMatch(/attributes function of attrs threw: Error: attributes bug/);
  });

  it('throwing mappers: the value is simply not recorded', () => {
    expect(new Hooks().mappers(4)).toBe(8);
    const span = tracing.span('execute_tool mappers');
    expect(attr(span, 'agentspan.input')).toBeUndefined();
    expect(attr(span, 'agentspan.output')).toBeUndefined();
    const messages = tracing.diagMessages.join('\n');
    expect(messages).toMatch(/mapInput of mappers threw/);
    expect(messages).toMatch(/mapOutput of mappers threw/);
  });
});

describe('hostile values never break the call', () => {
  it('getters that throw, proxies that throw, toJSON that throws', async () => {
    const hostile = {
      get boom(): never {
        throw new Error('getter');
      },
      proxy: new Proxy(
        {},
        {
          ownKeys: () => {
            throw new Error('ownKeys');
          },
        },
      ),
      json: {
        toJSON: () => {
          throw new Error('toJSON');
        },
      },
    };
    const fn = traced(async (value: unknown) => value, { name: 'hostile' });
    await expect(fn(hostile)).resolves.toBe(hostile);
    const recorded = JSON.parse(String(attr(tracing.span('hostile'), 'agentspan.input')));
    expect(recorded).toEqual([{ boom: '[unreadable]', proxy: {}, json: '[Object: toJSON failed]' }]);
  });

  it('decision and LLM methods returning odd shapes', async () => {
    class Odd {
      @Decision() weird() {
        return { choice: Symbol('x'), confidence: 'high' };
      }
      @LLM() async model() {
        return { usage: { prompt_tokens: 'many', completion_tokens: -1 } };
      }
    }
    const odd = new Odd();
    expect(odd.weird().confidence).toBe('high');
    await expect(odd.model()).resolves.toEqual({ usage: { prompt_tokens: 'many', completion_tokens: -1 } });
    expect(attr(tracing.span('chat'), 'gen_ai.usage.input_tokens')).toBeUndefined();
  });
});
