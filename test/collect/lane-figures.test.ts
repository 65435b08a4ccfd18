import { combinedHealth, combinedStats } from '../../src/collect/lane-figures';
import type { AgentSpanProcessorHealth, AgentSpanProcessorStats } from '../../src/export/types';
import type { DropCounts } from '../../src/pipeline/types';

/** The collector's figures from its workers': counts added up, the breaker open only when every worker's is. */
const drops = (queueFull: number): DropCounts => ({ queue_full: queueFull, write_failed: 1 }) as unknown as DropCounts;

function health(state: 'closed' | 'open' | 'half_open', depth: number, probe: string | null): AgentSpanProcessorHealth {
  return {
    queue: { depth, bytes: depth * 10, inFlight: 1, inFlightBytes: 10 },
    breaker: {
      state,
      consecutiveFailures: state === 'open' ? 3 : 0,
      opened: 1,
      nextProbeAt: probe === null ? null : new Date(probe),
    },
    lastError: state === 'open' ? 'connection refused' : null,
    spill: {
      enabled: true,
      directory: '/spill',
      bytes: 100,
      records: 5,
      files: 1,
      pending: 2,
      corruptRegions: 0,
      corruptBytes: 0,
    },
    counters: {
      recorded: 10,
      written: 7,
      retried: 1,
      spilled: 2,
      recovered: 0,
      dropped: drops(1),
      droppedTotal: 2,
      ignored: 3,
      abandonedRuns: 0,
    },
  };
}

it('adds up the queues and counters of the workers, and counts the shared spill directory once', () => {
  const combined = combinedHealth([health('closed', 4, null), health('closed', 6, null)]);
  expect(combined.queue).toEqual({ depth: 10, bytes: 100, inFlight: 2, inFlightBytes: 20 });
  expect(combined.counters).toMatchObject({ recorded: 20, written: 14, droppedTotal: 4, ignored: 6 });
  expect(combined.counters.dropped).toMatchObject({ queue_full: 2, write_failed: 2 });
  expect(combined.spill).toMatchObject({ files: 1, records: 5, pending: 4 });
  expect(combined.breaker.opened).toBe(2);
});

it('shows the breaker open only when every worker’s is, with the earliest probe', () => {
  const oneOpen = combinedHealth([health('closed', 0, null), health('open', 0, '2026-12-07T10:00:05Z')]);
  expect(oneOpen.breaker.state).toBe('closed');
  expect(oneOpen.lastError).toBe('connection refused');
  const halfOpen = combinedHealth([health('open', 0, '2026-12-07T10:00:05Z'), health('half_open', 0, null)]);
  expect(halfOpen.breaker.state).toBe('half_open');
  const allOpen = combinedHealth([
    health('open', 0, '2026-12-07T10:00:09Z'),
    health('open', 0, '2026-12-07T10:00:05Z'),
    health('open', 0, null),
  ]);
  expect(allOpen.breaker).toMatchObject({ state: 'open', consecutiveFailures: 3, opened: 3 });
  expect(allOpen.breaker.nextProbeAt?.toISOString()).toBe('2026-12-07T10:00:05.000Z');
});

it('adds up the processor stats of the workers', () => {
  const stats = (written: number, lastError: string | null): AgentSpanProcessorStats => ({
    recorded: written + 1,
    written,
    retried: 0,
    dropped: drops(0),
    droppedTotal: 1,
    queueDepth: 0,
    queueBytes: 0,
    inFlight: 0,
    spilled: 0,
    spillPending: 0,
    recovered: 0,
    ignored: 2,
    lastError,
  });
  expect(combinedStats([stats(5, null), stats(7, 'timeout')])).toMatchObject({
    recorded: 14,
    written: 12,
    droppedTotal: 2,
    ignored: 4,
    lastError: 'timeout',
    dropped: { write_failed: 2 },
  });
});
