import type { AttributeValue } from '@opentelemetry/api';
import { describeValue, noteMessage } from '../capture/describe-value';
import { cutText } from '../capture/sanitize-text';
import type { CaptureSettings } from '../capture/settings';
import type { EventRecord } from '../model/records';

/** Column widths of the store: longer values are cut here (with a `…` marker) rather than rejected there. */
export const WIDTH = { name: 1024, id: 256, version: 128, errorType: 256, provider: 128, model: 256 } as const;

/** Largest figure an `integer` token column holds. */
export const MAX_TOKEN_COUNT = 2_147_483_647;

export const STORED_AS_NULL = 'stored as null';

/**
 * Reads the typed fields of a record off span attributes and collects a note for every value it cannot keep as
 * given. Notes are rare; the list is only made for the first one.
 */
export class Fields {
  private notes: Array<{ message: string; value: string }> | undefined;

  constructor(readonly settings: CaptureSettings) {}

  note(subject: string, problem: string, outcome: string, value: unknown): void {
    (this.notes ??= []).push({
      message: noteMessage(subject, problem, outcome),
      value: describeValue(value, this.settings),
    });
  }

  /** A text column: a string made storable and cut to the width; a number as its decimal text; else null. */
  text(value: AttributeValue | undefined, key: string, width: number): string | null {
    if (typeof value === 'string') return value.length > 0 ? cutText(value, width) : null;
    if (value === undefined || value === null) return null;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    this.note(key, 'is not a string', STORED_AS_NULL, value);
    return null;
  }

  /** A number column with a range: anything else (NaN, infinities, strings, arrays) is stored as null. */
  number(value: AttributeValue | undefined, key: string, min: number, max: number, what = 'a number'): number | null {
    if (value === undefined || value === null) return null;
    if (typeof value === 'number' && value >= min && value <= max) return value;
    this.note(key, `is not ${what} from ${min} to ${max}`, STORED_AS_NULL, value);
    return null;
  }

  /** A token count: rounded, and within what an integer column holds. */
  count(value: AttributeValue | undefined, key: string): number | null {
    if (value === undefined || value === null) return null;
    if (typeof value === 'number' && value >= 0 && Math.round(value) <= MAX_TOKEN_COUNT) return Math.round(value);
    this.note(key, `is not a count from 0 to ${MAX_TOKEN_COUNT}`, STORED_AS_NULL, value);
    return null;
  }

  /** The notes as `warn` events after the span's own. */
  appendNotes(events: EventRecord[], occurredAt: string): void {
    if (this.notes === undefined) return;
    for (const { message, value } of this.notes) {
      events.push({
        ordinal: events.length,
        level: 'warn',
        message,
        attributes: JSON.stringify({ value }),
        occurredAt,
      });
    }
  }
}
