export { BatchPipeline } from './batch-pipeline';
export { BoundedQueue, type BoundedQueueOptions, type TakenBatch } from './bounded-queue';
export { backoffDelayMs, backoffCeilingMs, type BackoffPolicy } from './backoff';
export { estimateSize } from './size-estimate';
export { PIPELINE_DEFAULTS } from './options';
export {
  DROP_REASONS,
  type BatchPipelineOptions,
  type DropCounts,
  type DropReason,
  type FlushResult,
  type Jitter,
  type PipelineStats,
  type RejectedRecord,
  type RetryOptions,
  type WriteResult,
} from './types';
export {
  CircuitBreaker,
  type BreakerPermit,
  type BreakerSnapshot,
  type BreakerState,
  type CircuitBreakerOptions,
} from './circuit-breaker';
export { BREAKER_DEFAULTS } from './options';
export type { SpillResult, SpillSink } from './types';
