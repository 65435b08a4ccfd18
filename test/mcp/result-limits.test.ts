import { countWithin, cutMarker, cutText, limitValue, type ValueLimits } from '../../src/mcp/result-limits';

/** The pure limits that keep a tool's answer small: cut strings with their marker, bounded lists, a budget per value. */

const WIDE: ValueLimits = { maxStringLength: 1_000, maxItems: 1_000, maxDepth: 10, maxLength: 1_000_000 };

describe('cutText', () => {
  it('keeps a string within the limit as it is', () => {
    expect(cutText('', 0)).toBe('');
    expect(cutText('hello', 5)).toBe('hello');
  });

  it('keeps the first characters and says how many were cut, with thousands grouped', () => {
    expect(cutText('abcdef', 2)).toBe('ab…[cut 4 chars]');
    expect(cutText('x'.repeat(12_347), 2)).toBe('xx…[cut 12,345 chars]');
    expect(cutText('x'.repeat(1_234_567), 0)).toBe('…[cut 1,234,567 chars]');
    expect(cutMarker(1000, 'more items')).toBe('…[cut 1,000 more items]');
  });

  it('never splits a surrogate pair', () => {
    const text = `a${'😀'.repeat(3)}`; // a, then three pairs
    const cut = cutText(text, 2);
    expect(cut).toBe('a…[cut 6 chars]');
    expect(cut.isWellFormed()).toBe(true);
    expect(cutText(text, 3)).toBe('a😀…[cut 4 chars]');
  });

  it('does not cut a string its own budget cut already', () => {
    const once = cutText('y'.repeat(5_000), 100);
    expect(cutText(once, 100)).toBe(once);
    // A longer limit than the string: nothing to do either.
    expect(cutText(once, 10_000)).toBe(once);
    // But a string cut to more than the limit is cut again, from its start.
    expect(cutText(once, 50)).toBe(`${'y'.repeat(50)}…[cut ${once.length - 50} chars]`);
  });
});

describe('limitValue', () => {
  it('turns Dates into ISO text, and numbers JSON cannot carry into text', () => {
    const at = new Date('2026-11-03T09:00:00.000Z');
    expect(limitValue({ at, bad: new Date(Number.NaN), n: Number.NaN, big: 10n, gone: undefined }, WIDE)).toEqual({
      at: '2026-11-03T09:00:00.000Z',
      bad: null,
      n: 'NaN',
      big: '10',
      gone: null,
    });
    expect(limitValue([Number.POSITIVE_INFINITY, true, null], WIDE)).toEqual(['Infinity', true, null]);
  });

  it('cuts every string, keys too', () => {
    const limits = { ...WIDE, maxStringLength: 3 };
    expect(limitValue({ abcdef: ['123456', 'ok'] }, limits)).toEqual({
      'abc…[cut 3 chars]': ['123…[cut 3 chars]', 'ok'],
    });
  });

  it('keeps at most maxItems of an array or object, and says how many more there were', () => {
    const limits = { ...WIDE, maxItems: 2 };
    expect(limitValue([1, 2, 3, 4, 5], limits)).toEqual([1, 2, '…[cut 3 more items]']);
    expect(limitValue({ a: 1, b: 2, c: 3 }, limits)).toEqual({ a: 1, b: 2, '…': '…[cut 1 more key]' });
  });

  it('describes what lies deeper than maxDepth', () => {
    const limits = { ...WIDE, maxDepth: 1 };
    expect(limitValue({ list: [1, 2, 3], one: { a: 1 }, leaf: 'x' }, limits)).toEqual({
      list: '…[cut 3 items]',
      one: '…[cut 1 key]',
      leaf: 'x',
    });
  });

  it('holds a whole value to about maxLength characters of JSON, however it is shaped', () => {
    const limits = { ...WIDE, maxLength: 500 };
    const values = [
      'z'.repeat(100_000),
      Array.from({ length: 10_000 }, (_, i) => `item ${i}`),
      Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`key${i}`, 'v'.repeat(50)])),
      Array.from({ length: 50 }, () => ({ text: 'w'.repeat(200), list: [1, 2, 3] })),
    ];
    for (const value of values) {
      const limited = JSON.stringify(limitValue(value, limits));
      expect(limited.length).toBeLessThan(700);
      expect(limited).toContain('…[cut ');
    }
  });

  it('keeps __proto__ as a key like any other', () => {
    const value = JSON.parse('{"__proto__":{"polluted":true},"a":1}');
    const limited = limitValue(value, WIDE) as Record<string, unknown>;
    expect(Object.keys(limited)).toEqual(['__proto__', 'a']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('countWithin', () => {
  it('counts the items that fit in a budget of JSON characters, and at least one', () => {
    const items = ['a'.repeat(10), 'b'.repeat(10), 'c'.repeat(10)]; // 12 characters of JSON each, 13 with a comma
    expect(countWithin(items, 1_000)).toBe(3);
    expect(countWithin(items, 26)).toBe(2);
    expect(countWithin(items, 5)).toBe(1);
    expect(countWithin([], 5)).toBe(0);
  });
});
