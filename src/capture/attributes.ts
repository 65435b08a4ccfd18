import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { types } from 'node:util';
import { captureJson, captureText } from './safe-json';
import type { CaptureSettings } from './settings';

/**
 * Makes user-supplied attributes safe to put on a span: values under secret-looking keys are replaced, strings are
 * redacted and sanitized, objects become bounded JSON text (OTel SDK 2.x silently drops object values), and values
 * OTel cannot hold (null, undefined, functions) are left out. Never throws.
 *
 * Bounded: only a plain record of attributes is read (an array, a Buffer or typed array, whose indices would each
 * become an attribute, gives none), and at most `maxItems` of its keys: its keys are listed once, the rest ignored.
 */
export function sanitizeAttributes(input: unknown, settings: CaptureSettings): Attributes {
  const attributes: Attributes = {};
  if (input === null || typeof input !== 'object' || Array.isArray(input) || isBinary(input)) return attributes;
  let keys: string[];
  try {
    keys = Object.keys(input);
  } catch {
    return attributes;
  }
  const { redaction } = settings;
  if (keys.length > settings.maxItems) keys = keys.slice(0, settings.maxItems);
  for (const key of keys) {
    let value: unknown;
    try {
      value = (input as Record<string, unknown>)[key];
    } catch {
      continue;
    }
    const safeKey = captureText(key, settings);
    // agentspan.* belongs to agentspan: its JSON attributes are stored as they are, so users cannot set them.
    if (safeKey.startsWith('agentspan.')) continue;
    if (redaction.enabled && redaction.isSecretKey(safeKey)) {
      if (value !== undefined && value !== null) attributes[safeKey] = redaction.replacement;
      continue;
    }
    const safeValue = toAttributeValue(value, safeKey, settings);
    if (safeValue !== undefined) attributes[safeKey] = safeValue;
  }
  return attributes;
}

function toAttributeValue(value: unknown, key: string, settings: CaptureSettings): AttributeValue | undefined {
  switch (typeof value) {
    case 'string':
      return captureText(value, settings, key);
    case 'number':
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    default:
      if (value === null) return undefined;
      if (Array.isArray(value)) {
        const type = homogeneousArrayType(value);
        if (type === 'string') {
          return (value as Array<string | null | undefined>).map((item) =>
            typeof item === 'string' ? captureText(item, settings, key) : item,
          );
        }
        if (type !== undefined) return value as AttributeValue;
      }
      return captureJson(value, settings);
  }
}

/**
 * The element type of an array OTel can hold as it is: all strings, all numbers or all booleans, with null and
 * undefined holes allowed (as the OTel API allows them); `empty` for an array of holes only. Undefined otherwise.
 */
function homogeneousArrayType(values: unknown[]): 'string' | 'number' | 'boolean' | 'empty' | undefined {
  let type: 'string' | 'number' | 'boolean' | 'empty' = 'empty';
  for (const item of values) {
    if (item === null || item === undefined) continue;
    const itemType = typeof item;
    if (itemType !== 'string' && itemType !== 'number' && itemType !== 'boolean') return undefined;
    if (type === 'empty') type = itemType;
    else if (itemType !== type) return undefined;
  }
  return type;
}

/** Binary data: its bytes are indices, never attributes (a 10 MB Buffer would be ten million of them). */
export function isBinary(value: object): boolean {
  return ArrayBuffer.isView(value) || value instanceof ArrayBuffer || types.isSharedArrayBuffer(value);
}
