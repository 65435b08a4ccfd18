import { estimateSize } from '../../src/pipeline/size-estimate';

describe('estimateSize', () => {
  it('counts strings at two bytes a character, so big payloads dominate', () => {
    const small = estimateSize({ input: 'x' });
    const big = estimateSize({ input: 'x'.repeat(10_000) });
    expect(big - small).toBe(2 * 9_999);
  });

  it('reaches strings nested a few levels deep, as in a span record', () => {
    const record = { execution: { input: 'a'.repeat(5_000) }, decisions: [{ reasoning: 'b'.repeat(3_000) }] };
    expect(estimateSize(record)).toBeGreaterThan(2 * 8_000);
  });

  it('grows with the number of array items', () => {
    expect(estimateSize([1, 2, 3, 4])).toBeGreaterThan(estimateSize([1, 2]));
  });

  it('is positive for every kind of value', () => {
    for (const value of [
      null,
      undefined,
      0,
      true,
      10n,
      Symbol('s'),
      () => 1,
      new Date(),
      new Map([[1, 2]]),
      new Set([1]),
      new Uint8Array(16),
    ]) {
      expect(estimateSize(value)).toBeGreaterThan(0);
    }
  });

  it('counts typed arrays by their byte length', () => {
    expect(estimateSize(new Uint8Array(1_000)) - estimateSize(new Uint8Array(0))).toBe(1_000);
  });

  it('terminates on cycles and on huge or deep values, with bounded work', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    expect(Number.isFinite(estimateSize(cyclic))).toBe(true);

    let deep: Record<string, unknown> = { leaf: 'x'.repeat(100_000) };
    for (let i = 0; i < 1_000; i++) deep = { child: deep };
    expect(Number.isFinite(estimateSize(deep))).toBe(true);

    // Past the visit budget, remaining array slots are still counted as pointers.
    const huge = new Array<number>(1_000_000).fill(1);
    expect(estimateSize(huge)).toBeGreaterThanOrEqual(1_000_000 * 8);
  });

  it('starts every call with a fresh budget', () => {
    const record = { a: 'x'.repeat(1_000), list: new Array(300).fill('y') };
    expect(estimateSize(record)).toBe(estimateSize(record));
  });
});
