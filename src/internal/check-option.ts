/**
 * Checking configuration, one idiom for every options object: each checker takes the option's full name as users
 * write it (`pipeline option maxQueueSize`), returns the value or the default, and throws a TypeError naming the
 * option and what it got. Configuration mistakes surface when the object is built, not as misbehaviour under load.
 */

// setTimeout treats anything above 2^31 - 1 ms as 1 ms; a "very long" interval would become a busy loop.
export const MAX_TIMER_MS = 2_147_483_647;

/** A value as an error message shows it: strings quoted, functions and arrays named, never their contents. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  try {
    return String(value);
  } catch {
    return typeof value;
  }
}

function fail(what: string, expected: string, value: unknown): never {
  throw new TypeError(`agentspan: ${what} must be ${expected}, got ${describeValue(value)}`);
}

/** An options object. */
export function checkObject(what: string, value: unknown): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(what, 'an object', value);
}

export function optionalArray(what: string, value: unknown): void {
  if (value !== undefined && !Array.isArray(value)) fail(what, 'an array', value);
}

/** A finite number above zero. */
export function positiveNumber(what: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) fail(what, 'a positive number', value);
  return value;
}

export function positiveInteger(what: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) fail(what, 'a positive integer', value);
  return value;
}

export function nonNegativeInteger(what: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    fail(what, 'a non-negative integer', value);
  }
  return value;
}

/** A delay a timer can honour, from `min` ms. */
export function milliseconds(what: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > MAX_TIMER_MS) {
    fail(what, `a number of milliseconds from ${min} to ${MAX_TIMER_MS}`, value);
  }
  return value;
}

export function requiredFunction<F>(what: string, value: F | undefined): F {
  if (typeof value !== 'function') fail(what, 'a function', value);
  return value;
}

export function optionalFunction<F>(what: string, value: F | undefined): F | undefined {
  return value === undefined ? undefined : requiredFunction(what, value);
}

export function optionalBoolean(what: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') fail(what, 'a boolean', value);
  return value;
}

export function optionalString(what: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) fail(what, 'a non-empty string', value);
  return value;
}

/** One of `allowed`. */
export function oneOf<T extends string>(what: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    fail(what, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  }
  return value as T;
}

/**
 * Every key of an options type, as an object the compiler checks for completeness (`satisfies OptionKeys<T>`): a key
 * added to the type and forgotten here fails the build instead of being refused at run time.
 */
export type OptionKeys<T> = { readonly [K in keyof Required<T>]: true };

/**
 * Refuses a key the options type does not have, as TypeScript's excess property check does for an object literal, so
 * a misspelt option fails in JavaScript too instead of being ignored: `unknown @Tool option nmae (did you mean name?)`.
 * `path` names where the object sits inside the options (`budget.`).
 */
export function knownKeys(what: string, value: object, keys: Readonly<Record<string, true>>, path = ''): void {
  for (const key of Object.keys(value)) {
    if (Object.prototype.hasOwnProperty.call(keys, key)) continue;
    const near = nearest(key, Object.keys(keys));
    const hint = near === undefined ? '' : ` (did you mean ${path}${near}?)`;
    throw new TypeError(`agentspan: unknown ${what} option ${path}${key}${hint}`);
  }
}

/** The known key a misspelling most likely meant: same letters in another case, or one or two edits away. */
function nearest(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = candidate.toLowerCase() === lower ? 0 : editDistance(lower, candidate.toLowerCase());
    if (distance <= (candidate.length > 5 ? 2 : 1) && (best === undefined || distance < best.distance)) {
      best = { key: candidate, distance };
    }
  }
  return best?.key;
}

/** Edits (insert, delete, substitute, swap two neighbours) from a to b; short strings only, so quadratic is fine. */
function editDistance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return Infinity;
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
      }
    }
  }
  return rows[a.length][b.length];
}
