import { backoffCeilingMs, backoffDelayMs, type BackoffPolicy } from '../../src/pipeline/backoff';

const policy: BackoffPolicy = { initialBackoffMs: 100, maxBackoffMs: 10_000, multiplier: 2, jitter: 'full' };
const noJitter: BackoffPolicy = { ...policy, jitter: 'none' };

describe('backoff', () => {
  it('grows the ceiling exponentially from the initial delay', () => {
    expect([1, 2, 3, 4, 5].map((retry) => backoffCeilingMs(retry, policy))).toEqual([100, 200, 400, 800, 1600]);
  });

  it('caps the ceiling at maxBackoffMs, even after so many retries that the power overflows', () => {
    expect(backoffCeilingMs(8, policy)).toBe(10_000);
    expect(backoffCeilingMs(5_000, policy)).toBe(10_000);
  });

  it('treats retry numbers below 1 as the first retry', () => {
    expect(backoffCeilingMs(0, policy)).toBe(100);
    expect(backoffCeilingMs(-3, policy)).toBe(100);
  });

  it('stays at zero when the initial delay is zero, however many retries', () => {
    const zero = { ...noJitter, initialBackoffMs: 0 };
    expect(backoffDelayMs(1, zero)).toBe(0);
    expect(backoffDelayMs(5_000, zero)).toBe(0);
  });

  it('with jitter none, returns the ceiling itself', () => {
    expect(backoffDelayMs(3, noJitter, () => 0.5)).toBe(400);
  });

  it('with full jitter, scales the ceiling by the random draw, anywhere in [0, ceiling)', () => {
    expect(backoffDelayMs(3, policy, () => 0)).toBe(0);
    expect(backoffDelayMs(3, policy, () => 0.25)).toBe(100);
    expect(backoffDelayMs(3, policy, () => 0.999)).toBeCloseTo(399.6);
  });

  it('full jitter with the real random source stays within [0, ceiling)', () => {
    for (let i = 0; i < 1_000; i++) {
      const delay = backoffDelayMs(4, policy);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(800);
    }
  });

  it('never returns a negative or NaN delay from a broken random source', () => {
    for (const draw of [-1, 1, 2, Number.NaN]) {
      const delay = backoffDelayMs(2, policy, () => draw);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(200);
    }
  });
});
