import type { Reader } from 'protobufjs/minimal';
import { hrTimeOfNanos } from './received-request';

/** The protobuf wire format as the OTLP decoders read it, on protobufjs's Reader over a Buffer. */

// Tags (field number << 3 | wire type): 0 varint, 1 fixed64, 2 length-delimited.
export const LEN_1 = (1 << 3) | 2;
export const LEN_2 = (2 << 3) | 2;
export const LEN_3 = (3 << 3) | 2;
export const LEN_4 = (4 << 3) | 2;

/** The end of the length-delimited field the reader is at (its length read). */
export function endOf(reader: Reader): number {
  const length = reader.uint32();
  const end = reader.pos + length;
  if (end > reader.len) throw new RangeError(`a field of ${length} bytes runs past the end of the body`);
  return end;
}

export function done(reader: Reader, end: number): void {
  if (reader.pos !== end) throw new RangeError('a field runs past the end of the message that holds it');
}

export function hex(reader: Reader, end: number): string {
  const start = reader.pos;
  reader.pos = end;
  return (reader.buf as Buffer).toString('hex', start, end);
}

export function fixed64Time(reader: Reader): ReturnType<typeof hrTimeOfNanos> {
  if (reader.pos + 8 > reader.len) throw new RangeError('a fixed64 runs past the end of the body');
  const nanos = (reader.buf as Buffer).readBigUInt64LE(reader.pos);
  reader.pos += 8;
  return hrTimeOfNanos(nanos);
}
