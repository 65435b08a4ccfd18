import type { MeterProvider } from '@opentelemetry/api';
import { resolveBreakerOptions, checkedMilliseconds, describe } from '../pipeline/options';
import type { ResolvedBreakerOptions } from '../pipeline/circuit-breaker';
import { resolveSpillOptions } from '../pipeline/spill/options';
import type { ResolvedSpillOptions } from '../pipeline/spill/types';
import type { AgentSpanProcessorOptions, StaleRunOptions } from './types';

export const STALE_RUN_DEFAULTS = {
  abandonAfterMs: 3_600_000,
  checkIntervalMs: 60_000,
} as const satisfies Required<StaleRunOptions>;

export interface ResolvedReliabilityOptions {
  readonly breaker: ResolvedBreakerOptions | undefined;
  readonly spill: ResolvedSpillOptions | undefined;
  readonly staleRuns: Required<StaleRunOptions> | undefined;
  readonly meterProvider: MeterProvider | undefined;
}

/**
 * Checks the processor's reliability options (breaker, spill, staleRuns, meterProvider) and applies their defaults.
 * Pure: it runs before the processor starts anything, so a mistake costs nothing but the TypeError naming it.
 */
export function resolveReliabilityOptions(options: AgentSpanProcessorOptions): ResolvedReliabilityOptions {
  const breaker = options.breaker === false ? undefined : resolveBreakerOptions(options.breaker ?? {}, 'option breaker');
  const spill = resolveSpillOptions(options.spill, 'option spill');
  const staleRuns = resolveStaleRuns(options.staleRuns);
  return { breaker, spill, staleRuns, meterProvider: resolveMeterProvider(options.meterProvider) };
}

function resolveStaleRuns(staleRuns: StaleRunOptions | false | undefined): Required<StaleRunOptions> | undefined {
  if (staleRuns === false) return undefined;
  if (staleRuns !== undefined && (staleRuns === null || typeof staleRuns !== 'object' || Array.isArray(staleRuns))) {
    throw new TypeError(`agentspan: option staleRuns must be an object or false, got ${describe(staleRuns)}`);
  }
  return {
    abandonAfterMs: checkedMilliseconds(
      'option staleRuns.abandonAfterMs',
      staleRuns?.abandonAfterMs,
      STALE_RUN_DEFAULTS.abandonAfterMs,
      1,
    ),
    checkIntervalMs: checkedMilliseconds(
      'option staleRuns.checkIntervalMs',
      staleRuns?.checkIntervalMs,
      STALE_RUN_DEFAULTS.checkIntervalMs,
      1,
    ),
  };
}

function resolveMeterProvider(provider: unknown): MeterProvider | undefined {
  if (provider === undefined) return undefined;
  if (provider === null || typeof (provider as MeterProvider).getMeter !== 'function') {
    throw new TypeError(`agentspan: option meterProvider must be an OpenTelemetry MeterProvider, got ${describe(provider)}`);
  }
  return provider as MeterProvider;
}
