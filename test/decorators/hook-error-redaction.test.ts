import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { configureCapture, recordMetrics, recordUsage, Tool, Trace, traced } from '../../src/instrument';
import { installTracing } from '../support/tracing';

const tracing = installTracing();
beforeEach(() => tracing.reset());
afterEach(() => {
  configureCapture();
  tracing.assertEachSpanEndedOnce();
});

// What user code typically throws: an error quoting the key or connection string it was handed.
const KEY = 'sk-proj-abcdefghijklmnopqrstuvwx1234';
const SECRET_MESSAGE = `failed with ${KEY} and postgres://app:pw@db/x`;
const hook = (): never => {
  throw new Error(SECRET_MESSAGE);
};

/** Everything a span carries that a note or an error could land in: name, attributes, events, status. */
function spanText(span: ReadableSpan): string {
  return JSON.stringify({ name: span.name, attributes: span.attributes, events: span.events, status: span.status });
}

/** The diag messages about `subject`: at least one (the report happened), each redacted. */
function expectRedactedDiag(subject: RegExp): string[] {
  const messages = tracing.diagMessages.filter((message) => subject.test(message));
  expect(messages.length).toBeGreaterThan(0);
  for (const message of messages) {
    expect(message).not.toContain(KEY);
    expect(message).not.toContain('abcdefghijklmnopqrstuvwx1234');
    expect(message).not.toContain(':pw@');
    expect(message).toContain('[REDACTED]');
  }
  return messages;
}

function expectCleanSpans(): void {
  expect(tracing.spans().length).toBeGreaterThan(0);
  for (const span of tracing.spans()) {
    expect(spanText(span)).not.toContain('abcdefghijklmnopqrstuvwx1234');
    expect(spanText(span)).not.toContain(':pw@');
  }
}

describe('errors thrown by user hooks reach diag and the span redacted', () => {
  it('mapInput', () => {
    class Hooks {
      @Trace({ mapInput: hook }) run(x: number) {
        return x + 1;
      }
    }
    expect(new Hooks().run(1)).toBe(2);
    const [message] = expectRedactedDiag(/mapInput of run threw/);
    // The message still says what went wrong; only the secret parts are replaced.
    expect(message).toContain('failed with [REDACTED] and postgres://app:[REDACTED]@db/x');
    expectCleanSpans();
  });

  it('mapOutput, on a result and on each chunk of a stream', async () => {
    class Hooks {
      @Trace({ mapOutput: hook }) run(x: number) {
        return x + 1;
      }
      @Trace({ mapOutput: hook }) async *stream() {
        yield 'a';
      }
    }
    expect(new Hooks().run(1)).toBe(2);
    const chunks: string[] = [];
    for await (const chunk of new Hooks().stream()) chunks.push(chunk);
    expect(chunks).toEqual(['a']);
    expect(expectRedactedDiag(/mapOutput of (run|stream) threw/)).toHaveLength(2);
    expectCleanSpans();
  });

  it('an attributes function', () => {
    const fn = traced((x: number) => x * 2, { name: 'attrs', attributes: hook });
    expect(fn(2)).toBe(4);
    expectRedactedDiag(/attributes function of .* threw/);
    expectCleanSpans();
  });

  it('a @Tool costUsd function: the diag warning and the note on the span', () => {
    class Tools {
      @Tool({ costUsd: hook }) search() {
        return 'found';
      }
    }
    expect(new Tools().search()).toBe('found');
    expectRedactedDiag(/costUsd function of search threw/);
    const span = tracing.span('execute_tool search');
    expect(span.events.map((event) => event.attributes?.['agentspan.log.message'])).toEqual([
      'agentspan: tool costUsd threw; cost unknown',
    ]);
    expectCleanSpans();
  });

  it('a hook throwing something that is not an Error, or that cannot even be printed', () => {
    const thrownString = traced((x: number) => x, {
      name: 'thrown_string',
      mapInput: () => {
        throw SECRET_MESSAGE;
      },
    });
    const unprintable = traced((x: number) => x, {
      name: 'unprintable',
      mapOutput: () => {
        throw Object.create(null);
      },
    });
    expect(thrownString(1)).toBe(1);
    expect(unprintable(2)).toBe(2);
    expectRedactedDiag(/mapInput of .* threw/);
    expect(tracing.diagMessages.join('\n')).toMatch(/mapOutput of .* threw: an error that cannot be described/);
    expectCleanSpans();
  });

  it('a user redactor applies to diag messages too, and one that throws replaces the whole text', () => {
    const fn = traced((x: number) => x, {
      name: 'custom',
      mapInput: () => {
        throw new Error('customer 4711 not found');
      },
    });
    configureCapture({ redaction: { redactor: (value) => value.replace(/customer \d+/g, 'customer [ID]') } });
    fn(1);
    expect(tracing.diagMessages.join('\n')).toMatch(/mapInput of .* threw: Error: customer \[ID\] not found/);
    tracing.reset();
    configureCapture({
      redaction: {
        redactor: () => {
          throw new Error('redactor bug');
        },
      },
    });
    fn(1);
    const messages = tracing.diagMessages.filter((message) => /mapInput of/.test(message));
    expect(messages).toEqual([expect.stringMatching(/threw: \[REDACTED\]$/)]);
  });
});

describe('errors of the settle and observe paths, and of recording functions, reach diag redacted', () => {
  it('a returned promise whose then throws (observe)', () => {
    const promise = Promise.resolve('value');
    Object.defineProperty(promise, 'then', { value: hook });
    const fn = traced(() => promise, { name: 'hostile_then' });
    expect(fn()).toBe(promise);
    expectRedactedDiag(/watching a returned promise failed/);
    expectCleanSpans();
  });

  it('a result whose then getter throws (settle)', () => {
    const result = Object.defineProperty({}, 'then', { get: hook, enumerable: false });
    const fn = traced(() => result, { name: 'hostile_result' });
    expect(fn()).toBe(result);
    expectRedactedDiag(/ending a span failed/);
    expectCleanSpans();
  });

  it('recordMetrics and recordUsage given objects whose getters throw', () => {
    const fn = traced(
      () => {
        recordMetrics(Object.defineProperty({}, 'score', { get: hook, enumerable: true }) as Record<string, number>);
        recordUsage(Object.defineProperty({}, 'inputTokens', { get: hook, enumerable: true }));
        return 'done';
      },
      { name: 'recording' },
    );
    expect(fn()).toBe('done');
    expectRedactedDiag(/recordMetrics failed/);
    expectRedactedDiag(/recordUsage failed/);
    expectCleanSpans();
  });
});
