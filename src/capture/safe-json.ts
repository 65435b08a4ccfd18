import { types } from 'node:util';
import { reportOnce } from '../internal/report-once';
import { plainJson } from './plain-json';
import { quoteJson } from './quote-json';
import { isCutAlready } from './cut-marker';
import { mapKey, ownKeys, safeRead, typeName } from './guarded-read';
import { pairSafeEnd, sanitizeText } from './sanitize-text';
import type { CaptureSettings } from './settings';

/** Thrown inside the walk when a user redactor fails: the whole value is then redacted (fail closed). */
class RedactorFailure {}

const TRUNCATED = '[truncated]';
/**
 * How far past a string's cut redaction looks: longer than any secret shape but a PEM key (a URL with its password,
 * a token), so one that crosses the cut is matched whole. A PEM key that crosses it is hidden by the rule for a key
 * whose end is cut off.
 */
const CUT_WINDOW = 512;

/**
 * Turns any value into bounded, redacted JSON text that PostgreSQL jsonb accepts. One pass, stops as soon as the
 * budget is spent, never calls user code except `toJSON` and getters (both guarded), never mutates the value and
 * never throws.
 */
export function captureJson(value: unknown, settings: CaptureSettings, maxLength = settings.maxLength): string {
  try {
    const json = plainJson(value, settings, maxLength);
    if (json !== undefined) return json;
  } catch {
    // A getter or proxy threw while measuring: the careful walk below handles it.
  }
  const walk = new JsonWalk(settings, maxLength);
  try {
    walk.value(value, undefined, 0);
    return walk.out;
  } catch (error) {
    if (error instanceof RedactorFailure) return JSON.stringify(settings.redaction.replacement);
    reportOnce('capture-failed', `capturing a value failed and was replaced by a placeholder: ${String(error)}`);
    return '"[unserializable]"';
  }
}

/** Redacts and sanitizes one string the way captured strings are (secret shapes, NUL, lone surrogates, length). */
export function captureText(value: string, settings: CaptureSettings, key?: string): string {
  try {
    return new JsonWalk(settings, settings.maxLength).text(value, key);
  } catch {
    return settings.redaction.replacement;
  }
}

class JsonWalk {
  out = '';
  private readonly ancestors: object[] = [];

  constructor(
    private readonly settings: CaptureSettings,
    private readonly maxLength: number,
  ) {}

  private get spent(): boolean {
    return this.out.length >= this.maxLength;
  }

  value(value: unknown, key: string | undefined, depth: number): void {
    switch (typeof value) {
      case 'string':
        this.out += quoteJson(this.text(value, key));
        return;
      case 'number':
        this.out += Number.isFinite(value) ? String(value) : `"${String(value)}"`;
        return;
      case 'boolean':
        this.out += value ? 'true' : 'false';
        return;
      case 'bigint':
        this.out += `"${value.toString()}"`;
        return;
      case 'symbol':
        this.out += JSON.stringify(this.text(value.toString(), key));
        return;
      case 'function':
        this.out += JSON.stringify(`[Function ${sanitizeText(value.name || 'anonymous')}]`);
        return;
      case 'undefined':
        this.out += 'null';
        return;
      default:
        if (value === null) this.out += 'null';
        else this.guardedObject(value as object, key, depth);
    }
  }

  /** A string as it will be stored: cut to length, secrets replaced, made valid for PostgreSQL. */
  text(value: string, key: string | undefined): string {
    const { maxStringLength, redaction } = this.settings;
    let text = value;
    let redacted = false;
    if (text.length > maxStringLength && !isCutAlready(text, maxStringLength)) {
      // Redacted before the cut, over a window past it: a secret that starts before the cut and ends after it is
      // matched whole and replaced, instead of its first part surviving as text no rule recognises.
      let head = text.slice(0, pairSafeEnd(text, Math.min(text.length, maxStringLength + CUT_WINDOW)));
      if (redaction.enabled) head = redaction.redactPatterns(head);
      redacted = true;
      text = `${head.slice(0, pairSafeEnd(head, maxStringLength))}…[truncated, ${value.length} chars]`;
    }
    text = sanitizeText(text);
    if (!redaction.enabled) return text;
    // A cut string was redacted above (cutting redacted text makes no secret); redacting it again would double the
    // cost of the largest strings.
    if (!redacted) text = redaction.redactPatterns(text);
    if (redaction.redactor) {
      let redacted: unknown;
      try {
        redacted = redaction.redactor(text, key);
      } catch {
        throw new RedactorFailure();
      }
      if (typeof redacted !== 'string') throw new RedactorFailure();
      text = sanitizeText(redacted);
    }
    return text;
  }

  /** An object whose traps throw where nothing else guards them (a Proxy): only it becomes a placeholder. */
  private guardedObject(value: object, key: string | undefined, depth: number): void {
    const mark = this.out.length;
    try {
      this.object(value, key, depth);
    } catch (error) {
      if (error instanceof RedactorFailure) throw error;
      this.out = `${this.out.slice(0, mark)}"[unreadable]"`;
    }
  }

