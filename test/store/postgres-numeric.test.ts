import { numericBytesBound, writeNumeric } from '../../src/store/postgres-numeric';
import { asNumeric } from '../support/copy-binary-reader';

function encode(text: string): Buffer | null {
  const target = Buffer.alloc(numericBytesBound(text) + 4, 0xee);
  const written = writeNumeric(text, target, 2);
  return written < 0 ? null : target.subarray(2, 2 + written);
}

describe('writeNumeric', () => {
  it.each([
    ['0', '0'],
    ['0.0002', '0.0002'],
    ['0.0012500000', '0.0012500000'],
    ['123.4500', '123.4500'],
    ['12345.6', '12345.6'],
    ['-12345.6', '-12345.6'],
    ['100000000', '100000000'],
    ['00042.10', '42.10'],
    ['-0', '0'],
    ['-0.0000000000', '0.0000000000'],
    ['99999999999999999999.9999999999', '99999999999999999999.9999999999'],
    [`9${'0'.repeat(999)}`, `9${'0'.repeat(999)}`], // 1,000 digits before the point: the most any column holds
    ['0.00000000000000000001', '0.00000000000000000001'],
  ])('writes %s with its display scale (%s back)', (text, printed) => {
    expect(asNumeric(encode(text))).toBe(printed);
  });

  it('writes the header as PostgreSQL does: digits of 10,000, first weight, sign, scale', () => {
    const field = encode('-12345.6')!;
    expect([field.readUInt16BE(0), field.readInt16BE(2), field.readUInt16BE(4), field.readUInt16BE(6)]).toEqual([
      3, 1, 0x4000, 1,
    ]);
    expect([field.readUInt16BE(8), field.readUInt16BE(10), field.readUInt16BE(12)]).toEqual([1, 2345, 6000]);
    const small = encode('0.0002')!; // zero groups dropped: one digit, weight -1
    expect([small.readUInt16BE(0), small.readInt16BE(2), small.readUInt16BE(6), small.readUInt16BE(8)]).toEqual([
      1, -1, 4, 2,
    ]);
    const zero = encode('0.000')!;
    expect([zero.readUInt16BE(0), zero.readInt16BE(2), zero.readUInt16BE(4), zero.readUInt16BE(6)]).toEqual([
      0, 0, 0, 3,
    ]);
  });

  it('agrees with the decimal text of random values', () => {
    for (let i = 0; i < 2_000; i++) {
      const whole = String(Math.floor(Math.random() * 10 ** Math.floor(Math.random() * 15)));
      const fraction = String(Math.floor(Math.random() * 1e9)).padStart(Math.floor(Math.random() * 12), '0');
      const text = `${Math.random() < 0.3 ? '-' : ''}${whole}${fraction === '' ? '' : `.${fraction}`}`;
      const expected = text.replace(/^(-?)0+(?=\d)/, '$1').replace(/^-(0(\.0*)?)$/, '$1');
      expect(asNumeric(encode(text))).toBe(expected);
    }
  });

  it.each([
    '1e-5',
    '.5',
    '1.',
    '+1',
    ' 1',
    '1 ',
    'NaN',
    'Infinity',
    '',
    '-',
    '1.2.3',
    '1,5',
    `0.${'1'.repeat(1001)}`,
    // Its weight would overflow 16 bits (and wrap to a tiny number); no column holds it anyway.
    `1${'0'.repeat(131_072)}`,
    `1${'0'.repeat(1000)}`,
  ])('leaves %j to PostgreSQL (-1)', (text) => {
    expect(encode(text)).toBeNull();
  });
});
