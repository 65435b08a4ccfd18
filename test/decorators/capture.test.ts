import { configureCapture, Tool, Trace, traced } from '../../src/instrument';
import { attr, installTracing } from '../support/tracing';

const tracing = installTracing();
beforeEach(() => tracing.reset());
afterEach(() => {
  tracing.assertEachSpanEndedOnce();
  configureCapture({});
});

const input = (name: string) => JSON.parse(String(attr(tracing.span(name), 'agentspan.input')));
const output = (name: string) => JSON.parse(String(attr(tracing.span(name), 'agentspan.output')));

describe('input and output capture', () => {
  class Service {
    @Trace() echo(request: unknown) {
      return request;
    }
    @Trace({ captureInput: false, captureOutput: false }) quiet(secretPlan: string) {
      return secretPlan;
    }
    @Trace({ mapInput: (args) => ({ id: args[0].id }), mapOutput: (result) => result.length }) mapped(request: {
      id: number;
      body: string;
    }) {
      return request.body;
    }
    @Trace() nothing(): void {}
  }
  const service = new Service();

  it('records arguments as a JSON array and the result as JSON', () => {
    service.echo({ task: 'plan', steps: [1, 2] });
    expect(input('Service.echo')).toEqual([{ task: 'plan', steps: [1, 2] }]);
    expect(output('Service.echo')).toEqual({ task: 'plan', steps: [1, 2] });
  });

  it('honours captureInput and captureOutput false', () => {
    service.quiet('the plan');
    const span = tracing.span('Service.quiet');
    expect(attr(span, 'agentspan.input')).toBeUndefined();
    expect(attr(span, 'agentspan.output')).toBeUndefined();
  });

  it('applies mapInput and mapOutput', () => {
    service.mapped({ id: 7, body: 'hello' });
    expect(input('Service.mapped')).toEqual({ id: 7 });
    expect(output('Service.mapped')).toBe(5);
  });

  it('records no output for a void method', () => {
    service.nothing();
    expect(attr(tracing.span('Service.nothing'), 'agentspan.output')).toBeUndefined();
  });

  it('captures before the method runs, so later mutation does not change the recorded input, and never mutates', () => {
    const request = { items: ['a'] };
    const frozen = Object.freeze({ deep: Object.freeze({ list: Object.freeze([1, 2]) }) });
    const mutate = traced(
      (r: { items: string[] }) => {
        r.items.push('b');
        return frozen;
      },
      { name: 'mutate' },
    );
    expect(mutate(request)).toBe(frozen);
    expect(input('mutate')).toEqual([{ items: ['a'] }]);
    expect(request.items).toEqual(['a', 'b']);
  });
});

describe('attributes option', () => {
  it('adds fixed attributes and attributes computed from this and the arguments', () => {
    class Shop {
      region = 'eu';
      @Tool({ attributes: { 'shop.static': 'yes', count: 3 } }) a() {
        return 1;
      }
      @Tool({
        attributes: (self: Shop, args: unknown[]) => ({ 'shop.region': self.region, 'shop.sku': String(args[0]) }),
      })
      b(sku: string) {
        return sku;
      }
    }
    const shop = new Shop();
    shop.a();
    shop.b('X-1');
    expect(tracing.span('execute_tool a').attributes).toMatchObject({ 'shop.static': 'yes', count: 3 });
    expect(tracing.span('execute_tool b').attributes).toMatchObject({ 'shop.region': 'eu', 'shop.sku': 'X-1' });
  });

  it('keeps the agentspan.* namespace for agentspan: user attributes cannot overwrite captured input', () => {
    traced((x: number) => x, {
      name: 'owned',
      attributes: { 'agentspan.input': '{"forged":true}', 'agentspan.kind': 'agent', mine: 1 },
    })(5);
    const span = tracing.span('owned');
    expect(attr(span, 'agentspan.input')).toBe('[5]');
    expect(attr(span, 'agentspan.kind')).toBeUndefined();
    expect(attr(span, 'mine')).toBe(1);
  });

  it('redacts secrets in attributes by key and by value, and turns objects into JSON', () => {
    const fn = traced(() => 'ok', {
      name: 'attrs',
      attributes: () => ({
        api_key: 'plain-looking',
        'http.authorization': 'whatever',
        endpoint: 'postgres://admin:s3cret@db.internal:5432/app',
        nested: { access_token: 'abc', safe: 1 },
        tags: ['a', 'sk-aaaaaaaaaaaaaaaaaaaaaaaa'],
        skipped: undefined,
      }),
    });
    fn();
    const span = tracing.span('attrs');
    expect(span.attributes).toMatchObject({
      api_key: '[REDACTED]',
      'http.authorization': '[REDACTED]',
      endpoint: 'postgres://admin:[REDACTED]@db.internal:5432/app',
      nested: '{"access_token":"[REDACTED]","safe":1}',
      tags: ['a', '[REDACTED]'],
    });
    expect('skipped' in span.attributes).toBe(false);
  });
});

