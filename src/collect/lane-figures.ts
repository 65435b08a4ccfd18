import type { AgentSpanProcessorHealth, AgentSpanProcessorStats, BreakerState, DropCounts } from '../export/types';
import type { LaneState } from './intake-messages';

/** The collector's figures from those of its workers' write paths: counts added up (see combinedHealth for the breaker). */
export function combinedStats(all: readonly AgentSpanProcessorStats[]): AgentSpanProcessorStats {
  const [first, ...rest] = all;
  const result: AgentSpanProcessorStats = { ...first!, dropped: { ...first!.dropped } };
  for (const stats of rest) {
    result.recorded += stats.recorded;
    result.written += stats.written;
    result.retried += stats.retried;
    addDrops(result.dropped, stats.dropped);
    result.droppedTotal += stats.droppedTotal;
    result.queueDepth += stats.queueDepth;
    result.queueBytes += stats.queueBytes;
    result.inFlight += stats.inFlight;
    result.spilled += stats.spilled;
    result.spillPending += stats.spillPending;
    result.recovered += stats.recovered;
    result.ignored += stats.ignored;
    result.lastError ??= stats.lastError;
  }
  return result;
}

const BREAKER_ORDER: ReadonlyArray<BreakerState | 'disabled'> = ['disabled', 'closed', 'half_open', 'open'];

/**
 * Open only when every worker's breaker is (none can take spans: the collector answers 503), else the worst of the
 * others: a worker that has not written since the database went away does not know it yet.
 */
function combinedState(a: BreakerState | 'disabled', b: BreakerState | 'disabled'): BreakerState | 'disabled' {
  if (a === 'open' || b === 'open') return a === b ? 'open' : a === 'open' ? b : a;
  return BREAKER_ORDER.indexOf(a) >= BREAKER_ORDER.indexOf(b) ? a : b;
}

/**
 * The collector's health from its workers': the queues, breakers and spill of the workers running (`live`), the
 * counters of those and of the workers that stopped (`retired`) added up.
 */
export function combinedHealth(
  live: readonly AgentSpanProcessorHealth[],
  retired: readonly AgentSpanProcessorHealth[] = [],
): AgentSpanProcessorHealth {
  const shown = live.length > 0 ? live : retired;
  const [first, ...rest] = shown;
  const result: AgentSpanProcessorHealth = {
    queue: { ...first!.queue },
    breaker: { ...first!.breaker },
    lastError: first!.lastError,
    // The spill directory is one for all workers: its files are counted once; what each worker spilled is its own.
    spill: { ...first!.spill },
    counters: { ...first!.counters, dropped: { ...first!.counters.dropped } },
  };
  for (const health of rest) {
    for (const key of ['depth', 'bytes', 'inFlight', 'inFlightBytes'] as const) result.queue[key] += health.queue[key];
    const breaker = result.breaker;
    breaker.state = combinedState(breaker.state, health.breaker.state);
    breaker.consecutiveFailures = Math.max(breaker.consecutiveFailures, health.breaker.consecutiveFailures);
    breaker.opened += health.breaker.opened;
    breaker.nextProbeAt = earliest(breaker.nextProbeAt, health.breaker.nextProbeAt);
    result.lastError ??= health.lastError;
    result.spill.pending += health.spill.pending;
    addCounters(result.counters, health.counters);
  }
  if (shown !== retired) for (const health of retired) addCounters(result.counters, health.counters);
  return result;
}

/**
 * The last figures of a worker that stopped: what it held in its queue and in flight is lost, counted as dropped at
 * shutdown (its spill files stay for the next process).
 */
export function retiredState(state: LaneState): LaneState {
  const { stats, health } = state;
  const lost = stats.queueDepth + stats.inFlight;
  const withLost = (dropped: DropCounts): DropCounts => ({ ...dropped, shutdown: (dropped.shutdown ?? 0) + lost });
  return {
    admission: undefined,
    health: {
      ...health,
      queue: { depth: 0, bytes: 0, inFlight: 0, inFlightBytes: 0 },
      counters: {
        ...health.counters,
        dropped: withLost(health.counters.dropped),
        droppedTotal: health.counters.droppedTotal + lost,
      },
    },
    stats: {
      ...stats,
      queueDepth: 0,
      queueBytes: 0,
      inFlight: 0,
      dropped: withLost(stats.dropped),
      droppedTotal: stats.droppedTotal + lost,
    },
  };
}

type Counters = AgentSpanProcessorHealth['counters'];

function addCounters(into: Counters, from: Counters): void {
  for (const key of ['recorded', 'written', 'retried', 'spilled', 'recovered', 'droppedTotal', 'ignored'] as const) {
    into[key] += from[key];
  }
  into.abandonedRuns += from.abandonedRuns;
  addDrops(into.dropped, from.dropped);
}

function addDrops(into: DropCounts, from: DropCounts): void {
  for (const reason of Object.keys(from) as Array<keyof DropCounts>) into[reason] = (into[reason] ?? 0) + from[reason];
}

function earliest(a: Date | null, b: Date | null): Date | null {
  if (a === null) return b;
  if (b === null) return a;
  return a.getTime() <= b.getTime() ? a : b;
}
