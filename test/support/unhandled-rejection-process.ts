// Run by test/decorators/promise-identity.test.ts: `<scenario> <plain|traced>`. Node's default is to exit with code 1
// on an unhandled rejection, so a clean exit after the JSON line means no rejection went unhandled.
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { traced } from '../../src/instrument';

const exporter = new InMemorySpanExporter();
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));

const [scenario, mode] = process.argv.slice(2);
const wrap = <F extends (...args: any[]) => any>(fn: F): F => (mode === 'traced' ? traced(fn, { name: scenario }) : fn);
const later = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A promise whose then() works and also hands back a promise that rejects, whoever calls it. */
class HostileThen<T> extends Promise<T> {
  override then<A = T, B = never>(
    onValue?: ((value: T) => A | PromiseLike<A>) | null,
    onError?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    void super.then(onValue, onError);
    return Promise.reject(new Error('then() of a hostile promise'));
  }
}

const scenarios: Record<string, () => void> = {
  // A memoised prefetch: its failure is handled where it is created; the caller may ignore it.
  prefetch() {
    const prefetch = wrap(() => {
      const pending = later(5).then(() => {
        throw new Error('prefetch failed');
      });
      pending.catch(() => {});
      return pending;
    });
    void prefetch();
  },
  hostileThen() {
    const make = wrap(() => new HostileThen<number>((resolve) => setTimeout(() => resolve(1), 5)));
    void make();
  },
  // Without agentspan this rejection goes unhandled; it must with agentspan too.
  asyncIgnored() {
    const run = wrap(async () => {
      await later(5);
      throw new Error('nobody listens');
    });
    void run();
  },
};

scenarios[scenario]();
setTimeout(() => {
  const spans = exporter.getFinishedSpans().map((span) => ({ name: span.name, status: span.status.code }));
  process.stdout.write(`${JSON.stringify({ spans })}\n`);
}, 50);
