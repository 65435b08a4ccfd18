import { AgentspanQueryError } from './agentspan-query-error';

/** Far longer than a cursor of two short values; stops a huge string from being decoded at all. */
const MAX_CURSOR_LENGTH = 200;

/**
 * A cursor: a tagged triple `[tag, a, b]` as base64url JSON. The tag says which listing made it, so a cursor of one
 * listing is refused by another.
 */
export function encodeTriple(tag: string, a: unknown, b: unknown): string {
  return Buffer.from(JSON.stringify([tag, a, b])).toString('base64url');
}

/**
 * The two values of a cursor made with `tag`, or `invalid()` thrown for anything else (not a string, too long, not
 * base64url JSON of a triple with that tag). The caller checks the values.
 */
export function decodeTriple(
  cursor: unknown,
  tag: string,
  invalid: () => AgentspanQueryError,
  maxLength = MAX_CURSOR_LENGTH,
): [unknown, unknown] {
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > maxLength) throw invalid();
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(decoded) || decoded.length !== 3 || decoded[0] !== tag) throw invalid();
  return [decoded[1], decoded[2]];
}
