import { mapSpan } from '../../src/mapping/map-span';
import { Agent, recordMetrics, Trace } from '../../src/instrument';
import { bridgedSpan } from '../support/bridged-span';
import { installTracing } from '../support/tracing';

const tracing = installTracing();
beforeEach(() => tracing.reset());

/** A span of another instrumentation carrying `agentspan.metrics` set by hand. */
const bridged = (metrics: unknown) =>
  bridgedSpan({
    name: 'invoke_agent Foreign',
    attributes: { 'gen_ai.operation.name': 'invoke_agent', 'agentspan.metrics': metrics },
  });

const notes = (record: ReturnType<typeof mapSpan>) =>
  record!.events
    .filter((event) => event.level === 'warn')
    .map((event) => [event.message, JSON.parse(event.attributes!).value]);

describe('mapSpan: business metrics', () => {
  @Agent({ name: 'Analyst' })
  class Analyst {
    @Trace() async analyse() {
      recordMetrics({ competitors_analysed: 12, conversion_rate: 0.031 });
      return 'done';
    }
  }

  it('carries recordMetrics into the final record as JSON object text, and leaves the running record without', async () => {
    await new Analyst().analyse();
    const span = tracing.span('invoke_agent Analyst');
    const final = mapSpan(span, 'end')!;
    expect(JSON.parse(final.execution.metrics!)).toEqual({ competitors_analysed: 12, conversion_rate: 0.031 });
    expect(mapSpan(span, 'start')!.execution.metrics).toBeNull();
  });

  it('is null for a span without metrics', () => {
    expect(mapSpan(bridged(undefined), 'end')!.execution.metrics).toBeNull();
  });

  it('keeps only what recordMetrics would accept from a hand-set attribute, noting the rest', () => {
    const record = mapSpan(bridged('{"ok":1,"s":"2","bad name":3,"__proto__":4,"n":null,"huge":1e300}'), 'end');
    expect(JSON.parse(record!.execution.metrics!)).toEqual(JSON.parse('{"ok":1,"__proto__":4}'));
    expect(notes(record)).toEqual([
      ['agentspan: agentspan.metrics s is not a metric name with a number from -10^15 to 10^15; left out', '2'],
      ['agentspan: agentspan.metrics bad name is not a metric name with a number from -10^15 to 10^15; left out', '3'],
      ['agentspan: agentspan.metrics n is not a metric name with a number from -10^15 to 10^15; left out', 'null'],
      ['agentspan: agentspan.metrics huge is not a metric name with a number from -10^15 to 10^15; left out', '1e+300'],
    ]);
  });

  it('stores null, with a note, for an attribute that is not JSON text of an object', () => {
    for (const value of ['not json', '[1,2]', '42', 7, ['a']]) {
      const record = mapSpan(bridged(value), 'end');
      expect(record!.execution.metrics).toBeNull();
      expect(notes(record)).toEqual([
        ['agentspan: agentspan.metrics is not JSON text of an object of numbers; stored as null', expect.any(String)],
      ]);
    }
  });

  it('keeps at most 64 metrics', () => {
    const many = JSON.stringify(Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`m${i}`, i])));
    const record = mapSpan(bridged(many), 'end');
    expect(Object.keys(JSON.parse(record!.execution.metrics!))).toHaveLength(64);
    expect(notes(record)).toHaveLength(6);
  });
});
