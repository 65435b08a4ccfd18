export * from './instrument';

// Setup: one call that registers the OpenTelemetry SDK, the processor and (optionally) OTLP export.
export { startAgentTelemetry, type AgentTelemetry } from './setup/start-agent-telemetry';
export type { AgentTelemetryOptions, OtlpOptions } from './setup/options';
export type { RollupOptions } from './rollups/rollup-job';
export type { Runs } from './setup/lazy-runs';

// The span processor, for applications that run their own NodeSDK.
export { AgentSpanProcessor } from './export/agent-span-processor';
export { ScrubbingSpanExporter } from './export/scrubbing-span-exporter';
export type {
  AgentSpanProcessorHealth,
  AgentSpanProcessorOptions,
  AgentSpanProcessorStats,
  QueueOptions,
  StaleRunOptions,
} from './export/types';
export type { RecordExporter } from './export/record-exporter';
export type { DropCounts, DropReason, FlushResult, WriteResult } from './pipeline/types';
export type { BreakerState, CircuitBreakerOptions } from './pipeline/circuit-breaker';
export type { FsyncPolicy, SpillOptions } from './pipeline/spill/types';

// The store.
export {
  createAgentspanDataSource,
  agentspanDataSourceOptions,
  type AgentspanDataSourceOptions,
} from './store/connection/data-source';
export {
  createEmbeddedDataSource,
  type EmbeddedDataSource,
  type EmbeddedDataSourceOptions,
} from './store/connection/embedded';
export { runMigrations, revertAllMigrations } from './store/connection/migrate';
export { abandonStaleRuns, ABANDONED_ERROR_TYPE, type AbandonStaleRunsOptions } from './store/maintenance/stale-runs';
export { pruneRuns, type PruneRunsOptions, type PruneResult } from './store/maintenance/prune-runs';
export {
  refreshHourlyRollups,
  rollupWatermark,
  type RefreshRollupsOptions,
  type RefreshRollupsResult,
} from './rollups/hourly-rollups';
export { agentspanEntities } from './store/schema/entities';
export {
  AgentExecution,
  AgentPerformance,
  AgentDecision,
  AgentEvent,
  AgentMetricsHourly,
  AgentspanRollupState,
  ModelPrice,
} from './store/schema/entities';
export type * from './model/records';

// Queries.
export * from './query';
