import { BoundedQueue } from '../../src/pipeline/bounded-queue';
import { ids, range, rec, sizeOfRec, type Rec } from './support';

const queueOf = (maxItems: number, maxBytes = 1_000_000) =>
  new BoundedQueue<Rec>({ maxItems, maxBytes, sizeOf: sizeOfRec });

describe('BoundedQueue', () => {
  it('is FIFO and tracks depth and bytes', () => {
    const queue = queueOf(10);
    for (const id of range(0, 5)) expect(queue.push(rec(id, 7))).toHaveLength(0);
    expect(queue.depth).toBe(5);
    expect(queue.bytes).toBe(35);
    const batch = queue.takeBatch(3);
    expect(ids(batch.items)).toEqual([0, 1, 2]);
    expect(batch).toMatchObject({ count: 3, bytes: 21, firstSequence: 0 });
    expect(queue.depth).toBe(2);
    expect(queue.bytes).toBe(14);
  });

  it('evicts the oldest items, returned oldest first, when a push exceeds maxItems', () => {
    const queue = queueOf(3);
    range(0, 3).forEach((id) => queue.push(rec(id)));
    expect(ids(queue.push(rec(3)))).toEqual([0]);
    expect(ids(queue.push(rec(4)))).toEqual([1]);
    expect(queue.evicted).toBe(2);
    expect(ids(queue.takeAll())).toEqual([2, 3, 4]);
  });

  it('evicts as many oldest items as it takes when a push exceeds maxBytes', () => {
    const queue = queueOf(100, 100);
    queue.push(rec(0, 40));
    queue.push(rec(1, 30));
    queue.push(rec(2, 20));
    expect(ids(queue.push(rec(3, 75)))).toEqual([0, 1]);
    expect(queue.bytes).toBe(95);
    expect(ids(queue.takeAll())).toEqual([2, 3]);
  });

  it('refuses, without touching the queue, an item larger than maxBytes on its own', () => {
    const queue = queueOf(100, 100);
    queue.push(rec(0, 60));
    expect(() => queue.push(rec(1, 101))).toThrow(RangeError);
    expect(queue.depth).toBe(1);
    expect(queue.bytes).toBe(60);
  });

  it.each([Number.NaN, -1, Number.POSITIVE_INFINITY, '12' as unknown as number, undefined as unknown as number])(
    'refuses an item whose size is %p, without touching the queue',
    (size) => {
      const queue = queueOf(10);
      queue.push(rec(0));
      expect(() => queue.push({ id: 1, size })).toThrow(RangeError);
      expect(queue.depth).toBe(1);
      expect(queue.nextSequence).toBe(1);
    },
  );

  it('lets whatever sizeOf throws propagate, without touching the queue', () => {
    const queue = new BoundedQueue<Rec>({
      maxItems: 10,
      maxBytes: 100,
      sizeOf: () => {
        throw new Error('boom');
      },
    });
    expect(() => queue.push(rec(0))).toThrow('boom');
    expect(queue.depth).toBe(0);
  });

  it('rounds fractional sizes up so the byte total stays exact', () => {
    const queue = queueOf(10, 1_000);
    for (const id of range(0, 10)) queue.push(rec(id, 0.1));
    expect(queue.bytes).toBe(10);
    queue.takeAll();
    expect(queue.bytes).toBe(0);
  });

  it('takeBatch stops before exceeding maxBytes but always takes at least one item', () => {
    const queue = queueOf(10, 1_000);
    [50, 30, 30, 10].forEach((size, id) => queue.push(rec(id, size)));
    expect(ids(queue.takeBatch(10, 20).items)).toEqual([0]);
    expect(ids(queue.takeBatch(10, 60).items)).toEqual([1, 2]);
  });

  it('counts taken batches against the bounds until released', () => {
    const queue = queueOf(5, 1_000);
    range(0, 5).forEach((id) => queue.push(rec(id)));
    const batch = queue.takeBatch(3);
    expect(queue.outstandingItems).toBe(3);
    expect(queue.outstandingBytes).toBe(30);
    // Only 2 places remain for queued items while the batch is out: pushing 2 more evicts 3 and 4.
    expect(ids(queue.push(rec(5)))).toEqual([3]);
    expect(ids(queue.push(rec(6)))).toEqual([4]);
    expect(queue.release(batch)).toBe(true);
    expect(queue.release(batch)).toBe(false);
    expect(queue.outstandingItems).toBe(0);
    expect(queue.push(rec(7))).toHaveLength(0);
    expect(ids(queue.takeAll())).toEqual([5, 6, 7]);
  });

  it('refuses the newcomer instead of evicting when outstanding batches alone leave no room', () => {
    const queue = queueOf(3, 100);
    range(0, 3).forEach((id) => queue.push(rec(id)));
    queue.takeBatch(3);
    const newcomer = rec(3);
    expect(queue.push(newcomer)).toEqual([newcomer]);
    expect(queue.depth).toBe(0);
    expect(queue.nextSequence).toBe(3);

    const bytesQueue = queueOf(10, 100);
    bytesQueue.push(rec(0, 80));
    bytesQueue.push(rec(1, 10));
    bytesQueue.takeBatch(1);
    // 80 bytes out, 10 queued: a 30-byte item cannot fit even with the queue emptied, so nothing is evicted.
    expect(ids(bytesQueue.push(rec(2, 30)))).toEqual([2]);
    expect(ids(bytesQueue.takeAll())).toEqual([1]);
  });

  it('numbers items in admission order: the queue holds [headSequence, nextSequence)', () => {
    const queue = queueOf(4);
    range(0, 6).forEach((id) => queue.push(rec(id)));
    expect(queue.headSequence).toBe(2);
    expect(queue.nextSequence).toBe(6);
    expect(queue.takeBatch(2).firstSequence).toBe(2);
    expect(queue.headSequence).toBe(4);
  });

  it('matches a simple array model over a long random sequence, wrapping and growing the ring', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const maxItems = 50;
    const maxBytes = 400;
    const queue = queueOf(maxItems, maxBytes);
    const model: Rec[] = [];
    let modelBytes = 0;
    const outstanding: Array<{ batch: ReturnType<typeof queue.takeBatch>; count: number; bytes: number }> = [];
    let held = 0;
    let heldBytes = 0;
    const mismatches: string[] = [];
    const check = (what: string, actual: unknown, expected: unknown) => {
      if (JSON.stringify(actual) !== JSON.stringify(expected))
        mismatches.push(`${what}: ${String(actual)} ≠ ${String(expected)}`);
    };
    let nextId = 0;
    let evictions = 0;

    for (let step = 0; step < 20_000 && mismatches.length === 0; step++) {
      const action = random();
      if (action < 0.7) {
        const item = rec(nextId++, 1 + Math.floor(random() * 20));
        const expected: Rec[] = [];
        if (held + 1 > maxItems || heldBytes + item.size > maxBytes) {
          expected.push(item);
        } else {
          while (model.length + held + 1 > maxItems || modelBytes + heldBytes + item.size > maxBytes) {
            const oldest = model.shift()!;
            modelBytes -= oldest.size;
            expected.push(oldest);
          }
          model.push(item);
          modelBytes += item.size;
        }
        evictions += expected.length;
        check(`push ${step}`, ids(queue.push(item)), ids(expected));
      } else if (action < 0.85) {
        const want = 1 + Math.floor(random() * 10);
        const batch = queue.takeBatch(want);
        const expected = model.splice(0, want);
        const bytes = expected.reduce((a, r) => a + r.size, 0);
        modelBytes -= bytes;
        held += expected.length;
        heldBytes += bytes;
        check(`take ${step}`, ids(batch.items), ids(expected));
        outstanding.push({ batch, count: expected.length, bytes });
      } else if (outstanding.length > 0) {
        const first = outstanding.shift()!;
        held -= first.count;
        heldBytes -= first.bytes;
        check(`release ${step}`, queue.release(first.batch), true);
      }
      check(`depth ${step}`, queue.depth, model.length);
      check(`bytes ${step}`, queue.bytes, modelBytes);
      check(`outstanding ${step}`, [queue.outstandingItems, queue.outstandingBytes], [held, heldBytes]);
    }
    expect(mismatches).toEqual([]);
    expect(evictions).toBeGreaterThan(1_000); // the sequence really exercised eviction
    expect(queue.evicted).toBe(evictions);
    expect(ids(queue.takeAll())).toEqual(ids(model));
  });

  it('pushes and evicts in O(1): no Array shift or splice, however full the queue', () => {
    const queue = new BoundedQueue<number>({ maxItems: 10_000, maxBytes: 1e12, sizeOf: () => 1 });
    const shift = jest.spyOn(Array.prototype, 'shift');
    const splice = jest.spyOn(Array.prototype, 'splice');
    try {
      for (let i = 0; i < 50_000; i++) queue.push(i);
      queue.takeBatch(100);
      expect(shift).not.toHaveBeenCalled();
      expect(splice).not.toHaveBeenCalled();
    } finally {
      shift.mockRestore();
      splice.mockRestore();
    }
    expect(queue.depth).toBe(9_900);
    expect(queue.takeBatch(1).items).toEqual([40_100]);
  });

  it('rejects impossible bounds', () => {
    expect(() => queueOf(0)).toThrow(TypeError);
    expect(() => queueOf(1.5)).toThrow(/maxItems/);
    expect(() => queueOf(10, 0)).toThrow(/maxBytes/);
    expect(() => new BoundedQueue<Rec>({ maxItems: 1, maxBytes: 1, sizeOf: undefined as never })).toThrow(/sizeOf/);
  });
});
