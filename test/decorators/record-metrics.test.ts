import { recordMetrics, traced } from '../../src/instrument';
import { attr, installTracing } from '../support/tracing';

const tracing = installTracing();
beforeEach(() => tracing.reset());
afterEach(() => tracing.assertEachSpanEndedOnce());

const metricsOf = (name: string) => JSON.parse(attr(tracing.span(name), 'agentspan.metrics') as string);
const notesOf = (name: string) =>
  tracing
    .span(name)
    .events.filter((e) => e.attributes?.['agentspan.log.level'] === 'warn')
    .map((e) => [e.attributes?.['agentspan.log.message'], e.attributes?.value]);

describe('recordMetrics', () => {
  it('records business metrics on the active span as one JSON attribute; calls merge, the last value of a name wins', () => {
    traced(
      () => {
        recordMetrics({ competitors_analysed: 12, 'market.size_usd': 4.5e9 });
        recordMetrics({ conversion_rate: 0.031, competitors_analysed: 14 });
      },
      { name: 'analyse' },
    )();
    expect(metricsOf('analyse')).toEqual({
      competitors_analysed: 14,
      'market.size_usd': 4.5e9,
      conversion_rate: 0.031,
    });
    traced(() => recordMetrics({ max: 1e15, min: -1e15 }), { name: 'bounds' })();
    expect(metricsOf('bounds')).toEqual({ max: 1e15, min: -1e15 });
    expect(notesOf('analyse')).toEqual([]);
    expect(tracing.diagMessages).toEqual([]);
  });

  it('does nothing outside any span', () => {
    expect(recordMetrics({ score: 1 })).toBeUndefined();
    expect(tracing.spans()).toHaveLength(0);
    expect(tracing.diagMessages).toEqual([]);
  });

  it('leaves out bad values and names, keeps the rest, notes each on the span and reports each kind once', () => {
    const longName = `m${'x'.repeat(128)}`;
    const bad = traced(
      () => {
        recordMetrics({
          ok: 1,
          nan: Number.NaN,
          inf: Number.POSITIVE_INFINITY,
          text: '3' as unknown as number,
          huge: 1e16,
          [longName]: 2,
          '9lives': 3,
          'has space': 4,
        });
        recordMetrics({ nan2: Number.NaN });
        recordMetrics(null as never);
        recordMetrics([1, 2] as never);
      },
      { name: 'bad' },
    );
    expect(() => bad()).not.toThrow();
    expect(metricsOf('bad')).toEqual({ ok: 1 });
    expect(notesOf('bad')).toEqual([
      ['agentspan: recordMetrics nan is not a number from -10^15 to 10^15; left out', 'NaN'],
      ['agentspan: recordMetrics inf is not a number from -10^15 to 10^15; left out', 'Infinity'],
      ['agentspan: recordMetrics text is not a number from -10^15 to 10^15; left out', '3'],
      ['agentspan: recordMetrics huge is not a number from -10^15 to 10^15; left out', '10000000000000000'],
      ['agentspan: recordMetrics name is not a metric name; left out', `${longName.slice(0, 99)}…`],
      ['agentspan: recordMetrics name is not a metric name; left out', '9lives'],
      ['agentspan: recordMetrics name is not a metric name; left out', 'has space'],
      ['agentspan: recordMetrics nan2 is not a number from -10^15 to 10^15; left out', 'NaN'],
      ['agentspan: recordMetrics expects an object of { name: number }; nothing was recorded', 'null'],
      ['agentspan: recordMetrics expects an object of { name: number }; nothing was recorded', '[1,2]'],
    ]);
    const messages = tracing.diagMessages.join('\n');
    expect(messages.match(/metric value must be a number from -10\^15 to 10\^15/g)).toHaveLength(1);
    expect(messages.match(/metric name must be/g)).toHaveLength(1);
    expect(messages.match(/expects an object/g)).toHaveLength(1);
  });

  it('keeps at most 64 metrics per span; a name already kept may still change', () => {
    traced(
      () => {
        recordMetrics(Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`m${i}`, i])));
        recordMetrics({ m0: 100, m64: 64 });
      },
      { name: 'many' },
    )();
    const stored = metricsOf('many');
    expect(Object.keys(stored)).toHaveLength(64);
    expect(stored.m0).toBe(100);
    expect(stored.m64).toBeUndefined();
    expect(notesOf('many')).toEqual([
      ['agentspan: recordMetrics m64 is past the 64 metrics a span may carry; left out', '64'],
    ]);
  });

  it('never throws, even for an object whose getter throws', () => {
    const hostile = {
      get boom(): number {
        throw new Error('getter');
      },
    };
    const call = traced(() => recordMetrics(hostile), { name: 'hostile' });
    expect(() => call()).not.toThrow();
    expect(attr(tracing.span('hostile'), 'agentspan.metrics')).toBeUndefined();
    expect(tracing.diagMessages.join('\n')).toMatch(/recordMetrics failed: Error: getter/);
  });
});
