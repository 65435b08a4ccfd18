import { offsetCursor, offsetOf, pageFrom } from '../../src/mcp/offset-cursor';
import { ToolArgumentError } from '../../src/mcp/tool-errors';

/** Cursors of the pages the server cuts itself: an offset, bound to the query it pages. */

const QUERY = ['run_stats', { groupBy: 'agent', since: '24h' }];

it('pages through a list: each item once, then no cursor', () => {
  const items = ['a', 'b', 'c', 'd', 'e'];
  const seen: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = pageFrom(items, offsetOf(cursor, QUERY), 2, QUERY);
    seen.push(...page.items);
    if (page.nextCursor === null) break;
    cursor = page.nextCursor;
  }
  expect(seen).toEqual(items);
  expect(pageFrom(items, 0, 5, QUERY).nextCursor).toBeNull();
  expect(pageFrom([], 0, 5, QUERY)).toEqual({ items: [], nextCursor: null });
});

it('takes the same arguments in another order, and refuses a cursor of other arguments', () => {
  const cursor = offsetCursor(QUERY, 3);
  expect(offsetOf(cursor, ['run_stats', { since: '24h', groupBy: 'agent' }])).toBe(3);
  expect(offsetOf(cursor, ['run_stats', { groupBy: 'agent', since: '24h', agent: undefined }])).toBe(3);
  expect(() => offsetOf(cursor, ['run_stats', { groupBy: 'user', since: '24h' }])).toThrow(ToolArgumentError);
  expect(() => offsetOf(cursor, ['cost_breakdown', { groupBy: 'agent', since: '24h' }])).toThrow(/invalid cursor/);
});

it('refuses anything that is not one of its cursors', () => {
  const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const digest = JSON.parse(Buffer.from(offsetCursor(QUERY, 0), 'base64url').toString())[1];
  for (const cursor of [
    'nonsense!',
    'x'.repeat(101),
    forged({ offset: 1 }),
    forged(['o', digest, -1]),
    forged(['o', digest, 1.5]),
    forged(['o', digest, '2']),
    forged(['r', digest, 2]),
  ]) {
    expect(() => offsetOf(cursor, QUERY)).toThrow('invalid cursor: pass the nextCursor of the previous answer');
  }
  expect(offsetOf(forged(['o', digest, 2]), QUERY)).toBe(2);
  expect(offsetOf(undefined, QUERY)).toBe(0);
});
