import { SpanStatusCode } from '@opentelemetry/api';
import { Readable } from 'node:stream';
import { Trace, traced } from '../../src/instrument';
import { attr, idOf, installTracing, parentOf, sleep } from '../support/tracing';

const tracing = installTracing();
beforeEach(() => tracing.reset());
afterEach(() => tracing.assertEachSpanEndedOnce());

const durationMs = (name: string) => {
  const span = tracing.span(name);
  return span.duration[0] * 1e3 + span.duration[1] / 1e6;
};

class CustomError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CustomError';
  }
}

class Worker {
  @Trace() ok() {
    return 'fine';
  }
  @Trace() boom(): never {
    throw new CustomError('sync failure');
  }
  @Trace() async reject(): Promise<never> {
    await sleep(1);
    throw new CustomError('async failure');
  }
  @Trace() *count(limit: number) {
    for (let i = 0; i < limit; i++) yield i;
    return 'done';
  }
  @Trace() *countWithCleanup(log: string[]) {
    try {
      yield 1;
      yield 2;
      yield 3;
    } finally {
      log.push('cleanup');
    }
  }
  @Trace() async *stream(limit: number) {
    for (let i = 0; i < limit; i++) {
      await sleep(5);
      yield `tok${i} `;
    }
  }
  @Trace() async *streamWithChild() {
    yield await this.child('a');
    await sleep(1);
    yield await this.child('b');
  }
  @Trace() async child(x: string) {
    return x.toUpperCase();
  }
  @Trace() asyncIterableObject() {
    const source = ['x', 'y', 'z'];
    return {
      marker: 'kept',
      async *[Symbol.asyncIterator]() {
        for (const item of source) {
          await sleep(2);
          yield item;
        }
      },
    };
  }
  @Trace() failingIterable() {
    return {
      async *[Symbol.asyncIterator]() {
        yield 'first';
        await sleep(1);
        throw new CustomError('iterable broke');
      },
    };
  }
  @Trace() *manyChunks(count: number) {
    for (let i = 0; i < count; i++) yield { index: i, text: 'chunk text '.repeat(10) };
  }
  @Trace() async webStream(fail = false) {
    let i = 0;
    return new ReadableStream<string>({
      async pull(controller) {
        await sleep(2);
        if (fail && i === 1) {
          controller.error(new CustomError('stream broke'));
          return;
        }
        if (i === 3) controller.close();
        else controller.enqueue(`part${i++}`);
      },
    });
  }
  @Trace() nodeStream(fail = false) {
    const stream = new Readable({ read() {} });
    setTimeout(() => {
      stream.push('a');
      if (fail) stream.destroy(new CustomError('node stream broke'));
      else stream.push(null);
    }, 5);
    return stream;
  }
}

