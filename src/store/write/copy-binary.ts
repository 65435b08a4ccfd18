import { numericBytesBound, writeNumeric } from '../postgres-numeric';
import { postgresMicros } from '../postgres-time';
import type { Timestamp } from '../../model/records';
import { writeTimeOrderedId } from './time-ordered-id';

/**
 * Rows in PostgreSQL's binary COPY format, written into a growing Buffer: a signature and header, then per row a
 * 16-bit field count and per field a 32-bit byte length (-1 for NULL) and the value in the type's binary form, then
 * a trailer.
 *
 * Why binary and not text: the server then neither scans every byte for delimiters and escapes nor parses
 * timestamps, uuids and numbers from text. Measured by replaying 200,000 spans' rows into the same tables, the
 * server spent 20–25 % less CPU on executions and about 30 % less on performance rows. In Node the values are
 * written straight into the buffer, with no row string to build, escape and encode.
 *
 * Every method appends one field; the caller writes exactly the columns of its COPY statement, in order, with the
 * types the migrations give them. A value the binary form cannot carry unchanged throws NotCopyableError; the
 * caller then drops the span's rows already written (mark, rewind) and leaves the span to the upsert, which
 * stores or rejects it as it does every other span: whether a span was copied never changes what is stored.
 */
export class CopyBinaryRows {
  private buffer: Buffer;
  private length = 0;
  private rowCount = 0;
  private markedLength = 0;
  private markedRows = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buffer = Buffer.allocUnsafe(Math.max(initialBytes, HEADER.length + 2));
    HEADER.copy(this.buffer);
    this.length = HEADER.length;
    this.markedLength = this.length;
  }

  /** Rows written so far. */
  get rows(): number {
    return this.rowCount;
  }

  /** The COPY data: header, rows and trailer; empty when there is no row. Call once, after the last row. */
  bytes(): Buffer {
    if (this.rowCount === 0) return EMPTY;
    this.reserve(2);
    this.buffer[this.length++] = 0xff; // the trailer: a field count of -1
    this.buffer[this.length++] = 0xff;
    return this.buffer.subarray(0, this.length);
  }

  /** Remembers where the data ends now, for rewind. */
  mark(): void {
    this.markedLength = this.length;
    this.markedRows = this.rowCount;
  }

  /** Drops everything written since the last mark. */
  rewind(): void {
    this.length = this.markedLength;
    this.rowCount = this.markedRows;
  }

  /** Starts a row of `fields` fields. */
  row(fields: number): void {
    this.reserve(2);
    this.buffer[this.length++] = fields >>> 8;
    this.buffer[this.length++] = fields & 0xff;
    this.rowCount++;
  }

  null(): void {
    this.reserve(4);
    this.int32At(this.length, -1);
    this.length += 4;
  }

  /**
   * text or varchar, as UTF-8. Refuses a NUL (PostgreSQL text cannot hold one) and a lone surrogate (UTF-8 encoding
   * would silently replace it).
   */
  text(value: string | null): void {
    if (value === null) return this.null();
    this.reserve(4 + 3 * value.length); // UTF-8 takes at most 3 bytes per UTF-16 code unit
    const start = this.length + 4;
    const end = this.utf8At(start, value);
    this.int32At(this.length, end - start);
    this.length = end;
  }

  /** jsonb: a version byte, then the JSON text. */
  jsonb(value: string | null): void {
    if (value === null) return this.null();
    this.reserve(5 + 3 * value.length);
    const start = this.length + 4;
    this.buffer[start] = JSONB_VERSION;
    const end = this.utf8At(start + 1, value);
    this.int32At(this.length, end - start);
    this.length = end;
  }

  /** boolean: one byte. */
  bool(value: boolean | null): void {
    if (value === null) return this.null();
    this.reserve(5);
    this.int32At(this.length, 1);
    this.buffer[this.length + 4] = value ? 1 : 0;
    this.length += 5;
  }

  /** integer. NaN and ±Infinity are NULL, as JSON would send them to the upsert; a fraction or overflow is refused. */
  int4(value: number | null): void {
    if (value === null || !Number.isFinite(value)) return this.null();
    if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) throw new NotCopyableError();
    this.reserve(8);
    this.int32At(this.length, 4);
    this.int32At(this.length + 4, value);
    this.length += 8;
  }

  /** bigint, for integers a double holds exactly; NULL and refusals as int4. */
  int8(value: number | null): void {
    if (value === null || !Number.isFinite(value)) return this.null();
    if (!Number.isSafeInteger(value)) throw new NotCopyableError();
    this.reserve(12);
    this.int32At(this.length, 8);
    this.int64At(this.length + 4, value);
    this.length += 12;
  }

  /** double precision; NaN and ±Infinity are NULL and -0 is 0, as JSON would send them to the upsert. */
  float8(value: number | null): void {
    if (value === null || !Number.isFinite(value)) return this.null();
    this.reserve(12);
    this.int32At(this.length, 8);
    this.buffer.writeDoubleBE(value === 0 ? 0 : value, this.length + 4);
    this.length += 12;
  }

  /** numeric, from decimal text; text in another form is refused (see writeNumeric). */
  numeric(value: string | null): void {
    if (value === null) return this.null();
    this.reserve(4 + numericBytesBound(value));
    const written = writeNumeric(value, this.buffer, this.length + 4);
    if (written < 0) throw new NotCopyableError();
    this.int32At(this.length, written);
    this.length += 4 + written;
  }

  /**
   * timestamptz. An invalid Date is NULL, as JSON would send it; a Date outside years 1–9999 and text in another
   * form are refused (see postgresMicros).
   */
  timestamptz(value: Timestamp | null): void {
    if (value === null || (typeof value !== 'string' && Number.isNaN(value.getTime()))) return this.null();
    const micros = postgresMicros(value);
    if (micros === undefined) throw new NotCopyableError();
    this.reserve(12);
    this.int32At(this.length, 8);
    if (typeof micros === 'number') this.int64At(this.length + 4, micros);
    else this.buffer.writeBigInt64BE(micros, this.length + 4);
    this.length += 12;
  }

  /** A new time-ordered uuid (see time-ordered-id); returns where its 16 bytes are, for sameUuid. */
  newUuid(): number {
    this.reserve(20);
    this.int32At(this.length, 16);
    const at = this.length + 4;
    writeTimeOrderedId(this.buffer, at);
    this.length += 20;
    return at;
  }

  /** The uuid at `at` of `source` (see newUuid), again: a child row naming its execution. */
  sameUuid(source: CopyBinaryRows, at: number): void {
    this.reserve(20);
    this.int32At(this.length, 16);
    // A loop, not Buffer#copy: that makes a Uint8Array view of the source range on every call.
    const from = source.buffer;
    const to = this.buffer;
    const offset = this.length + 4;
    for (let i = 0; i < 16; i++) to[offset + i] = from[at + i]!;
    this.length += 20;
  }

  /**
   * Writes `value` as UTF-8 at `offset` (room reserved by the caller) and returns where it ends. Short ASCII text,
   * most values, is copied in a loop: cheaper than a call into the native encoder for a few bytes.
   */
  private utf8At(offset: number, value: string): number {
    const length = value.length;
    const buffer = this.buffer;
    if (length <= SHORT_TEXT) {
      let i = 0;
      for (; i < length; i++) {
        const code = value.charCodeAt(i);
        if (code === 0 || code >= 0x80) break;
        buffer[offset + i] = code;
      }
      if (i === length) return offset + length;
    }
    if (SUSPECT.test(value) && (value.includes('\0') || !value.isWellFormed())) throw new NotCopyableError();
    return offset + buffer.write(value, offset, 'utf8');
  }

  private int32At(offset: number, value: number): void {
    const buffer = this.buffer;
    buffer[offset] = value >>> 24;
    buffer[offset + 1] = (value >>> 16) & 0xff;
    buffer[offset + 2] = (value >>> 8) & 0xff;
    buffer[offset + 3] = value & 0xff;
  }

  /** A safe integer as a 64-bit two's-complement big-endian integer. */
  private int64At(offset: number, value: number): void {
    const high = Math.floor(value / 2 ** 32);
    this.int32At(offset, high | 0);
    this.int32At(offset + 4, (value - high * 2 ** 32) >>> 0);
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}

/** A value binary COPY cannot carry unchanged (see CopyBinaryRows). Carries no value: it never leaves the writer. */
export class NotCopyableError extends Error {
  override readonly name = 'NotCopyableError';
}

/** The signature `PGCOPY\n\377\r\n\0`, then 32-bit flags (none: no OIDs) and a 32-bit header extension length (0). */
const HEADER = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
const EMPTY = Buffer.alloc(0);
const JSONB_VERSION = 1;
/** Up to this many UTF-16 units, text is tried as ASCII in JavaScript first. */
const SHORT_TEXT = 64;
/** A NUL or any surrogate: then the exact check (surrogate pairs are fine). */
const SUSPECT = /[\0\ud800-\udfff]/;

/** Two streams of COPY data for the same table as one: the first's rows, then the second's (header and trailer once). */
export function concatCopyData(first: Buffer, second: Buffer): Buffer {
  if (first.length === 0) return second;
  if (second.length === 0) return first;
  return Buffer.concat([first.subarray(0, first.length - 2), second.subarray(HEADER.length)]);
}
