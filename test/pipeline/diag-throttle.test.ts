import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { DiagThrottle } from '../../src/pipeline/diag-throttle';
import { captureDiag } from './support';

describe('DiagThrottle', () => {
  let capture: ReturnType<typeof captureDiag>;
  beforeEach(() => {
    capture = captureDiag();
    jest.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    capture.restore();
    jest.useRealTimers();
  });

  it('reports a kind of problem once per window, then again with the count held back', () => {
    const throttle = new DiagThrottle('p: ', 60_000);
    for (let i = 0; i < 1_000; i++) throttle.report('warn', 'drop', () => `dropped ${i}`);
    expect(capture.lines).toEqual([['warn', 'p: dropped 0']]);

    jest.advanceTimersByTime(60_000);
    throttle.report('warn', 'drop', () => 'dropped again');
    expect(capture.lines[1]).toEqual(['warn', 'p: dropped again (999 similar reports suppressed since the last one)']);
  });

  it('throttles each key on its own', () => {
    const throttle = new DiagThrottle('p: ');
    throttle.report('warn', 'a', () => 'A');
    throttle.report('error', 'b', () => 'B');
    throttle.report('warn', 'a', () => 'A again');
    expect(capture.lines).toEqual([
      ['warn', 'p: A'],
      ['error', 'p: B'],
    ]);
  });

  it('does not build the message while suppressed', () => {
    const throttle = new DiagThrottle('p: ');
    const build = jest.fn(() => 'msg');
    throttle.report('warn', 'k', build);
    throttle.report('warn', 'k', build);
    expect(build).toHaveBeenCalledTimes(1);
  });

  it('survives a throwing message builder and a throwing logger', () => {
    const throttle = new DiagThrottle('p: ');
    expect(() =>
      throttle.report('warn', 'k', () => {
        throw new Error('bad message');
      }),
    ).not.toThrow();
    diag.setLogger(
      {
        error: () => {
          throw new Error('bad logger');
        },
        warn: () => {
          throw new Error('bad logger');
        },
      } as unknown as DiagLogger,
      {
        logLevel: DiagLogLevel.ALL,
        suppressOverrideMessage: true,
      },
    );
    expect(() => throttle.report('error', 'other', () => 'x')).not.toThrow();
  });

  it('keeps its memory bounded when keys keep changing, forgetting the least recently reported', () => {
    const throttle = new DiagThrottle('p: ');
    for (let i = 0; i < 1_000; i++) throttle.report('warn', `key-${i}`, () => `m${i}`);
    expect(capture.lines).toHaveLength(1_000);
    throttle.report('warn', 'key-0', () => 'forgotten, so reported again');
    throttle.report('warn', 'key-999', () => 'remembered, so suppressed');
    expect(capture.lines).toHaveLength(1_001);
    expect((throttle as unknown as { lastReport: Map<string, unknown> }).lastReport.size).toBeLessThanOrEqual(200);
  });
});
