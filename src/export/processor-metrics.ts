import {
  diag,
  metrics,
  type BatchObservableResult,
  type MeterProvider,
  type Observable,
  type ObservableCounter,
  type ObservableGauge,
} from '@opentelemetry/api';
import { DROP_REASONS } from '../pipeline/types';
import { TRACER_NAME } from '../semconv/tracer-name';
import { VERSION } from '../version';
import type { AgentSpanProcessorHealth } from './types';

/** The breaker's state as a number, for the `agentspan.breaker.state` gauge. */
export const BREAKER_STATE_VALUES = { closed: 0, half_open: 1, open: 2, disabled: -1 } as const;

/**
 * Publishes the processor's health as OpenTelemetry metrics on `provider` (default: the global MeterProvider, which
 * is a no-op until an SDK registers one): gauges for the queue, the breaker and the spill, monotonic counters for the
 * records. They are observed at collection time from one `health()` snapshot, so they agree with each other and cost
 * nothing between collections. Returns the function that stops publishing.
 */
export function publishHealthMetrics(health: () => AgentSpanProcessorHealth, provider?: MeterProvider): () => void {
  try {
    const meter = (provider ?? metrics.getMeterProvider()).getMeter(TRACER_NAME, VERSION);
    const gauge = (name: string, description: string, unit: string): ObservableGauge =>
      meter.createObservableGauge(name, { description, unit });
    const counter = (name: string, description: string, unit: string): ObservableCounter =>
      meter.createObservableCounter(name, { description, unit });

    const queueDepth = gauge('agentspan.queue.depth', 'Records waiting in the queue', '{record}');
    const queueBytes = gauge('agentspan.queue.bytes', 'Estimated bytes of the records waiting in the queue', 'By');
    const inFlight = gauge('agentspan.queue.in_flight', 'Records in batches being written or spilled', '{record}');
    const breakerState = gauge(
      'agentspan.breaker.state',
      'Circuit breaker: 0 closed, 1 half-open, 2 open, -1 disabled',
      '1',
    );
    const spillBytes = gauge('agentspan.spill.bytes', 'Bytes of spill files in the spill directory', 'By');
    const spillRecords = gauge('agentspan.spill.records', 'Records in the spill files', '{record}');
    const spillFiles = gauge('agentspan.spill.files', 'Spill files in the spill directory', '{file}');
    const recorded = counter('agentspan.records.recorded', 'Spans and agent starts queued for writing', '{record}');
    const written = counter('agentspan.records.written', 'Records written to the database', '{record}');
    const spilled = counter('agentspan.records.spilled', 'Records put in the spill', '{record}');
    const recovered = counter(
      'agentspan.records.recovered',
      "Records of earlier processes' spill files written",
      '{record}',
    );
    const dropped = counter('agentspan.records.dropped', 'Records not written, by reason', '{record}');
    const retried = counter(
      'agentspan.writes.retried',
      'Write attempts that failed transiently and were retried',
      '{attempt}',
    );
    const observables: Observable[] = [
      queueDepth,
      queueBytes,
      inFlight,
      breakerState,
      spillBytes,
      spillRecords,
      spillFiles,
      recorded,
      written,
      spilled,
      recovered,
      dropped,
      retried,
    ];

    const callback = (result: BatchObservableResult): void => {
      try {
        const h = health();
        result.observe(queueDepth, h.queue.depth);
        result.observe(queueBytes, h.queue.bytes);
        result.observe(inFlight, h.queue.inFlight);
        result.observe(breakerState, BREAKER_STATE_VALUES[h.breaker.state]);
        result.observe(spillBytes, h.spill.bytes);
        result.observe(spillRecords, h.spill.records);
        result.observe(spillFiles, h.spill.files);
        result.observe(recorded, h.counters.recorded);
        result.observe(written, h.counters.written);
        result.observe(spilled, h.counters.spilled);
        result.observe(recovered, h.counters.recovered);
        result.observe(retried, h.counters.retried);
        for (const reason of DROP_REASONS) result.observe(dropped, h.counters.dropped[reason], { reason });
      } catch (error) {
        diag.debug(`agentspan: observing health metrics failed: ${String(error)}`);
      }
    };
    meter.addBatchObservableCallback(callback, observables);
    return () => {
      try {
        meter.removeBatchObservableCallback(callback, observables);
      } catch {
        // The provider may already be shut down.
      }
    };
  } catch (error) {
    diag.warn(`agentspan: cannot publish health metrics: ${String(error)}`);
    return () => undefined;
  }
}
