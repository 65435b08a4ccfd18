import { context, type Context } from '@opentelemetry/api';

/** What a wrapper reports as the consumer iterates: each chunk, then exactly one end. */
export interface IterationObserver {
  collect(chunk: unknown): void;
  finishIteration(outcome: 'completed' | 'cancelled'): void;
  fail(error: unknown): void;
  finishUnobserved(): void;
}

export interface WrappedResult {
  /** True when the span now ends with the iteration instead of now. */
  iterating: boolean;
  value: unknown;
}

const NOT_ITERATING: WrappedResult = { iterating: false, value: undefined };

/**
 * Recognises results whose work happens after the call returns — generators, async iterables, web and Node streams,
 * foreign thenables — and arranges for the span to end when that work ends. Everything else is ended by the caller.
 * Generators and web streams are followed through a wrapper handed out in their place; when `substitute` is false
 * (the value reaches the caller through a promise it holds unchanged) they cannot be, and the span ends now.
 */
export function wrapResult(
  value: unknown,
  observer: IterationObserver,
  ctx: Context,
  substitute = true,
): WrappedResult {
  if (typeof value !== 'object' || value === null) return NOT_ITERATING;
  const prototype = Object.getPrototypeOf(value);
  // Plain data (the common result) cannot be a generator or a stream; only its own members could make it iterable.
  const plain = prototype === Object.prototype || prototype === Array.prototype || prototype === null;
  const tag = plain ? '' : Object.prototype.toString.call(value);
  const generator = tag === '[object Generator]';
  const asyncGenerator = !generator && tag === '[object AsyncGenerator]';
  const webStream = !plain && typeof ReadableStream !== 'undefined' && value instanceof ReadableStream;
  if (!substitute && (generator || asyncGenerator || webStream)) {
    observer.finishUnobserved();
    return { iterating: true, value };
  }
  if (generator) return { iterating: true, value: wrapIterator(value as Iterator<unknown>, observer, ctx) };
  if (asyncGenerator) {
    return { iterating: true, value: wrapAsyncIterator(value as AsyncIterator<unknown>, observer, ctx) };
  }
  if (webStream) return { iterating: true, value: wrapReadableStream(value, observer) };
  if (!plain && isNodeReadable(value)) {
    watchNodeReadable(value, observer);
    return { iterating: true, value };
  }
  if (typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function') {
    if (patchAsyncIterable(value as AsyncIterable<unknown>, observer, ctx)) return { iterating: true, value };
    return NOT_ITERATING;
  }
  if (typeof (value as { then?: unknown }).then === 'function') {
    // A foreign thenable may start work when then() is called (lazy query builders do): we must not call it first,
    // so its span covers the call that created it.
    observer.finishUnobserved();
    return { iterating: true, value };
  }
  return NOT_ITERATING;
}

/** Wraps a generator so each step runs in the span's context, chunks are collected, and the span ends once. */
function wrapIterator(iterator: Iterator<unknown>, observer: IterationObserver, ctx: Context): Generator<unknown> {
  const step = (method: 'next' | 'return' | 'throw', argument: unknown): IteratorResult<unknown> => {
    let result: IteratorResult<unknown>;
    try {
      result = context.with(ctx, () => callStep(iterator, method, argument)) as IteratorResult<unknown>;
    } catch (error) {
      observer.fail(error);
      throw error;
    }
    observeStep(result, method, observer);
    return result;
  };
  return {
    next: (argument?: unknown) => step('next', argument),
    return: (argument?: unknown) => step('return', argument),
    throw: (error?: unknown) => step('throw', error),
    [Symbol.iterator]() {
      return this;
    },
    [Symbol.toStringTag]: 'Generator',
  } as unknown as Generator<unknown>;
}

