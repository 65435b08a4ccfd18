import type { BreakerSnapshot } from '../pipeline/circuit-breaker';
import type { ReplayStats } from '../pipeline/spill/spill-replayer';
import type { DropCounts, PipelineStats } from '../pipeline/types';
import type { SpanSpill } from './span-spill';
import type { AgentSpanProcessorHealth, AgentSpanProcessorStats } from './types';

/** Where the processor's figures come from, read at the moment `stats()` or `health()` is asked. */
export interface HealthSources {
  readonly pipeline: PipelineStats;
  readonly replay: ReplayStats | undefined;
  /** Spans that were neither agentspan's nor GenAI spans. */
  readonly ignored: number;
  /** The most recent write failure, credentials masked. */
  readonly lastError: string | null;
}

const REPLAY_DROP_REASONS = ['rejected', 'write_failed', 'spill_corrupt'] as const;

/**
 * The processor's counters: the pipeline's, with what the replay of this processor's own spill wrote or dropped added
 * in, so `recorded === written + droppedTotal + queueDepth + inFlight + spillPending` holds.
 */
export function processorStats({ pipeline, replay, ignored, lastError }: HealthSources): AgentSpanProcessorStats {
  const dropped: DropCounts = { ...pipeline.dropped };
  let droppedTotal = pipeline.droppedTotal;
  if (replay !== undefined) {
    for (const reason of REPLAY_DROP_REASONS) {
      dropped[reason] += replay.ownDropped[reason];
      droppedTotal += replay.ownDropped[reason];
    }
  }
  return {
    recorded: pipeline.enqueued,
    written: pipeline.written + (replay?.ownWritten ?? 0),
    retried: pipeline.retried + (replay?.retried ?? 0),
    dropped,
    droppedTotal,
    queueDepth: pipeline.queueDepth,
    queueBytes: pipeline.queueBytes,
    inFlight: pipeline.inFlight,
    spilled: pipeline.spilled,
    spillPending: spillPending(pipeline, replay),
    recovered: replay?.recovered ?? 0,
    ignored,
    lastError,
  };
}

/** Records this processor spilled that were neither replayed nor counted as dropped yet. */
export function spillPending(pipeline: PipelineStats, replay: ReplayStats | undefined): number {
  if (replay === undefined) return 0;
  const { rejected, write_failed, spill_corrupt } = replay.ownDropped;
  return pipeline.spilled - replay.ownWritten - rejected - write_failed - spill_corrupt;
}

/** Queue, breaker, spill, last error and counters in one snapshot; processor-metrics.ts publishes the same figures. */
export function processorHealth(
  sources: HealthSources,
  breaker: BreakerSnapshot | undefined,
  spill: SpanSpill | undefined,
  abandonedRuns: number,
): AgentSpanProcessorHealth {
  const stats = processorStats(sources);
  const { pipeline, replay } = sources;
  const spillSize = spill?.size() ?? { bytes: 0, records: 0, files: 0 };
  return {
    queue: {
      depth: pipeline.queueDepth,
      bytes: pipeline.queueBytes,
      inFlight: pipeline.inFlight,
      inFlightBytes: pipeline.inFlightBytes,
    },
    breaker: {
      state: breaker?.state ?? 'disabled',
      consecutiveFailures: breaker?.consecutiveFailures ?? 0,
      opened: breaker?.opened ?? 0,
      nextProbeAt: breaker?.nextProbeAt == null ? null : new Date(breaker.nextProbeAt),
    },
    lastError: stats.lastError,
    spill: {
      enabled: spill !== undefined,
      directory: spill?.directory ?? null,
      ...spillSize,
      pending: stats.spillPending,
      corruptRegions: replay?.corruptRegions ?? 0,
      corruptBytes: replay?.corruptBytes ?? 0,
    },
    counters: {
      recorded: stats.recorded,
      written: stats.written,
      retried: stats.retried,
      spilled: stats.spilled,
      recovered: stats.recovered,
      dropped: stats.dropped,
      droppedTotal: stats.droppedTotal,
      ignored: stats.ignored,
      abandonedRuns,
    },
  };
}