describe('every span ends exactly once', () => {
  const worker = new Worker();

  it('on return', () => {
    worker.ok();
    expect(tracing.spans()).toHaveLength(1);
  });

  it('on throw, rethrowing the very same error', () => {
    let caught: unknown;
    try {
      worker.boom();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CustomError);
    expect((caught as Error).stack).toContain('sync failure');
    expect(tracing.spans()).toHaveLength(1);
  });

  it('on reject, rejecting with the very same error', async () => {
    const error = await worker.reject().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CustomError);
    expect((error as Error).message).toBe('async failure');
    expect(tracing.spans()).toHaveLength(1);
  });

  it('for a generator on completion, covering the whole iteration', () => {
    const iterator = worker.count(3);
    expect(tracing.spans()).toHaveLength(0);
    const values = [...iterator];
    expect(values).toEqual([0, 1, 2]);
    const span = tracing.span('Worker.count');
    expect(attr(span, 'agentspan.output')).toBe('[0,1,2]');
    expect(attr(span, 'agentspan.outcome')).toBeUndefined();
  });

  it('for a generator on early break (return())', () => {
    const log: string[] = [];
    for (const value of worker.countWithCleanup(log)) {
      if (value === 2) break;
    }
    expect(log).toEqual(['cleanup']);
    const span = tracing.span('Worker.countWithCleanup');
    expect(attr(span, 'agentspan.outcome')).toBe('cancelled');
    expect(attr(span, 'agentspan.output')).toBe('[1,2]');
  });

  it('for a generator on throw()', () => {
    const iterator = worker.countWithCleanup([]);
    iterator.next();
    const error = new CustomError('consumer gave up');
    expect(() => iterator.throw(error)).toThrow(error);
    const span = tracing.span('Worker.countWithCleanup');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(attr(span, 'error.type')).toBe('CustomError');
  });

  it('for an async generator on completion, not 0 ms, with text output joined', async () => {
    const chunks: string[] = [];
    for await (const chunk of worker.stream(3)) chunks.push(chunk);
    expect(chunks).toEqual(['tok0 ', 'tok1 ', 'tok2 ']);
    expect(durationMs('Worker.stream')).toBeGreaterThanOrEqual(10);
    expect(attr(tracing.span('Worker.stream'), 'agentspan.output')).toBe('"tok0 tok1 tok2 "');
  });

  it('for an async generator on early break', async () => {
    for await (const chunk of worker.stream(5)) {
      if (chunk === 'tok1 ') break;
    }
    expect(attr(tracing.span('Worker.stream'), 'agentspan.outcome')).toBe('cancelled');
  });

  it('for an async generator on throw()', async () => {
    const iterator = worker.stream(3);
    await iterator.next();
    await expect(iterator.throw(new CustomError('stop'))).rejects.toThrow('stop');
    expect(tracing.span('Worker.stream').status.code).toBe(SpanStatusCode.ERROR);
  });

  it('makes spans created inside a generator body its children', async () => {
    const out: string[] = [];
    for await (const value of worker.streamWithChild()) out.push(value);
    expect(out).toEqual(['A', 'B']);
    const parent = tracing.span('Worker.streamWithChild');
    const children = tracing.spans().filter((s) => s.name === 'Worker.child');
    expect(children).toHaveLength(2);
    for (const child of children) expect(parentOf(child)).toBe(idOf(parent));
  });

  it('for a returned async iterable, when the consumer finishes, keeping the object', async () => {
    const iterable = worker.asyncIterableObject();
    expect(iterable.marker).toBe('kept');
    expect(tracing.spans()).toHaveLength(0);
    const seen: string[] = [];
    for await (const item of iterable) seen.push(item);
    expect(seen).toEqual(['x', 'y', 'z']);
    expect(durationMs('Worker.asyncIterableObject')).toBeGreaterThanOrEqual(4);
  });

  it('for a returned async iterable, when the consumer stops early', async () => {
    for await (const item of worker.asyncIterableObject()) {
      if (item === 'x') break;
    }
    expect(attr(tracing.span('Worker.asyncIterableObject'), 'agentspan.outcome')).toBe('cancelled');
  });

  it('for a returned async iterable, when it errors, with the same error', async () => {
    const seen: string[] = [];
    const error = await (async () => {
      for await (const item of worker.failingIterable()) seen.push(item);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['first']);
    expect(error).toBeInstanceOf(CustomError);
    const span = tracing.span('Worker.failingIterable');
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'iterable broke' });
    expect(attr(span, 'error.type')).toBe('CustomError');
  });

  it('collects the chunks of a long iteration only up to the capture limit, counting the rest', () => {
    let consumed = 0;
    for (const chunk of worker.manyChunks(10_000)) consumed += chunk.index >= 0 ? 1 : 0;
    expect(consumed).toBe(10_000);
    const output = String(attr(tracing.span('Worker.manyChunks'), 'agentspan.output'));
    expect(output.length).toBeLessThan(40_000);
    const parsed = JSON.parse(output) as unknown[];
    expect(parsed[0]).toEqual({ index: 0, text: 'chunk text '.repeat(10) });
    expect(String(parsed[parsed.length - 1])).toMatch(/^…\[\d+ more chunks\]$/);
  });

  it('for a returned ReadableStream, when the consumer finishes', async () => {
    const stream = await worker.webStream();
    const parts: string[] = [];
    for await (const part of stream as unknown as AsyncIterable<string>) parts.push(part);
    expect(parts).toEqual(['part0', 'part1', 'part2']);
    expect(attr(tracing.span('Worker.webStream'), 'agentspan.output')).toBe('"part0part1part2"');
  });

  it('for a returned ReadableStream, when the consumer cancels', async () => {
    const stream = await worker.webStream();
    const reader = stream.getReader();
    await reader.read();
    expect(tracing.spans()).toHaveLength(0);
    await reader.cancel('enough');
    expect(attr(tracing.span('Worker.webStream'), 'agentspan.outcome')).toBe('cancelled');
  });

  it('for a returned ReadableStream, when the stream errors, with the same error', async () => {
    const stream = await worker.webStream(true);
    const reader = stream.getReader();
    await reader.read();
    const error = await reader.read().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CustomError);
    const span = tracing.span('Worker.webStream');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.status.message).toBe('stream broke');
  });

  it('for a returned Node stream, on end and on error, returning the same stream', async () => {
    const stream = worker.nodeStream();
    expect(stream).toBeInstanceOf(Readable);
    const chunks: string[] = [];
    for await (const chunk of stream) chunks.push(String(chunk));
    expect(chunks).toEqual(['a']);
    await sleep(1);
    expect(tracing.spans()).toHaveLength(1);
    tracing.reset();
    const failing = worker.nodeStream(true);
    const error = await (async () => {
      for await (const chunk of failing) void chunk;
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CustomError);
    await sleep(1);
    expect(tracing.span('Worker.nodeStream').status.code).toBe(SpanStatusCode.ERROR);
  });

  it('for traced() generators too', () => {
    const numbers = traced(function* numbers() {
      yield 1;
      yield 2;
    });
    expect([...numbers()]).toEqual([1, 2]);
    expect(tracing.span('numbers').ended).toBe(true);
  });
});

