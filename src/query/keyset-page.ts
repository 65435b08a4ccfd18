import { AgentspanQueryError } from './agentspan-query-error';
import { decodeTriple, encodeTriple } from './cursor-codec';
import { isExactTimestamp } from './exact-timestamp';
import type { SqlConditions } from './sql-conditions';

/**
 * Keyset pagination over (timestamp desc, id desc). A cursor is the position of the last row of a page: its
 * timestamp, exact to the microsecond (see exact-timestamp.ts: with a Date, rows sharing a millisecond would be
 * skipped or repeated), and its id as the tie-break. It is opaque to callers (base64url JSON) and names the listing
 * it belongs to, so a decisions cursor is refused by history.
 */

export type CursorListing = 'runs' | 'decisions';

export interface PagePosition {
  /** Exact UTC timestamp (exactTimestampSql). */
  at: string;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const LISTING_TAG: Record<CursorListing, string> = { runs: 'r', decisions: 'd' };

export function encodeCursor(listing: CursorListing, position: PagePosition): string {
  return encodeTriple(LISTING_TAG[listing], position.at, position.id);
}

/** The position a cursor stands for; an AgentspanQueryError `<method>: invalid cursor` for anything else. */
export function decodeCursor(method: string, listing: CursorListing, cursor: unknown): PagePosition {
  const invalid = () => new AgentspanQueryError(`${method}: invalid cursor`);
  const [at, id] = decodeTriple(cursor, LISTING_TAG[listing], invalid);
  if (!isExactTimestamp(at)) throw invalid();
  if (typeof id !== 'string' || !UUID.test(id)) throw invalid();
  return { at, id };
}

/**
 * Restricts `where` to rows after `position` in (timestamp desc, id desc) order. Written as `t <= at AND (t < at OR
 * id < last)` rather than a row comparison so `t <= at` alone can bound an index scan on the timestamp.
 */
export function addRowsAfter(where: SqlConditions, timeColumn: string, idColumn: string, position: PagePosition): void {
  const at = `${where.param(position.at)}::timestamptz`;
  const id = `${where.param(position.id)}::uuid`;
  where.add(`${timeColumn} <= ${at} AND (${timeColumn} < ${at} OR ${idColumn} < ${id})`);
}

/**
 * Splits the rows of a query that asked for `limit + 1` rows into the page and the cursor of the next page: the
 * extra row only says that there is one. Rows carry their position as `cursorAt` and `cursorId`.
 */
export function splitPage<Row extends { cursorAt: unknown; cursorId: unknown }>(
  listing: CursorListing,
  rows: Row[],
  limit: number,
): { rows: Row[]; nextCursor: string | null } {
  if (rows.length <= limit) return { rows, nextCursor: null };
  const page = rows.slice(0, limit);
  const last = page[page.length - 1]!;
  return { rows: page, nextCursor: encodeCursor(listing, { at: String(last.cursorAt), id: String(last.cursorId) }) };
}
