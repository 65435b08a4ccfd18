export * from './instrument';

// Setup: one call that registers the OpenTelemetry SDK, the processor and (optionally) OTLP export.
export { startAgentTelemetry, type AgentTelemetry } from './setup/start-agent-telemetry';
export type { AgentTelemetryOptions, OtlpOptions } from './setup/options';
export type { RollupOptions } from './setup/rollup-job';
export type { Runs } from './setup/lazy-runs';

// The span processor, for applications that run their own NodeSDK.
export { AgentSpanProcessor } from './processor/agent-span-processor';
export { ScrubbingSpanExporter } from './export/scrubbing-span-exporter';
export type {
  AgentSpanProcessorHealth,
  AgentSpanProcessorOptions,
  AgentSpanProcessorStats,
  QueueOptions,
  StaleRunOptions,
} from './processor/types';
export type { DropCounts, DropReason, FlushResult } from './pipeline/types';
export type { BreakerState, CircuitBreakerOptions } from './pipeline/circuit-breaker';
export type { FsyncPolicy, SpillOptions } from './pipeline/spill/types';

// The store.
export { createAgentspanDataSource, agentspanDataSourceOptions, type AgentspanDataSourceOptions } from './store/data-source';
export { createEmbeddedDataSource, type EmbeddedDataSource, type EmbeddedDataSourceOptions } from './store/embedded';
export { runMigrations, revertAllMigrations } from './store/migrate';
export { abandonStaleRuns, ABANDONED_ERROR_TYPE, type AbandonStaleRunsOptions } from './store/stale-runs';
export { pruneRuns, type PruneRunsOptions, type PruneResult } from './store/prune-runs';
export {
  refreshHourlyRollups,
  rollupWatermark,
  type RefreshRollupsOptions,
  type RefreshRollupsResult,
} from './store/hourly-rollups';
export { agentspanEntities } from './store/entities';
export {
  AgentExecution,
  AgentPerformance,
  AgentDecision,
  AgentEvent,
  AgentMetricsHourly,
  AgentspanRollupState,
  ModelPrice,
} from './store/entities';
export type * from './store/records';

// Queries.
export * from './query';
