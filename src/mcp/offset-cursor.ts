import { createHash } from 'node:crypto';
import { MAX_PAGE_LENGTH } from './bounded-page';
import { countWithin } from './result-limits';
import { ToolArgumentError } from './tool-errors';

/**
 * Cursors of the pages the server cuts itself from one answer of the repository (a run's steps, stats groups): the
 * offset of the next item and a digest of the query it pages, so a cursor given with other arguments is refused
 * rather than paging something else. The repository's own listings (runs, sessions, decisions) use its cursors.
 */

const TAG = 'o';
const MAX_CURSOR_LENGTH = 100;

/** The cursor of the page that starts at `offset` of the answer to `query` (the tool name and its arguments). */
export function offsetCursor(query: unknown, offset: number): string {
  return Buffer.from(JSON.stringify([TAG, digestOf(query), offset])).toString('base64url');
}

/** Where the page `cursor` stands for starts: 0 without a cursor; a ToolArgumentError for one that is not of `query`. */
export function offsetOf(cursor: string | undefined, query: unknown): number {
  if (cursor === undefined) return 0;
  const invalid = new ToolArgumentError(
    'invalid cursor: pass the nextCursor of the previous answer, with the same arguments as that call',
  );
  if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  if (!Array.isArray(decoded) || decoded.length !== 3 || decoded[0] !== TAG || decoded[1] !== digestOf(query)) {
    throw invalid;
  }
  const offset: unknown = decoded[2];
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) throw invalid;
  return offset;
}

/**
 * A page of `items` from `offset`: at most `limit` of them and at most `maxLength` characters of JSON (one at least),
 * and the cursor of the rest (null when none is left).
 */
export function pageFrom<T>(
  items: readonly T[],
  offset: number,
  limit: number,
  query: unknown,
  maxLength = MAX_PAGE_LENGTH,
): { items: T[]; nextCursor: string | null } {
  const candidates = items.slice(offset, offset + limit);
  const page = candidates.slice(0, countWithin(candidates, maxLength));
  const next = offset + page.length;
  return { items: page, nextCursor: next < items.length ? offsetCursor(query, next) : null };
}

/** A short digest of `query` as canonical JSON (keys sorted), so the same arguments in another order still match. */
function digestOf(query: unknown): string {
  return createHash('sha256').update(canonicalJson(query)).digest('base64url').slice(0, 16);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${canonicalJson(member)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
