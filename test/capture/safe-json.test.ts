import { captureJson } from '../../src/capture/safe-json';
import { configureCapture, captureSettings } from '../../src/capture/settings';

afterEach(() => configureCapture({}));

const capture = (value: unknown) => captureJson(value, captureSettings());
const parsed = (value: unknown) => JSON.parse(capture(value));

/** PostgreSQL rejects NUL in text and jsonb, and lone surrogates in jsonb: neither may ever come out. */
function assertStorable(json: string): void {
  expect(() => JSON.parse(json)).not.toThrow();
  expect(json.includes('\u0000')).toBe(false);
  expect(json.includes('\\u0000')).toBe(false);
  expect(json.isWellFormed()).toBe(true);
  expect(/\\ud[89a-f][0-9a-f]{2}/i.test(json)).toBe(false);
}

describe('captureJson is safe for any value', () => {
  const cyclic: Record<string, unknown> = { name: 'loop' };
  cyclic.self = cyclic;
  const sharedChild = { v: 1 };
  const deep: Record<string, unknown> = {};
  let cursor = deep;
  for (let i = 0; i < 50; i++) {
    cursor.next = {};
    cursor = cursor.next as Record<string, unknown>;
  }
  const cases: Array<[string, unknown, unknown]> = [
    ['null', null, null],
    ['undefined at top level', undefined, null],
    ['undefined in arrays and objects', [undefined, { a: undefined, b: 1 }], [null, { b: 1 }]],
    ['NaN and infinities', [Number.NaN, Infinity, -Infinity, -0], ['NaN', 'Infinity', '-Infinity', 0]],
    ['BigInt', { big: 12345678901234567890n }, { big: '12345678901234567890' }],
    ['Symbol', [Symbol('tag')], ['Symbol(tag)']],
    ['functions', [function named() {}, () => 1], ['[Function named]', '[Function anonymous]']],
    ['function members of objects are left out as JSON does', { f() {}, x: 1 }, { x: 1 }],
    ['cycles', cyclic, { name: 'loop', self: '[Circular]' }],
    ['shared (non-cyclic) references twice', { a: sharedChild, b: sharedChild }, { a: { v: 1 }, b: { v: 1 } }],
    [
      'Map',
      new Map<unknown, unknown>([
        ['a', 1],
        [2, 'b'],
        [{}, 'obj'],
      ]),
      { a: 1, '2': 'b', '[Object]': 'obj' },
    ],
    ['Set', new Set([1, 'two']), [1, 'two']],
    ['Date', new Date('2026-01-02T03:04:05.000Z'), '2026-01-02T03:04:05.000Z'],
    ['invalid Date', new Date('nope'), 'Invalid Date'],
    [
      'Error',
      Object.assign(new TypeError('bad'), { code: 'E_BAD' }),
      { name: 'TypeError', message: 'bad', code: 'E_BAD' },
    ],
    [
      'Error with cause',
      new Error('outer', { cause: new Error('inner') }),
      { name: 'Error', message: 'outer', cause: { name: 'Error', message: 'inner' } },
    ],
    ['Buffer', Buffer.from('hello'), '[Buffer: 5 bytes]'],
    [
      'typed arrays',
      [new Float64Array(4), new DataView(new ArrayBuffer(3))],
      ['[Float64Array: 32 bytes]', '[DataView: 3 bytes]'],
    ],
    ['ArrayBuffer', new ArrayBuffer(8), '[ArrayBuffer: 8 bytes]'],
    ['RegExp and URL', [/a+b/g, new URL('https://example.com/x?q=1')], ['/a+b/g', 'https://example.com/x?q=1']],
    ['Promise', Promise.resolve(1), '[Promise]'],
    ['WeakMap', new WeakMap(), '[WeakMap]'],
    ['boxed primitives', [Object(1), Object('s'), Object(true)], ['1', 's', 'true']],
    [
      'class instances keep their enumerable fields',
      new (class Point {
        x = 1;
        y = 2;
      })(),
      { x: 1, y: 2 },
    ],
    ['objects with toJSON', { when: { toJSON: () => 'custom' } }, { when: 'custom' }],
    ['null-prototype objects', Object.assign(Object.create(null), { a: 1 }), { a: 1 }],
  ];

  it.each(cases)('%s', (_name, value, expected) => {
    const json = capture(value);
    assertStorable(json);
    expect(JSON.parse(json)).toEqual(expected);
  });

  it('limits depth', () => {
    const json = capture(deep);
    assertStorable(json);
    expect(json).toContain('"[Object]"');
    expect((json.match(/"next"/g) ?? []).length).toBe(8);
  });

  it('cuts huge strings with a marker and the original size', () => {
    const huge = 'x'.repeat(5 * 1024 * 1024);
    const result = parsed(huge) as string;
    expect(result.length).toBeLessThan(9_000);
    expect(result.endsWith(`…[truncated, ${huge.length} chars]`)).toBe(true);
  });

  it('bounds the whole value, keeping valid JSON with a truncation marker', () => {
    const wide = Array.from({ length: 90 }, (_, i) => ({ id: i, text: 'y'.repeat(1_000) }));
    const json = capture(wide);
    assertStorable(json);
    expect(json.length).toBeLessThan(32_768 + 8_192 + 100);
    const list = JSON.parse(json) as unknown[];
    expect(list[list.length - 1]).toBe('[truncated]');
    const manyKeys = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, 'z'.repeat(500)]));
    const object = JSON.parse(capture(manyKeys)) as Record<string, unknown>;
    expect(object['…']).toBeDefined();
  });

  it('limits items per collection', () => {
    const result = parsed(Array.from({ length: 250 }, (_, i) => i)) as unknown[];
    expect(result).toHaveLength(101);
    expect(result[100]).toBe('…[150 more items]');
  });

  it('replaces NUL characters and lone surrogates in values and keys', () => {
    const value = { ['ke\u0000y']: 'a\u0000b', lone: '\uD800x', lowFirst: '\uDC00', pair: '😀' };
    const json = capture(value);
    assertStorable(json);
    expect(JSON.parse(json)).toEqual({ 'ke\uFFFDy': 'a\uFFFDb', lone: '\uFFFDx', lowFirst: '\uFFFD', pair: '😀' });
  });

  it('never cuts a surrogate pair into a lone surrogate', () => {
    configureCapture({ maxStringLength: 3 });
    const json = capture('ab😀cd');
    assertStorable(json);
  });

  it('never mutates what it captures', () => {
    const make = () => ({ list: [3, 1, 2], map: new Map([['k', { deep: true }]]), date: new Date(0), s: new Set([1]) });
    const value = make();
    capture(value);
    expect(value).toEqual(make());
  });

  it('never throws, even on values that throw everywhere', () => {
    const evil = new Proxy(
      {},
      {
        get() {
          throw new Error('get');
        },
        ownKeys() {
          throw new Error('ownKeys');
        },
        getPrototypeOf() {
          throw new Error('proto');
        },
      },
    );
    expect(() => capture(evil)).not.toThrow();
    expect(() => capture([evil, { nested: evil }])).not.toThrow();
    assertStorable(capture([evil]));
  });
});

describe('the plain fast path', () => {
  const samples: unknown[] = [
    { topic: 'AI agents', region: 'EU', depth: 2, tags: ['a', 'b'], nested: { ok: true, none: null, skip: undefined } },
    [1, 2.5, -3, 0, 1e21, 'text', false, null, [], {}],
    'just a string with unicode é 😀',
    42,
    [undefined, { x: undefined }],
    { maxTokens: 100, inputTokens: 5, 'quoted"key': 'line\nbreak\ttab\\slash' },
  ];

  it.each(samples.map((sample) => [JSON.stringify(sample) ?? 'undefined', sample]))(
    'gives exactly what the careful walk gives: %s',
    (_label, sample) => {
      const fast = capture(sample);
      configureCapture({ redaction: { redactor: (value) => value } }); // a redactor forces the careful walk
      const careful = capture(sample);
      configureCapture({});
      expect(fast).toBe(careful);
    },
  );
});
