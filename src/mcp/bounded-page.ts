import { countWithin } from './result-limits';

/** Characters of JSON one page of a listing may take, about 12,000 tokens: it always holds at least one item. */
export const MAX_PAGE_LENGTH = 50_000;

export interface Page<Item> {
  readonly items: Item[];
  readonly nextCursor: string | null;
}

/**
 * A page of a repository listing (keyset cursors) held to `maxLength` characters of JSON. A cursor can only follow
 * the last item a listing returned, so when the page asked for is too long, the listing is asked again for as many
 * items as fit: its cursor then goes on right after the last item shown, and paging skips nothing.
 */
export async function pageWithin<Item>(
  limit: number,
  read: (limit: number) => Promise<Page<Item>>,
  maxLength = MAX_PAGE_LENGTH,
): Promise<Page<Item>> {
  const page = await read(limit);
  const fits = countWithin(page.items, maxLength);
  return fits < page.items.length ? read(fits) : page;
}
