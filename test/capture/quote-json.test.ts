import { quoteJson } from '../../src/capture/quote-json';

describe('quoteJson', () => {
  const long = (inner: string) => `${'plain text '.repeat(40)}${inner}${' more text'.repeat(40)}`;
  const samples = [
    '',
    'plain',
    'Grüße — 日本語 ✓ 😀',
    '\ud83d\ude00 a pair',
    'a lone \ud800 surrogate',
    'quote " and backslash \\',
    ...Array.from({ length: 32 }, (_, code) => `control ${String.fromCharCode(code)} inside`),
  ];

  it.each(samples.map((sample) => [JSON.stringify(sample), sample]))(
    'writes %s as JSON.stringify does, short and long',
    (_label, sample) => {
      expect(quoteJson(sample)).toBe(JSON.stringify(sample));
      expect(quoteJson(long(sample))).toBe(JSON.stringify(long(sample)));
    },
  );

  it('quotes long text with nothing to escape as it is', () => {
    const text = long('nothing to escape here');
    expect(quoteJson(text)).toBe(`"${text}"`);
  });
});
