import { SpanStatusCode } from '@opentelemetry/api';
import { Agent, Trace, Tool, traced } from '../../src/instrument';
import { agentspanRoleOf } from '../../src/semconv/span-role';
import { installTracing, parentOf, idOf } from '../support/tracing';

const tracing = installTracing();
beforeEach(() => tracing.reset());
afterEach(() => tracing.assertEachSpanEndedOnce());

describe('call shapes keep their behaviour', () => {
  class Calculator {
    factor = 3;
    @Trace() multiply(x: number): number {
      return x * this.factor;
    }
    @Trace() async multiplyLater(x: number): Promise<number> {
      await new Promise((r) => setTimeout(r, 5));
      return x * this.factor;
    }
    @Trace() static describe(this: typeof Calculator): string {
      return `static on ${this.name}`;
    }
  }

  it('a sync method stays sync and returns the value itself', () => {
    const result = new Calculator().multiply(2);
    expect(result).toBe(6);
    expect(result).not.toBeInstanceOf(Promise);
    expect(tracing.span('Calculator.multiply').ended).toBe(true);
  });

  it('a promise-returning method returns a promise of the same value', async () => {
    const pending = new Calculator().multiplyLater(4);
    expect(pending).toBeInstanceOf(Promise);
    expect(tracing.spans()).toHaveLength(0); // still running
    await expect(pending).resolves.toBe(12);
    const span = tracing.span('Calculator.multiplyLater');
    const durationMs = span.duration[0] * 1e3 + span.duration[1] / 1e6;
    expect(durationMs).toBeGreaterThanOrEqual(4);
  });

  it('does not then() a returned thenable before the caller does', async () => {
    let thenCalls = 0;
    const lazy = {
      then(resolve: (value: string) => void) {
        thenCalls++;
        resolve('ran');
      },
    };
    class Repo {
      @Trace() query() {
        return lazy;
      }
    }
    const returned = new Repo().query();
    expect(returned).toBe(lazy);
    await Promise.resolve();
    expect(thenCalls).toBe(0);
    await expect(returned).resolves.toBe('ran');
    expect(thenCalls).toBe(1);
    expect(tracing.spans()).toHaveLength(1);
  });

  it('preserves this on instance and static methods', () => {
    const calc = new Calculator();
    calc.factor = 10;
    expect(calc.multiply(2)).toBe(20);
    expect(Calculator.describe()).toBe('static on Calculator');
    expect(tracing.span('Calculator.describe')).toBeDefined();
  });

  it('keeps the method name and length', () => {
    class Shapes {
      @Tool() lookup(a: string, b: number, c: boolean) {
        return [a, b, c];
      }
    }
    const method = Shapes.prototype.lookup;
    expect(method.name).toBe('lookup');
    expect(method.length).toBe(3);
    const fn = traced(function add(a: number, b: number) {
      return a + b;
    });
    expect(fn.name).toBe('add');
    expect(fn.length).toBe(2);
    expect(fn(2, 3)).toBe(5);
  });

  it('subclasses overriding decorated methods trace both levels with the right this', async () => {
    @Agent({ name: 'Base' })
    class BaseAgent {
      greeting = 'hello';
      @Trace() async run(who: string): Promise<string> {
        return `${this.greeting} ${who}`;
      }
    }
    class LoudAgent extends BaseAgent {
      override greeting = 'HEY';
      @Trace() override async run(who: string): Promise<string> {
        return (await super.run(who)).toUpperCase() + '!';
      }
    }
    await expect(new LoudAgent().run('bob')).resolves.toBe('HEY BOB!');
    const spans = tracing.spans();
    expect(spans).toHaveLength(2);
    const outer = spans.find((s) => s.name === 'invoke_agent Base')!;
    const inner = spans.find((s) => s.name === 'Base.run')!;
    expect(parentOf(inner)).toBe(idOf(outer));
    expect(agentspanRoleOf(inner.attributes, inner.instrumentationScope.name)).toBe('task');
  });

  it('stacks with other decorators in either order', () => {
    const calls: string[] = [];
    function logged(...decoratorArgs: any[]): any {
      // works in both decorator dialects: (method, context) or (target, key, descriptor)
      const wrap = (fn: (...a: any[]) => any) =>
        function (this: unknown, ...a: any[]) {
          calls.push('logged');
          return fn.apply(this, a);
        };
      if (decoratorArgs.length === 2) return wrap(decoratorArgs[0]);
      const descriptor = decoratorArgs[2] as PropertyDescriptor;
      return { ...descriptor, value: wrap(descriptor.value) };
    }
    class Stack {
      @logged
      @Tool({ name: 'inner_tool' })
      first(x: number) {
        return x + 1;
      }
      @Tool({ name: 'outer_tool' })
      @logged
      second(x: number) {
        return x + 2;
      }
    }
    const stack = new Stack();
    expect(stack.first(1)).toBe(2);
    expect(stack.second(1)).toBe(3);
    expect(calls).toEqual(['logged', 'logged']);
    expect(tracing.span('execute_tool inner_tool').status.code).toBe(SpanStatusCode.UNSET);
    expect(tracing.span('execute_tool outer_tool')).toBeDefined();
  });

  it('traced() keeps this for functions used as methods', () => {
    const obj = {
      base: 7,
      add: traced(
        function (this: { base: number }, x: number) {
          return this.base + x;
        },
        { name: 'add_to_base' },
      ),
    };
    expect(obj.add(3)).toBe(10);
    expect(tracing.span('add_to_base')).toBeDefined();
  });
});
