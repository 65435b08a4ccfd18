/**
 * The default `sizeOf`: a rough estimate of the bytes a plain-data record keeps alive, good enough to bound memory.
 *
 * It runs inside `enqueue` on the application's hot path, so its work is capped: it looks at most MAX_VISITS values
 * and MAX_DEPTH levels deep, whatever the record's shape (cycles included). Strings, which carry nearly all the
 * weight of telemetry records (captured inputs and outputs), are counted at two bytes a character, as V8 may store
 * them. Records with large payloads below the caps' reach should come with their own `sizeOf`.
 */

const MAX_VISITS = 256;
const MAX_DEPTH = 4;
const HEADER_BYTES = 32;
const POINTER_BYTES = 8;
const PRIMITIVE_BYTES = 8;
const DATE_BYTES = 48;

// A walk is synchronous and not re-entrant, so one module-level budget avoids allocating per call.
let visitsLeft = 0;

export function estimateSize(value: unknown): number {
  visitsLeft = MAX_VISITS;
  return sizeOfValue(value, 0);
}

function sizeOfValue(value: unknown, depth: number): number {
  if (typeof value === 'string') return HEADER_BYTES + value.length * 2;
  if (typeof value === 'object' && value !== null) return sizeOfObject(value, depth);
  return PRIMITIVE_BYTES;
}

function sizeOfObject(value: object, depth: number): number {
  if (value instanceof Date) return DATE_BYTES;
  if (ArrayBuffer.isView(value)) return HEADER_BYTES + value.byteLength;
  if (value instanceof Map || value instanceof Set) return HEADER_BYTES + value.size * 2 * POINTER_BYTES;
  if (depth >= MAX_DEPTH) return HEADER_BYTES;

  let total = HEADER_BYTES;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (--visitsLeft < 0) return total + (value.length - i) * POINTER_BYTES;
      total += POINTER_BYTES + sizeOfValue(value[i], depth + 1);
    }
    return total;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (--visitsLeft < 0) return total;
    total += POINTER_BYTES + sizeOfValue((value as Record<string, unknown>)[key], depth + 1);
  }
  return total;
}
