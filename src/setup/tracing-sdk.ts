import { context, diag, propagation, trace, type TextMapPropagator } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  getBooleanFromEnv,
  getStringListFromEnv,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { registerInstrumentations, type Instrumentation } from '@opentelemetry/instrumentation';
import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  processDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import { BasicTracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '../semconv/resource-attributes';

/** Instrumentations as OpenTelemetry's registerInstrumentations takes them (one, or a list of them). */
export type InstrumentationOption = Instrumentation | Instrumentation[];

export interface TracingSdkOptions {
  serviceName?: string;
  spanProcessors: SpanProcessor[];
  instrumentations?: InstrumentationOption[];
}

export interface TracingSdk {
  /** Flushes the span processors (the provider's forceFlush). */
  forceFlush(): Promise<void>;
  /** Flushes and shuts the span processors down (the provider's shutdown). */
  shutdown(): Promise<void>;
}

/**
 * Traces only, wired the way NodeSDK wires them, from the packages tracing needs: NodeSDK depends on every exporter
 * of every signal (gRPC, protobuf, Zipkin, Prometheus…), and each of those packages adds its own peer warning for an
 * application on a newer @opentelemetry/api. What it keeps of NodeSDK's behaviour:
 * - `OTEL_SDK_DISABLED=true` registers nothing;
 * - the resource: the SDK's defaults, then the env (OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME), process and host
 *   detectors, then `serviceName`;
 * - context in AsyncLocalStorage; propagators from OTEL_PROPAGATORS (`tracecontext`, `baggage`, `none`; default the
 *   first two); the sampler and span limits from the OTEL_ variables BasicTracerProvider reads itself;
 * - the instrumentations registered before the provider, as NodeSDK does.
 */
export function startTracingSdk(options: TracingSdkOptions): TracingSdk {
  if (getBooleanFromEnv('OTEL_SDK_DISABLED')) {
    diag.info('agentspan: OTEL_SDK_DISABLED is set; no tracer provider registered');
    return { forceFlush: async () => {}, shutdown: async () => {} };
  }
  registerInstrumentations({ instrumentations: options.instrumentations ?? [] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const propagator = propagatorFromEnv();
  if (propagator) propagation.setGlobalPropagator(propagator);

  let resource = defaultResource().merge(detectResources({ detectors: [envDetector, processDetector, hostDetector] }));
  if (options.serviceName !== undefined) {
    resource = resource.merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName }));
  }
  const provider = new BasicTracerProvider({ resource, spanProcessors: options.spanProcessors });
  trace.setGlobalTracerProvider(provider);
  return { forceFlush: () => provider.forceFlush(), shutdown: () => provider.shutdown() };
}

const PROPAGATORS: Record<string, () => TextMapPropagator> = {
  tracecontext: () => new W3CTraceContextPropagator(),
  baggage: () => new W3CBaggagePropagator(),
};

/** OTEL_PROPAGATORS as the SDK reads it; undefined for `none` (no propagator is set). */
function propagatorFromEnv(): TextMapPropagator | undefined {
  const names = [...new Set(getStringListFromEnv('OTEL_PROPAGATORS') ?? ['tracecontext', 'baggage'])];
  if (names.includes('none')) return undefined;
  const propagators = names.flatMap((name) => {
    const make = PROPAGATORS[name];
    if (make === undefined) {
      diag.warn(`agentspan: OTEL_PROPAGATORS names "${name}", which agentspan does not set up (tracecontext, baggage)`);
      return [];
    }
    return [make()];
  });
  return new CompositePropagator({ propagators });
}