describe('errors', () => {
  it('set status ERROR with the message, error.type the class name, and an exception event', () => {
    expect(() => new Worker().boom()).toThrow('sync failure');
    const span = tracing.span('Worker.boom');
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'sync failure' });
    expect(attr(span, 'error.type')).toBe('CustomError');
    const event = span.events.find((e) => e.name === 'exception')!;
    expect(event.attributes?.['exception.type']).toBe('CustomError');
    expect(event.attributes?.['exception.message']).toBe('sync failure');
    expect(String(event.attributes?.['exception.stacktrace'])).toContain('sync failure');
  });

  it('name a class without its own name property by its constructor', async () => {
    class QuotaExceeded extends Error {}
    const fn = traced(
      async () => {
        throw new QuotaExceeded('over quota');
      },
      { name: 'quota' },
    );
    await expect(fn()).rejects.toBeInstanceOf(QuotaExceeded);
    expect(attr(tracing.span('quota'), 'error.type')).toBe('QuotaExceeded');
  });

  it('handle thrown non-errors and rethrow them untouched', () => {
    const thrown = { code: 42 };
    const fn = traced(
      () => {
        throw thrown;
      },
      { name: 'weird' },
    );
    let caught: unknown;
    try {
      fn();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBe(thrown);
    expect(attr(tracing.span('weird'), 'error.type')).toBe('_OTHER');
    const str = traced(
      () => {
        throw 'plain string';
      },
      { name: 'stringy' },
    );
    expect(() => str()).toThrow('plain string');
    expect(tracing.span('stringy').status.message).toBe('plain string');
  });

  it('redact secrets in error messages', () => {
    const fn = traced(
      () => {
        throw new Error('auth failed for key sk-abcdefghijklmnopqrstuvwx');
      },
      { name: 'leaky' },
    );
    expect(() => fn()).toThrow('sk-abcdefghijklmnopqrstuvwx'); // the caller still gets the real error
    const span = tracing.span('leaky');
    expect(span.status.message).toBe('auth failed for key [REDACTED]');
    expect(JSON.stringify(span.events)).not.toContain('sk-abcdefghijklmnopqrstuvwx');
  });
});