describe('secrets are redacted in input and output', () => {
  it('by key name and by value shape', async () => {
    const call = traced(
      async (_request: unknown) => ({
        reply: 'used key sk-proj-abcdefghijklmnopqrstuvwxyz',
        session: { cookie: 'sid=1', maxTokens: 5 },
      }),
      { name: 'call' },
    );
    await call({
      password: 'hunter2',
      headers: { Authorization: 'Bearer abc.def.ghi', 'X-Api-Key': 'k' },
      note: 'my token is ghp_abcdefghijklmnopqrstuvwxyz0123456789',
      client_secret: { nested: 'object' },
      maxTokens: 100,
      inputTokens: 5,
    });
    expect(input('call')).toEqual([
      {
        password: '[REDACTED]',
        headers: { Authorization: '[REDACTED]', 'X-Api-Key': '[REDACTED]' },
        note: 'my token is [REDACTED]',
        client_secret: '[REDACTED]',
        maxTokens: 100,
        inputTokens: 5,
      },
    ]);
    expect(output('call')).toEqual({ reply: 'used key [REDACTED]', session: { cookie: '[REDACTED]', maxTokens: 5 } });
  });

  it('with extra user key names and patterns', () => {
    configureCapture({ redaction: { keys: ['ssn', /^x-internal-/i], patterns: [/\bACME-\d{6}\b/] } });
    traced((_payload: unknown) => 'order ACME-123456 shipped', { name: 'user-rules' })({
      customerSSN: '123-45-6789',
      'X-Internal-Trace': 'abc',
      ref: 'see ACME-654321',
    });
    expect(input('user-rules')).toEqual([
      { customerSSN: '[REDACTED]', 'X-Internal-Trace': '[REDACTED]', ref: 'see [REDACTED]' },
    ]);
    expect(output('user-rules')).toBe('order [REDACTED] shipped');
  });

  it('with a custom redactor, and fails closed when it throws', () => {
    configureCapture({ redaction: { redactor: (value) => value.replace(/\d{4}-\d{4}-\d{4}-\d{4}/g, '[CARD]') } });
    traced((card: string) => card, { name: 'card' })('pay with 4111-1111-1111-1111');
    expect(output('card')).toBe('pay with [CARD]');

    tracing.reset();
    configureCapture({
      redaction: {
        redactor: (value) => {
          if (value.includes('explode')) throw new Error('redactor bug');
          return value;
        },
      },
    });
    const result = traced((a: string, b: string) => `${a} ${b}`, { name: 'closed' })('fine', 'explode');
    expect(result).toBe('fine explode');
    expect(input('closed')).toBe('[REDACTED]');
    expect(output('closed')).toBe('[REDACTED]');
  });

  it('can be turned off', () => {
    configureCapture({ redaction: { enabled: false } });
    traced((p: unknown) => p, { name: 'raw' })({ password: 'visible' });
    expect(output('raw')).toEqual({ password: 'visible' });
  });
});

describe('configureCapture', () => {
  it('rejects bad options with a clear error naming the option', () => {
    expect(() => configureCapture({ maxLength: 0 })).toThrow(/maxLength must be a positive integer/);
    expect(() => configureCapture({ maxDepth: 1.5 })).toThrow(/maxDepth/);
    expect(() => configureCapture({ redaction: { patterns: ['x' as unknown as RegExp] } })).toThrow(/patterns/);
    expect(() => configureCapture({ redaction: { redactor: 'no' as never } })).toThrow(/redactor must be a function/);
  });

  it('applies limits to captured values', () => {
    configureCapture({ maxStringLength: 10, maxItems: 2 });
    traced((_s: string, _list: number[]) => 'ok', { name: 'limits' })('abcdefghijklmnop', [1, 2, 3, 4]);
    expect(input('limits')).toEqual(['abcdefghij…[truncated, 16 chars]', [1, 2, '…[2 more items]']]);
  });
});

describe('decorator options are checked when the class is defined', () => {
  it('throws a clear TypeError for a bad option', () => {
    expect(() => Trace({ name: 42 as unknown as string })).toThrow(/@Trace option name must be a non-empty string/);
    expect(() => Tool({ mapInput: 'x' as never })).toThrow(/@Tool option mapInput must be a function/);
    expect(() => traced(() => 1, { kind: 'robot' as never })).toThrow(/kind must be one of/);
    expect(() => traced('nope' as never)).toThrow(/expects a function/);
  });
});
