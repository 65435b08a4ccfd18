/**
 * Resolves on a later turn of the event loop, after pending I/O callbacks have run. Long stretches of background
 * work (mapping or encoding thousands of spans) await it between slices, so a database reply that arrives meanwhile
 * is answered within a slice's time, not after the whole stretch: the database is not left waiting on Node.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Spans mapped or encoded between two turns: about a millisecond of work. */
export const SPANS_PER_SLICE = 256;
