import { trace, type Span, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { Trace, traced } from '../../src/instrument';

// A tracer whose spans throw on every operation: agentspan must still run each call exactly once, untouched.
const throwingSpan = new Proxy({} as Span, {
  get(_target, property) {
    if (property === 'isRecording') return () => true;
    if (property === 'spanContext') return () => ({ traceId: '1'.repeat(32), spanId: '1'.repeat(16), traceFlags: 1 });
    return () => {
      throw new Error(`span.${String(property)} exploded`);
    };
  },
});
let startCalls = 0;
const provider: TracerProvider = {
  getTracer(): Tracer {
    return {
      startSpan: () => {
        startCalls++;
        if (startCalls % 2 === 0) throw new Error('startSpan exploded');
        return throwingSpan;
      },
      startActiveSpan: (() => {
        throw new Error('unused');
      }) as Tracer['startActiveSpan'],
    };
  },
};
trace.setGlobalTracerProvider(provider);

it('runs every call exactly once with its own result and errors, whatever the tracer does', async () => {
  let runs = 0;
  class Service {
    @Trace() async work(x: number) {
      runs++;
      return x + 1;
    }
    @Trace() *items() {
      runs++;
      yield 'a';
    }
  }
  const service = new Service();
  for (let i = 0; i < 4; i++) await expect(service.work(i)).resolves.toBe(i + 1);
  expect([...service.items()]).toEqual(['a']);
  expect([...service.items()]).toEqual(['a']);
  const failing = traced(async () => {
    runs++;
    throw new TypeError('mine');
  });
  await expect(failing()).rejects.toThrow(TypeError);
  await expect(failing()).rejects.toThrow('mine');
  expect(runs).toBe(8);
  expect(startCalls).toBe(8);
});
