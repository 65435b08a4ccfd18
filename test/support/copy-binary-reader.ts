/**
 * Reads PostgreSQL binary COPY data back into rows of raw field bytes (null for NULL), checking the framing:
 * signature, header, field counts, lengths and trailer. For tests of the encoder; the server is the real judge.
 */
export function readCopyBinary(data: Buffer): Array<Array<Buffer | null>> {
  if (data.length === 0) return [];
  const signature = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
  if (!data.subarray(0, 11).equals(signature)) throw new Error('no PGCOPY signature');
  if (data.readInt32BE(11) !== 0 || data.readInt32BE(15) !== 0) throw new Error('unexpected flags or header extension');
  const rows: Array<Array<Buffer | null>> = [];
  let at = 19;
  for (;;) {
    const fields = data.readInt16BE(at);
    at += 2;
    if (fields === -1) break;
    const row: Array<Buffer | null> = [];
    for (let i = 0; i < fields; i++) {
      const length = data.readInt32BE(at);
      at += 4;
      if (length === -1) {
        row.push(null);
      } else {
        row.push(data.subarray(at, at + length));
        at += length;
      }
    }
    rows.push(row);
  }
  if (at !== data.length) throw new Error(`${data.length - at} bytes after the trailer`);
  return rows;
}

export const asText = (field: Buffer | null): string | null => (field === null ? null : field.toString('utf8'));

/** A jsonb field's text, after its version byte (which must be 1). */
export function asJsonb(field: Buffer | null): string | null {
  if (field === null) return null;
  if (field[0] !== 1) throw new Error(`jsonb version ${field[0]}`);
  return field.subarray(1).toString('utf8');
}

export const asInt4 = (field: Buffer | null): number | null => (field === null ? null : field.readInt32BE(0));
export const asInt8 = (field: Buffer | null): bigint | null => (field === null ? null : field.readBigInt64BE(0));
export const asFloat8 = (field: Buffer | null): number | null => (field === null ? null : field.readDoubleBE(0));

export function asUuid(field: Buffer | null): string | null {
  if (field === null) return null;
  const hex = field.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A numeric field as decimal text with its display scale, as PostgreSQL would print it. */
export function asNumeric(field: Buffer | null): string | null {
  if (field === null) return null;
  const count = field.readUInt16BE(0);
  const weight = field.readInt16BE(2);
  const sign = field.readUInt16BE(4);
  const scale = field.readUInt16BE(6);
  let units = 0n; // in units of 10^-scale
  for (let i = 0; i < count; i++) {
    const digit = BigInt(field.readUInt16BE(8 + 2 * i));
    if (digit >= 10_000n) throw new Error(`numeric digit ${digit}`);
    const power = 4 * (weight - i) + scale; // this digit's power of ten, in units
    units += power >= 0 ? digit * 10n ** BigInt(power) : digit / 10n ** BigInt(-power);
  }
  const digits = units.toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  if (sign === 0x4000) return `-${text}`;
  if (sign !== 0) throw new Error(`numeric sign ${sign}`);
  return text;
}

/** Microseconds since 2000-01-01 UTC as an ISO text with six places (BigInt arithmetic: exact for any year). */
export function asTimestamptz(field: Buffer | null): string | null {
  if (field === null) return null;
  const micros = field.readBigInt64BE(0) + BigInt(Date.UTC(2000, 0, 1)) * 1000n;
  const millis = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const rest = micros - millis * 1000n;
  return `${new Date(Number(millis)).toISOString().slice(0, 23)}${rest.toString().padStart(3, '0')}Z`;
}
