import { CircuitBreaker, type BreakerState } from '../../src/pipeline/circuit-breaker';

function breakerWith(random = 0.5, options = { failureThreshold: 3, cooldownMs: 1_000, maxCooldownMs: 4_000 }) {
  const clock = { time: 0, now: () => clock.time, random: () => random };
  const breaker = new CircuitBreaker(options, clock);
  const changes: BreakerState[] = [];
  breaker.onChange((state) => changes.push(state));
  return { breaker, clock, changes };
}

describe('CircuitBreaker', () => {
  it('lets writes through while closed, and opens after the threshold of consecutive failures', () => {
    const { breaker, changes } = breakerWith();
    expect(breaker.request()).toEqual({ allowed: true, probe: false });
    breaker.failure();
    breaker.failure();
    expect(breaker.state).toBe('closed');
    breaker.failure();
    expect(breaker.state).toBe('open');
    expect(changes).toEqual(['open']);
    expect(breaker.request()).toMatchObject({ allowed: false });
  });

  it('counts only consecutive failures: a success (or an answer from the database) resets the count', () => {
    const { breaker } = breakerWith();
    breaker.failure();
    breaker.failure();
    breaker.success();
    breaker.failure();
    breaker.failure();
    expect(breaker.state).toBe('closed');
    expect(breaker.snapshot().consecutiveFailures).toBe(2);
  });

  it('after the cool-down hands out exactly one probe; its success closes the breaker', () => {
    const { breaker, clock, changes } = breakerWith(0.5);
    for (let i = 0; i < 3; i++) breaker.failure();
    // Cool-down drawn from [500, 1000]: 0.5 → 750 ms.
    expect(breaker.snapshot().nextProbeAt).toBe(750);
    clock.time = 749;
    expect(breaker.request()).toEqual({ allowed: false, retryInMs: 1 });
    clock.time = 750;
    expect(breaker.request()).toEqual({ allowed: true, probe: true });
    expect(breaker.state).toBe('half_open');
    // Everyone else waits while the probe is out, however long it takes.
    clock.time = 60_000;
    expect(breaker.request()).toMatchObject({ allowed: false });
    expect(breaker.request()).toMatchObject({ allowed: false });
    breaker.success();
    expect(breaker.state).toBe('closed');
    expect(breaker.request()).toEqual({ allowed: true, probe: false });
    expect(changes).toEqual(['open', 'half_open', 'closed']);
  });

  it('reopens when the probe fails, doubling the cool-down up to its cap', () => {
    const { breaker, clock } = breakerWith(0.999_999);
    for (let i = 0; i < 3; i++) breaker.failure();
    const cooldowns: number[] = [];
    for (let probe = 0; probe < 4; probe++) {
      const next = breaker.snapshot().nextProbeAt!;
      cooldowns.push(Math.round(next - clock.time));
      clock.time = next;
      expect(breaker.request()).toEqual({ allowed: true, probe: true });
      breaker.failure();
      expect(breaker.state).toBe('open');
    }
    expect(cooldowns).toEqual([1_000, 2_000, 4_000, 4_000]);
    expect(breaker.snapshot().opened).toBe(5);
    // After it closes, the cool-down starts small again.
    clock.time = breaker.snapshot().nextProbeAt!;
    breaker.request();
    breaker.success();
    for (let i = 0; i < 3; i++) breaker.failure();
    expect(Math.round(breaker.snapshot().nextProbeAt! - clock.time)).toBe(1_000);
  });

  it('spreads cool-downs over [half, all] of the ceiling with the random draw, and survives a broken random source', () => {
    for (const [draw, expected] of [
      [0, 500],
      [0.5, 750],
      [Number.NaN, 500],
      [7, 500],
    ] as const) {
      const { breaker } = breakerWith(draw);
      for (let i = 0; i < 3; i++) breaker.failure();
      expect(breaker.snapshot().nextProbeAt).toBe(expected);
    }
  });

  it('ignores failures of writes that were in flight when it opened (the cool-down stands)', () => {
    const { breaker, clock } = breakerWith(0.5);
    for (let i = 0; i < 3; i++) breaker.failure();
    const probeAt = breaker.snapshot().nextProbeAt;
    clock.time = 100;
    breaker.failure();
    expect(breaker.snapshot().nextProbeAt).toBe(probeAt);
    expect(breaker.snapshot().opened).toBe(1);
  });

  it('keeps working when a listener throws', () => {
    const { breaker } = breakerWith();
    breaker.onChange(() => {
      throw new Error('listener bug');
    });
    for (let i = 0; i < 3; i++) breaker.failure();
    expect(breaker.state).toBe('open');
  });
});
