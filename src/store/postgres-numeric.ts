/**
 * PostgreSQL's binary form of `numeric`, for the decimal text costs are carried in (see PerformanceRecord.costUsd):
 * four 16-bit words — the number of base-10,000 digits, the weight of the first (its power of 10,000), the sign and
 * the display scale (digits after the point) — then the digits. The column's typmod, numeric(20, 10) say, is applied
 * by the server exactly as to text input: rounded to its scale, refused beyond its precision.
 */

/**
 * Writes `text`, a plain decimal (`-?digits[.digits]`), at `offset` of `target`, which must have room for
 * numericBytesBound(text) bytes. Returns the number of bytes written, or -1 for text in any other form (an exponent,
 * a sign or a space PostgreSQL's parser would accept) or with more than 1,000 digits before the point, which the
 * caller leaves to that parser.
 */
export function writeNumeric(text: string, target: Buffer, offset: number): number {
  const length = text.length;
  let i = text.charCodeAt(0) === MINUS ? 1 : 0;
  const negative = i === 1;
  const wholeStart = i;
  while (i < length && isDigit(text.charCodeAt(i))) i++;
  const wholeEnd = i;
  if (wholeEnd === wholeStart) return -1;
  let fractionStart = i;
  let fractionEnd = i;
  if (i < length) {
    if (text.charCodeAt(i) !== DOT) return -1;
    fractionStart = ++i;
    while (i < length && isDigit(text.charCodeAt(i))) i++;
    fractionEnd = i;
    if (i !== length || fractionEnd === fractionStart) return -1;
  }
  const scale = fractionEnd - fractionStart;
  if (scale > MAX_DISPLAY_SCALE) return -1;

  // Base-10,000 digits aligned on the decimal point: the whole part's first digit takes what is left over from
  // groups of four, the fraction's last digit is padded with zeros on the right.
  let first = wholeStart;
  while (first < wholeEnd - 1 && text.charCodeAt(first) === ZERO) first++; // leading zeros
  const wholeDigits = wholeEnd - first;
  // Far past any numeric column's precision, and past what the 16-bit weight can say: the parser refuses it.
  if (wholeDigits > MAX_WHOLE_DIGITS) return -1;
  let weight = Math.ceil(wholeDigits / 4) - 1;
  let count = 0;
  const digitsAt = offset + 8;
  let group = 0;
  let inGroup = (4 - (wholeDigits % 4)) % 4; // the first group is short by this many digits
  for (let at = first; at < fractionEnd; at++) {
    if (at === wholeEnd) continue; // the point
    group = group * 10 + (text.charCodeAt(at) - ZERO);
    if (++inGroup === 4) {
      writeUint16(target, digitsAt + 2 * count++, group);
      group = 0;
      inGroup = 0;
    }
  }
  if (inGroup > 0) writeUint16(target, digitsAt + 2 * count++, group * 10 ** (4 - inGroup));

  // Zero groups at either end carry nothing: the first non-zero digit fixes the weight.
  let lead = 0;
  while (lead < count && readUint16(target, digitsAt + 2 * lead) === 0) lead++;
  let end = count;
  while (end > lead && readUint16(target, digitsAt + 2 * (end - 1)) === 0) end--;
  if (lead > 0) {
    // A loop, not Buffer#copy, which makes a view object per call.
    for (let i = 2 * lead; i < 2 * end; i++) target[digitsAt + i - 2 * lead] = target[digitsAt + i]!;
  }
  weight -= lead;
  count = end - lead;
  if (count === 0) weight = 0;

  writeUint16(target, offset, count);
  writeUint16(target, offset + 2, weight & 0xffff);
  writeUint16(target, offset + 4, negative && count > 0 ? NEGATIVE : POSITIVE);
  writeUint16(target, offset + 6, scale);
  return 8 + 2 * count;
}

/** Bytes writeNumeric may need for `text`: its header and at most one base-10,000 digit per decimal digit. */
export function numericBytesBound(text: string): number {
  return 8 + 2 * (text.length + 1);
}

function isDigit(code: number): boolean {
  return code >= ZERO && code <= ZERO + 9;
}

function writeUint16(target: Buffer, offset: number, value: number): void {
  target[offset] = value >>> 8;
  target[offset + 1] = value & 0xff;
}

function readUint16(target: Buffer, offset: number): number {
  return (target[offset]! << 8) | target[offset + 1]!;
}

const POSITIVE = 0x0000;
const NEGATIVE = 0x4000;
/** PostgreSQL's NUMERIC_MAX_PRECISION: no numeric(p, s) column holds more digits. */
const MAX_WHOLE_DIGITS = 1000;
/** PostgreSQL's NUMERIC_MAX_DISPLAY_SCALE. */
const MAX_DISPLAY_SCALE = 1000;
const ZERO = 0x30;
const MINUS = 0x2d;
const DOT = 0x2e;