function wrapAsyncIterator(
  iterator: AsyncIterator<unknown>,
  observer: IterationObserver,
  ctx: Context,
): AsyncGenerator<unknown> {
  const step = async (method: 'next' | 'return' | 'throw', argument: unknown): Promise<IteratorResult<unknown>> => {
    let result: IteratorResult<unknown>;
    try {
      result = (await context.with(ctx, () => callStep(iterator, method, argument))) as IteratorResult<unknown>;
    } catch (error) {
      observer.fail(error);
      throw error;
    }
    observeStep(result, method, observer);
    return result;
  };
  return {
    next: (argument?: unknown) => step('next', argument),
    return: (argument?: unknown) => step('return', argument),
    throw: (error?: unknown) => step('throw', error),
    [Symbol.asyncIterator]() {
      return this;
    },
    [Symbol.toStringTag]: 'AsyncGenerator',
  } as unknown as AsyncGenerator<unknown>;
}

// Iterators need not implement return() and throw(); behave as the language does when they are missing.
function callStep(
  iterator: Iterator<unknown> | AsyncIterator<unknown>,
  method: 'next' | 'return' | 'throw',
  argument: unknown,
): unknown {
  const fn = (iterator as unknown as Record<string, unknown>)[method];
  if (typeof fn === 'function') return fn.call(iterator, argument);
  if (method === 'throw') throw argument;
  return { done: true, value: argument };
}

function observeStep(result: IteratorResult<unknown>, method: string, observer: IterationObserver): void {
  if (result === null || typeof result !== 'object') return;
  if (result.done) observer.finishIteration(method === 'return' ? 'cancelled' : 'completed');
  else observer.collect(result.value);
}

/** A web ReadableStream cannot be patched in place; the caller gets an equivalent stream that reports as it reads. */
function wrapReadableStream(stream: ReadableStream<unknown>, observer: IterationObserver): ReadableStream<unknown> {
  const reader = stream.getReader();
  return new ReadableStream<unknown>(
    {
      async pull(controller) {
        let chunk: { done: boolean; value?: unknown };
        try {
          chunk = await reader.read();
        } catch (error) {
          observer.fail(error);
          controller.error(error);
          return;
        }
        if (chunk.done) {
          observer.finishIteration('completed');
          controller.close();
        } else {
          observer.collect(chunk.value);
          controller.enqueue(chunk.value);
        }
      },
      async cancel(reason) {
        observer.finishIteration('cancelled');
        await reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

interface NodeReadableLike {
  once(event: 'close', listener: () => void): unknown;
  readableEnded: boolean;
  errored?: unknown;
}

function isNodeReadable(value: object): value is NodeReadableLike {
  const candidate = value as Record<string, unknown>;
  return typeof candidate.once === 'function' && typeof candidate.pipe === 'function' && 'readableEnded' in candidate;
}

/**
 * Node streams are watched, not wrapped: a 'close' listener changes nothing about how the stream behaves (an 'error'
 * or 'data' listener would), and 'close' follows end, error and destroy alike. Chunks are not captured.
 */
function watchNodeReadable(stream: NodeReadableLike, observer: IterationObserver): void {
  stream.once('close', () => {
    const error = stream.errored;
    if (error !== null && error !== undefined) observer.fail(error);
    else observer.finishIteration(stream.readableEnded ? 'completed' : 'cancelled');
  });
}

/**
 * Other async iterables (an SDK's stream object, say) keep their identity and methods: only their own
 * Symbol.asyncIterator is replaced, so the first iteration is observed. False when the object cannot be extended.
 */
function patchAsyncIterable(iterable: AsyncIterable<unknown>, observer: IterationObserver, ctx: Context): boolean {
  if (!Object.isExtensible(iterable)) return false;
  const original = iterable[Symbol.asyncIterator];
  let observed = false;
  Object.defineProperty(iterable, Symbol.asyncIterator, {
    configurable: true,
    writable: true,
    enumerable: false,
    value(this: unknown) {
      const iterator = original.call(this);
      if (observed) return iterator;
      observed = true;
      return wrapAsyncIterator(iterator, observer, ctx);
    },
  });
  return true;
}
