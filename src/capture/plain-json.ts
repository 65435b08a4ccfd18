import { NEEDS_ESCAPING, quoteJson } from './quote-json';
import type { CaptureSettings } from './settings';

// Keys and short values repeat across calls and across nested spans (a value returned by a tool is captured again
// as the output of the task and the agent): their verdict is remembered. Longer strings are checked each time.
const REMEMBERED_LENGTH = 256;

/**
 * The fast path of capture. Most captured values are small plain objects, arrays and primitives with nothing to
 * redact or fix; for those this one pass builds the same JSON the careful walk would, without its bookkeeping.
 * Returns undefined as soon as anything needs care — a secret-named key, NUL, a lone surrogate, a long
 * string, a non-plain object, too deep (which also catches cycles), too many items, too long — and the caller falls
 * back to the careful walk.
 */
export function plainJson(value: unknown, settings: CaptureSettings, maxLength: number): string | undefined {
  if (settings.redaction.redactor) return undefined; // a user redactor must see every string
  return new PlainJsonWriter(settings, maxLength).value(value, 0);
}

class PlainJsonWriter {
  constructor(
    private readonly settings: CaptureSettings,
    private remaining: number,
  ) {}

  value(value: unknown, depth: number): string | undefined {
    switch (typeof value) {
      case 'string':
        return this.text(value);
      case 'number':
        return Number.isFinite(value) ? String(value) : undefined;
      case 'boolean':
        return value ? 'true' : 'false';
      case 'object':
        if (value === null) return 'null';
        if (depth >= this.settings.maxDepth) return undefined;
        return Array.isArray(value) ? this.array(value, depth) : this.object(value, depth);
      default:
        return undefined;
    }
  }

  private text(value: string): string | undefined {
    let quoted: string | null | undefined;
    if (value.length <= REMEMBERED_LENGTH) {
      quoted = this.settings.checkedStrings.get(value);
      if (quoted === undefined) {
        quoted = this.check(value);
        this.settings.checkedStrings.set(value, quoted);
      }
    } else {
      quoted = this.check(value);
    }
    if (quoted === null) return undefined;
    this.remaining -= quoted.length;
    return this.remaining < 0 ? undefined : quoted;
  }

  /** A key's quoted form; undefined when its value must be redacted or the key itself needs care. */
  private key(key: string): string | undefined {
    const { checkedKeys, redaction } = this.settings;
    let quoted = checkedKeys.get(key);
    if (quoted === undefined) {
      quoted = redaction.enabled && redaction.isSecretKey(key) ? null : this.check(key);
      checkedKeys.set(key, quoted);
    }
    if (quoted === null) return undefined;
    this.remaining -= quoted.length;
    return quoted;
  }

  /** The string's quoted JSON form, redacted, or null when it needs the careful walk. */
  private check(value: string): string | null {
    const { maxStringLength, redaction } = this.settings;
    if (value.length > maxStringLength) return null;
    if (value.length > REMEMBERED_LENGTH) {
      // A long string is scanned as few times as it can be: redacted (the rules skip through it), then quoted.
      if (value.includes('\u0000') || !value.isWellFormed()) return null;
      const text = redaction.enabled ? redaction.redactPatterns(value) : value;
      return quoteJson(text);
    }
    const suspicious = redaction.enabled ? redaction.needsCare(value) : NEEDS_ESCAPING.test(value);
    if (!suspicious) return `"${value}"`;
    if (value.includes('\u0000') || !value.isWellFormed()) return null;
    // What the careful walk writes for a storable string: its secret shapes replaced (no user redactor on this path).
    return JSON.stringify(redaction.enabled ? redaction.redactPatterns(value) : value);
  }

  private array(list: unknown[], depth: number): string | undefined {
    if (list.length > this.settings.maxItems) return undefined;
    let out = '[';
    for (let i = 0; i < list.length; i++) {
      const item = list[i];
      // As in JSON, an undefined array item is null.
      const part = item === undefined ? 'null' : this.value(item, depth + 1);
      if (part === undefined) return undefined;
      out += i === 0 ? part : `,${part}`;
    }
    return `${out}]`;
  }

  private object(object: object, depth: number): string | undefined {
    const prototype = Object.getPrototypeOf(object);
    if (prototype !== Object.prototype && prototype !== null) return undefined;
    const { maxItems } = this.settings;
    let out = '{';
    // One listing of the keys: for-in over an object in dictionary mode (a huge one) would list them and then look
    // each one up again, and a count past maxItems needs the whole list anyway.
    const keys = Object.keys(object);
    let written = 0;
    for (let i = 0; i < keys.length && written < maxItems; i++) {
      const key = keys[i]!;
      const item = (object as Record<string, unknown>)[key];
      if (item === undefined) continue; // as in JSON (a function member may be a toJSON: the careful walk decides)
      const quotedKey = this.key(key);
      if (quotedKey === undefined) return undefined;
      const part = this.value(item, depth + 1);
      if (part === undefined) return undefined;
      out += written === 0 ? `${quotedKey}:${part}` : `,${quotedKey}:${part}`;
      written++;
    }
    // Past the limit, the same marker as the careful walk's, written here: a huge object (a million keys) then costs
    // one listing of its keys, not a second one in the careful walk.
    if (written >= maxItems && keys.length > written) {
      const marker = `"…":${JSON.stringify(`[${keys.length - written} more entries]`)}`;
      this.remaining -= marker.length;
      if (this.remaining < 0) return undefined;
      out += `,${marker}`;
    }
    return `${out}}`;
  }
}
