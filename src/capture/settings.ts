import { knownKeys, positiveInteger as checkPositiveInteger, type OptionKeys } from '../internal/check-option';
import { compileRedaction, CompiledRedaction } from './redaction';
import type { CaptureOptions, RedactionOptions } from './types';

// Every key of the option types: a misspelt one is refused in JavaScript as TypeScript refuses it in a literal.
const CAPTURE_KEYS = {
  maxStringLength: true,
  maxLength: true,
  maxDepth: true,
  maxItems: true,
  redaction: true,
} as const satisfies OptionKeys<CaptureOptions>;
const REDACTION_KEYS = {
  enabled: true,
  keys: true,
  patterns: true,
  redactor: true,
  replacement: true,
} as const satisfies OptionKeys<RedactionOptions>;

export interface CaptureSettings {
  readonly maxStringLength: number;
  readonly maxLength: number;
  readonly maxDepth: number;
  readonly maxItems: number;
  readonly redaction: CompiledRedaction;
  /** Bumped on every change so callers can cache work derived from the settings. */
  readonly version: number;
  /** Quoted JSON form of short strings already checked by the fast path (null: needs the careful walk). */
  readonly checkedStrings: BoundedCache<string | null>;
  /** Quoted JSON form of object keys already checked (null: secret-looking or needs the careful walk). */
  readonly checkedKeys: BoundedCache<string | null>;
}

/** A string-keyed cache that forgets everything when full: cheap, bounded, and right for hot repeating keys. */
export class BoundedCache<V> {
  private readonly entries = new Map<string, V>();
  constructor(private readonly capacity: number) {}
  get(key: string): V | undefined {
    return this.entries.get(key);
  }
  set(key: string, value: V): void {
    if (this.entries.size >= this.capacity) this.entries.clear();
    this.entries.set(key, value);
  }
}

export const DEFAULT_CAPTURE = {
  maxStringLength: 8_192,
  maxLength: 32_768,
  maxDepth: 8,
  maxItems: 100,
} as const;

let current: CaptureSettings = build({}, 0);

export function captureSettings(): CaptureSettings {
  return current;
}

/**
 * Sets how inputs and outputs are captured and redacted, for every span agentspan creates from now on. Options left
 * out return to their defaults. Throws a TypeError naming the bad option: this is configuration, checked up front.
 */
export function configureCapture(options: CaptureOptions = {}): void {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('agentspan: configureCapture(options) expects an object');
  }
  current = build(options, current.version + 1);
}

/** Throws what configureCapture would throw, without changing anything. */
export function checkCaptureOptions(options: CaptureOptions): void {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('agentspan: capture options must be an object');
  }
  build(options, current.version);
}

function build(options: CaptureOptions, version: number): CaptureSettings {
  knownKeys('capture', options, CAPTURE_KEYS);
  const redaction: unknown = options.redaction;
  if (redaction !== null && typeof redaction === 'object')
    knownKeys('capture', redaction, REDACTION_KEYS, 'redaction.');
  return {
    maxStringLength: positiveInteger('maxStringLength', options.maxStringLength, DEFAULT_CAPTURE.maxStringLength),
    maxLength: positiveInteger('maxLength', options.maxLength, DEFAULT_CAPTURE.maxLength),
    maxDepth: positiveInteger('maxDepth', options.maxDepth, DEFAULT_CAPTURE.maxDepth),
    maxItems: positiveInteger('maxItems', options.maxItems, DEFAULT_CAPTURE.maxItems),
    redaction: compileRedaction(options.redaction ?? {}),
    version,
    checkedStrings: new BoundedCache(4_096),
    checkedKeys: new BoundedCache(4_096),
  };
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  return checkPositiveInteger(`capture option ${name}`, value, fallback);
}
