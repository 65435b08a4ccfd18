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

/** Strings up to this many bytes are looked up among those seen before. */
const SHORT_STRING_BYTES = 48;
/** At most this many remembered: a stream of ever new values cannot grow it (it then only misses). */
const MAX_REMEMBERED = 4096;
const MAX_PER_HASH = 4;
const remembered = new Map<number, string | string[]>();
let rememberedCount = 0;

/**
 * A length-delimited string, the same string object as last time for short ones seen before: every span of a request
 * repeats the same attribute keys and most of the same short values (operation, provider, model names). A string
 * that is not created is not collected, and used as a property key it is already internalized.
 */
export function sharedString(reader: Reader): string {
  const end = endOf(reader);
  const start = reader.pos;
  const buffer = reader.buf as Buffer;
  reader.pos = end;
  if (end - start > SHORT_STRING_BYTES) return buffer.toString('utf8', start, end);
  let hash = end - start;
  for (let i = start; i < end; i++) hash = (Math.imul(hash, 31) + buffer[i]!) | 0;
  const known = remembered.get(hash);
  if (known !== undefined) {
    if (typeof known === 'string') {
      if (sameBytes(known, buffer, start, end)) return known;
    } else {
      for (const candidate of known) if (sameBytes(candidate, buffer, start, end)) return candidate;
    }
  }
  const text = buffer.toString('utf8', start, end);
  // Bounded in all and per hash: strings made to collide cost a few comparisons each, not a long scan.
  if (rememberedCount < MAX_REMEMBERED && (typeof known !== 'object' || known.length < MAX_PER_HASH)) {
    rememberedCount++;
    if (known === undefined) remembered.set(hash, text);
    else if (typeof known === 'string') remembered.set(hash, [known, text]);
    else known.push(text);
  }
  return text;
}

/** Whether `text` is the UTF-8 in buffer[start, end) — compared as ASCII; any other text is never equal. */
function sameBytes(text: string, buffer: Buffer, start: number, end: number): boolean {
  if (text.length !== end - start) return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80 || code !== buffer[start + i]) return false;
  }
  return true;
}
