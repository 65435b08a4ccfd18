import { pageWithin } from '../../src/mcp/bounded-page';
import { pageFrom } from '../../src/mcp/offset-cursor';

/** Pages held to a budget of JSON characters, so that a page of long items still fits a model's context. */

/** A listing of `count` items of `size` characters whose cursor names the last item returned. */
function listing(count: number, size: number) {
  const items = Array.from({ length: count }, (_, index) => `${index}`.padEnd(size, '.'));
  const reads: number[] = [];
  const read = async (limit: number) => {
    reads.push(limit);
    const page = items.slice(0, limit);
    return { items: page, nextCursor: page.length < items.length ? `after ${page.length - 1}` : null };
  };
  return { read, reads };
}

it('takes the page as read when it fits', async () => {
  const { read, reads } = listing(5, 10);
  expect(await pageWithin(3, read, 1_000)).toEqual({ items: expect.any(Array), nextCursor: 'after 2' });
  expect(reads).toEqual([3]);
});

it('asks again for as many items as fit, so the cursor follows the last item shown', async () => {
  const { read, reads } = listing(10, 100); // 103 characters of JSON each, with the comma
  const page = await pageWithin(10, read, 350);
  expect(page.items).toHaveLength(3);
  expect(page.nextCursor).toBe('after 2');
  expect(reads).toEqual([10, 3]);
});

it('keeps one item however long it is', async () => {
  const { read } = listing(2, 100_000);
  expect((await pageWithin(2, read, 1_000)).items).toHaveLength(1);
});

it('holds an offset page to the budget too, its cursor after the last item kept', () => {
  const items = Array.from({ length: 10 }, () => 'x'.repeat(100));
  const page = pageFrom(items, 0, 10, ['q'], 350);
  expect(page.items).toHaveLength(3);
  expect(pageFrom(items, 3, 10, ['q'], 350).items).toHaveLength(3);
  expect(page.nextCursor).not.toBeNull();
});
