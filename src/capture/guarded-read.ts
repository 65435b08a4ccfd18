import { sanitizeText } from './sanitize-text';

// Reading values that may be hostile (throwing getters, proxies, odd prototypes): none of these throws.

export function ownKeys(value: object): string[] {
  try {
    return Object.keys(value);
  } catch {
    return [];
  }
}

export function safeRead(value: object, key: string): unknown {
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    return '[unreadable]';
  }
}

export function mapKey(key: unknown): string {
  if (typeof key === 'string') return key;
  try {
    return typeof key === 'object' && key !== null ? `[${typeName(key)}]` : String(key);
  } catch {
    return '[key]';
  }
}

export function typeName(value: object): string {
  try {
    const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
    return typeof name === 'string' && name.length > 0 ? sanitizeText(name) : 'Object';
  } catch {
    return 'Object';
  }
}
