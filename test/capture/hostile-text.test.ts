import { sanitizeAttributes } from '../../src/capture/attributes';
import { describeValue, noteMessage, textOf } from '../../src/capture/describe-value';
import { captureJson, captureText } from '../../src/capture/safe-json';
import { cutText } from '../../src/capture/sanitize-text';
import { captureSettings, configureCapture } from '../../src/capture/settings';

afterEach(() => configureCapture({}));

describe('cutText', () => {
  it('keeps what fits, made storable', () => {
    expect(cutText('a\u0000b\ud800', 10)).toBe('a\uFFFDb\uFFFD');
  });

  it('cuts to the width with a marker, never splitting a surrogate pair', () => {
    expect(cutText('abcdef', 4)).toBe('abc…');
    expect(cutText('ab😀cd', 4)).toBe('ab…');
    expect(cutText('abc😀d', 5)).toBe('abc…');
  });
});

describe('capturing text twice', () => {
  it('cuts once: text capture already cut is recognised by its marker and kept', () => {
    const settings = captureSettings();
    const once = captureText('x'.repeat(10_000), settings);
    expect(once).toBe(`${'x'.repeat(8_192)}…[truncated, 10000 chars]`);
    expect(captureText(once, settings)).toBe(once);
    expect(JSON.parse(captureJson({ message: once }, settings))).toEqual({ message: once });
  });

  it('still cuts a long text that merely ends like a marker', () => {
    const settings = captureSettings();
    const long = `${'y'.repeat(9_000)}…[truncated, 3 chars]`;
    expect(captureText(long, settings)).toBe(`${'y'.repeat(8_192)}…[truncated, ${long.length} chars]`);
  });
});

describe('textOf and describeValue', () => {
  it.each<[string, unknown, string]>([
    ['a string as capture keeps it', 'a\u0000 sk-abcdefghijklmnopqrstuvwx', 'a\uFFFD [REDACTED]'],
    ['NaN', Number.NaN, 'NaN'],
    ['a negative number', -5, '-5'],
    ['a BigInt', 12n, '12'],
    ['a Symbol', Symbol('tag'), 'Symbol(tag)'],
    ['null', null, 'null'],
    ['undefined', undefined, 'undefined'],
    ['a function', function named() {}, '[Function named]'],
    ['an array with holes', [1, null, undefined], '[1,null,null]'],
    [
      'an object with a cycle',
      (() => {
        const o: Record<string, unknown> = { a: 1 };
        o.o = o;
        return o;
      })(),
      '{"a":1,"o":"[Circular]"}',
    ],
    [
      'an object whose toString throws',
      {
        toString: () => {
          throw new Error('no');
        },
      },
      '{}',
    ],
  ])('%s', (_title, value, text) => {
    expect(textOf(value, captureSettings())).toBe(text);
  });

  it('describes a value in at most 100 characters', () => {
    expect(describeValue('z'.repeat(500), captureSettings())).toBe(`${'z'.repeat(99)}…`);
  });

  it('writes notes as agentspan: subject problem; outcome', () => {
    expect(noteMessage('user.id', 'is not a string', 'stored as null')).toBe(
      'agentspan: user.id is not a string; stored as null',
    );
  });
});

describe('sanitizeAttributes and OTel arrays', () => {
  it('keeps arrays of one OTel type with null and undefined holes as arrays, and the rest as JSON text', () => {
    const attributes = sanitizeAttributes(
      {
        texts: ['a\u0000', null, undefined],
        numbers: [1, null, 2],
        flags: [undefined, true],
        holes: [null, undefined],
        mixed: ['a', 1],
        objects: [{ a: 1 }],
      },
      captureSettings(),
    );
    expect(attributes).toEqual({
      texts: ['a\uFFFD', null, undefined],
      numbers: [1, null, 2],
      flags: [undefined, true],
      holes: [null, undefined],
      mixed: '["a",1]',
      objects: '[{"a":1}]',
    });
  });
});