  private object(value: object, key: string | undefined, depth: number): void {
    if (this.ancestors.includes(value)) {
      this.out += '"[Circular]"';
      return;
    }
    const leaf = this.leaf(value);
    if (leaf !== undefined) {
      this.out += JSON.stringify(leaf);
      return;
    }
    if (depth >= this.settings.maxDepth) {
      this.out += JSON.stringify(Array.isArray(value) ? `[Array(${value.length})]` : `[${typeName(value)}]`);
      return;
    }
    const jsonForm = this.toJsonForm(value);
    if (jsonForm !== value) {
      this.value(jsonForm, key, depth + 1);
      return;
    }
    this.ancestors.push(value);
    try {
      if (Array.isArray(value)) this.list(value, value.length, depth);
      else if (value instanceof Set) this.list(value, value.size, depth);
      else if (value instanceof Map) this.map(value, depth);
      else if (value instanceof Error) this.error(value, depth);
      else this.record(value, depth);
    } finally {
      this.ancestors.pop();
    }
  }

  /** Values that are best shown as one string. */
  private leaf(value: object): string | undefined {
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
    if (ArrayBuffer.isView(value)) return `[${typeName(value)}: ${value.byteLength} bytes]`;
    if (value instanceof ArrayBuffer || types.isSharedArrayBuffer(value)) {
      return `[${typeName(value)}: ${(value as ArrayBuffer).byteLength} bytes]`;
    }
    if (value instanceof RegExp) return this.text(value.toString(), undefined);
    if (value instanceof URL) return this.text(value.href, undefined);
    if (types.isPromise(value)) return '[Promise]';
    if (value instanceof WeakMap || value instanceof WeakSet || value instanceof WeakRef) return `[${typeName(value)}]`;
    if (types.isBoxedPrimitive(value)) return this.text(String(value.valueOf()), undefined);
    return undefined;
  }

  /** Honours `toJSON` as JSON.stringify would, guarded: user code may throw. */
  private toJsonForm(value: object): unknown {
    let toJSON: unknown;
    try {
      toJSON = (value as { toJSON?: unknown }).toJSON;
    } catch {
      return '[unreadable]';
    }
    if (typeof toJSON !== 'function') return value;
    try {
      return toJSON.call(value);
    } catch {
      return `[${typeName(value)}: toJSON failed]`;
    }
  }

  private list(items: Iterable<unknown>, size: number, depth: number): void {
    this.out += '[';
    let index = 0;
    for (const item of items) {
      if (index > 0) this.out += ',';
      if (index >= this.settings.maxItems) {
        this.out += JSON.stringify(`…[${size - index} more items]`);
        break;
      }
      if (this.spent) {
        this.out += JSON.stringify(TRUNCATED);
        break;
      }
      this.value(item, undefined, depth + 1);
      index++;
    }
    this.out += ']';
  }

  private map(map: Map<unknown, unknown>, depth: number): void {
    this.out += '{';
    let index = 0;
    for (const [entryKey, entryValue] of map) {
      if (!this.member(index, map.size, depth, mapKey(entryKey), entryValue)) break;
      index++;
    }
    this.out += '}';
  }

  private error(error: Error, depth: number): void {
    this.out += '{';
    let index = 0;
    const fields: Array<[string, unknown]> = [
      ['name', safeRead(error, 'name')],
      ['message', safeRead(error, 'message')],
    ];
    const cause = safeRead(error, 'cause');
    if (cause !== undefined) fields.push(['cause', cause]);
    for (const name of ownKeys(error)) {
      if (name !== 'name' && name !== 'message' && name !== 'cause' && name !== 'stack') {
        fields.push([name, safeRead(error, name)]);
      }
    }
    for (const [name, fieldValue] of fields) {
      if (!this.member(index, fields.length, depth, name, fieldValue)) break;
      index++;
    }
    this.out += '}';
  }

  private record(value: object, depth: number): void {
    const keys = ownKeys(value);
    this.out += '{';
    let index = 0;
    for (const name of keys) {
      const fieldValue = safeRead(value, name);
      // JSON drops undefined and function members of objects; so do we, to match what users expect from JSON.
      if (fieldValue === undefined || typeof fieldValue === 'function') continue;
      if (!this.member(index, keys.length, depth, name, fieldValue)) break;
      index++;
    }
    this.out += '}';
  }

  /** Writes one `"key": value` member; false when the object must be closed early. */
  private member(index: number, size: number, depth: number, name: string, fieldValue: unknown): boolean {
    const separator = index > 0 ? ',' : '';
    if (index >= this.settings.maxItems) {
      this.out += `${separator}"…":${JSON.stringify(`[${size - index} more entries]`)}`;
      return false;
    }
    if (this.spent) {
      this.out += `${separator}"…":${JSON.stringify(TRUNCATED)}`;
      return false;
    }
    const safeKey = sanitizeText(name);
    const redaction = this.settings.redaction;
    // A key can be a secret too (an object keyed by API key): its secret shapes are replaced as a value's are.
    const shownKey = redaction.enabled ? redaction.redactPatterns(safeKey) : safeKey;
    this.out += `${separator}${JSON.stringify(shownKey)}:`;
    if (redaction.enabled && redaction.isSecretKey(safeKey)) {
      this.out += JSON.stringify(redaction.replacement);
    } else {
      this.value(fieldValue, safeKey, depth + 1);
    }
    return true;
  }
}
