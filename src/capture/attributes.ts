import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { captureJson, captureText } from './safe-json';
import type { CaptureSettings } from './settings';

/**
 * Makes user-supplied attributes safe to put on a span: values under secret-looking keys are replaced, strings are
 * redacted and sanitized, objects become bounded JSON text (OTel SDK 2.x silently drops object values), and values
 * OTel cannot hold (null, undefined, functions) are left out. Never throws.
 */
export function sanitizeAttributes(input: unknown, settings: CaptureSettings): Attributes {
  const attributes: Attributes = {};
  if (input === null || typeof input !== 'object') return attributes;
  let keys: string[];
  try {
    keys = Object.keys(input);
  } catch {
    return attributes;
  }
  const { redaction } = settings;
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
      if (Array.isArray(value) && isHomogeneousPrimitiveArray(value)) {
        return typeof value[0] === 'string'
          ? (value as string[]).map((item) => captureText(item, settings, key))
          : (value as number[] | boolean[]);
      }
      return captureJson(value, settings);
  }
}

function isHomogeneousPrimitiveArray(values: unknown[]): boolean {
  if (values.length === 0) return true;
  const type = typeof values[0];
  if (type !== 'string' && type !== 'number' && type !== 'boolean') return false;
  return values.every((item) => typeof item === type);
}
