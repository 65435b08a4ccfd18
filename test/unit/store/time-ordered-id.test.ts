import { timeOrderedId } from '../../../src/store/time-ordered-id';

describe('timeOrderedId', () => {
  it('is a version 7 UUID with the RFC variant', () => {
    for (let i = 0; i < 100; i++) {
      expect(timeOrderedId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });

  it('starts with the time in milliseconds, so ids made later sort later', () => {
    const at = Date.UTC(2026, 10, 22, 6, 30, 0, 123);
    const id = timeOrderedId(at);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
    expect(timeOrderedId(at + 1) > timeOrderedId(at)).toBe(true);
    const ids = Array.from({ length: 50 }, (_, i) => timeOrderedId(at + i * 1000));
    expect([...ids].sort()).toEqual(ids);
  });

  it('stays unique within one millisecond', () => {
    const at = Date.now();
    const ids = new Set(Array.from({ length: 10_000 }, () => timeOrderedId(at)));
    expect(ids.size).toBe(10_000);
  });
});
