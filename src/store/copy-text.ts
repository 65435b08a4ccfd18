import type { Timestamp } from './records';

/**
 * Rows in PostgreSQL's COPY text format, written into a growing Buffer: columns separated by a tab, rows by
 * a newline, NULL as `\N`, and a backslash, tab, newline or carriage return inside a value escaped with a backslash.
 * Nothing else needs escaping, and an escaped backslash also keeps a value from ever reading as the `\.` end marker.
 *
 * Why a Buffer and not one string: a chunk of 5,000 rows concatenated into a string is a rope that keeps every row
 * alive until it is sent, long enough to be promoted out of the young generation; measured, the garbage collection
 * that caused cost more CPU than the encoding. Written row by row into a buffer, each row string dies young.
 */
export class CopyRows {
  private buffer: Buffer;
  private length = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  /** The rows written so far (a view, valid until the next write). */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  /**
   * Appends one row: fields already encoded with copyText, copyNumber or copyTimestamp. One write per row: a write
   * per field would cross into native code forty times a span.
   */
  row(fields: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit: reserving that avoids measuring the string first.
    this.reserve(fields.length * 3 + 1);
    this.length += this.buffer.write(fields, this.length, 'utf8');
    this.buffer[this.length++] = NEWLINE;
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}

/**
 * A text value, escaped. Throws NotCopyableError for a value COPY could not carry as it is: a NUL (PostgreSQL text
 * cannot hold one) or a lone surrogate (UTF-8 encoding would silently replace it). The upsert then decides, exactly
 * as it does for every other span, so whether a span was copied never changes what is stored.
 */
export function copyText(value: string | null): string {
  if (value === null) return NULL;
  // Most values have nothing to escape or check: one test before any other work.
  if (!SPECIAL.test(value)) return value;
  if (value.includes('\0') || !value.isWellFormed()) throw new NotCopyableError();
  return value.replace(ESCAPABLE, escapeOne);
}

/** See copyText. Carries no value: it never leaves the writer. */
export class NotCopyableError extends Error {
  override readonly name = 'NotCopyableError';
}

/** A number as JSON.stringify would send it to the JSON-fed upsert: NaN and ±Infinity become NULL there too. */
export function copyNumber(value: number | null): string {
  return value === null || !Number.isFinite(value) ? NULL : String(value);
}

export function copyTimestamp(value: Timestamp | null): string {
  if (value === null || typeof value === 'string') return copyText(value);
  return isNaN(value.getTime()) ? NULL : value.toISOString();
}

const NULL = '\\N';
const NEWLINE = 0x0a;
const SPECIAL = /[\\\t\n\r\0\ud800-\udfff]/;
const ESCAPABLE = /[\\\t\n\r]/g;
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const escapeOne = (character: string): string => ESCAPES[character]!;
