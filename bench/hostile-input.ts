import 'reflect-metadata';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { log, recordMetrics, traced, withAgentContext } from '../src/instrument';
import { discard } from './call-variants';

export interface HostileInputBenchResult {
  /** Per case: one call over the same call with a small argument (µs); the median of 21 calls after warming up. */
  cases: Record<string, number>;
  /** For scale: listing the keys of the 1M-key object once (µs), what V8 charges before any capture starts. */
  millionKeysListingUs: number;
}

const BUFFER = Buffer.alloc(10 * 1024 * 1024, 7);
const HUGE_STRING = 'x'.repeat(50 * 1024 * 1024);
const MILLION_KEYS = Object.fromEntries(Array.from({ length: 1_000_000 }, (_, i) => [`k${i}`, i]));
const CRAFTED = ['a.'.repeat(4096), 'eyJ-'.repeat(2048), 'x://a:'.repeat(1365), 'a://b:@'.repeat(1170)];

/**
 * The cost of one decorated call (or recording call) whose arguments are hostile — huge, binary or crafted to slow
 * the redaction patterns — over the same call with a small argument. Each case is warmed up (see worst), then run 21
 * times; the median is kept.
 */
export async function benchHostileInput(): Promise<HostileInputBenchResult> {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(discard)] });
  trace.setGlobalTracerProvider(provider);
  // A hostile argument, a small result; and the other way round.
  const call = traced(async (value: unknown) => (value === undefined ? 0 : 1), { name: 'hostile' });
  const returning = traced(async (huge: boolean) => (huge ? HUGE_STRING : 'small'), { name: 'hostile-result' });
  const inSpan = (work: () => void) => traced(async () => work(), { name: 'recording' });
  const small = { a: 1 };
  const cases: Record<string, [() => Promise<unknown>, () => Promise<unknown>]> = {
    '10 MB Buffer as an argument': [() => call(BUFFER), () => call(small)],
    '10 MB Buffer as log() attributes': [
      inSpan(() => log('info', 'm', BUFFER as never)),
      inSpan(() => log('info', 'm', small)),
    ],
    '10 MB Buffer to recordMetrics()': [
      inSpan(() => recordMetrics(BUFFER as never)),
      inSpan(() => recordMetrics(small)),
    ],
    '10 MB Buffer as context metadata': [
      () => withAgentContext({ metadata: BUFFER as never }, () => call(small)),
      () => withAgentContext({ metadata: small }, () => call(small)),
    ],
    '50 MB string as an argument': [() => call(HUGE_STRING), () => call('small')],
    '50 MB string as the result': [() => returning(true), () => returning(false)],
    'crafted 8 KB strings (4) as an argument': [() => call(CRAFTED), () => call(['a', 'b', 'c', 'd'])],
    '1M-key object as an argument': [() => call(MILLION_KEYS), () => call(small)],
  };
  const result: Record<string, number> = {};
  for (const [name, [hostile, baseline]] of Object.entries(cases)) {
    result[name] = (await worst(hostile)) - (await worst(baseline));
  }
  const started = process.hrtime.bigint();
  Object.keys(MILLION_KEYS);
  const millionKeysListingUs = Number(process.hrtime.bigint() - started) / 1_000;
  await provider.shutdown();
  trace.disable();
  context.disable();
  return { cases: result, millionKeysListingUs };
}

/**
 * The median of 21 calls after warming up (so both sides run optimized code, as in a process that has made many
 * calls: V8 optimizes capture only after a few hundred calls), in µs. Warm-up is 500 calls or 3 s, whichever ends
 * first: a call on a million-key object takes a large part of a second.
 */
async function worst(fn: () => Promise<unknown>): Promise<number> {
  const warmUntil = Date.now() + 3_000;
  for (let i = 0; i < 500 && Date.now() < warmUntil; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < 21; i++) {
    const started = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - started) / 1_000);
  }
  return times.sort((a, b) => a - b)[10]!;
}

if (require.main === module) {
  void benchHostileInput().then((r) => console.log(r));
}
