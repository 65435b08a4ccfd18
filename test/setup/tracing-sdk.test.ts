import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { InstrumentationBase } from '@opentelemetry/instrumentation';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startTracingSdk, type TracingSdk } from '../../src/setup/tracing-sdk';

/**
 * The tracing startAgentTelemetry registers in place of NodeSDK: what an application configured through NodeSDK's
 * OTEL_ variables and options keeps (resource, propagators, sampler, instrumentations, OTEL_SDK_DISABLED).
 */
const VARIABLES = ['OTEL_RESOURCE_ATTRIBUTES', 'OTEL_PROPAGATORS', 'OTEL_TRACES_SAMPLER', 'OTEL_SDK_DISABLED'];
let exporter: InMemorySpanExporter;
let sdk: TracingSdk | undefined;

beforeEach(() => {
  exporter = new InMemorySpanExporter();
});

afterEach(async () => {
  await sdk?.shutdown();
  sdk = undefined;
  for (const name of VARIABLES) delete process.env[name];
  trace.disable();
  context.disable();
  propagation.disable();
});

function start(options: { serviceName?: string; instrumentations?: InstrumentationBase[] } = {}): void {
  sdk = startTracingSdk({ spanProcessors: [new SimpleSpanProcessor(exporter)], ...options });
}

/** What the registered propagators write for a span with baggage. */
function injected(): Record<string, string> {
  const span = trace.getTracer('test').startSpan('outgoing');
  const carrier: Record<string, string> = {};
  const withBaggage = propagation.setBaggage(
    trace.setSpan(ROOT_CONTEXT, span),
    propagation.createBaggage({ tenant: { value: 'acme' } }),
  );
  propagation.inject(withBaggage, carrier);
  span.end();
  return carrier;
}

/** A span ended and exported (the host detector's attributes are asynchronous, so export waits for them). */
async function oneSpan() {
  trace.getTracer('test').startSpan('work').end();
  await sdk!.forceFlush();
  return exporter.getFinishedSpans();
}

it('describes the service: OTEL_RESOURCE_ATTRIBUTES, the process and host detectors, then serviceName', async () => {
  process.env.OTEL_RESOURCE_ATTRIBUTES = 'deployment.environment=staging,service.name=from-env';
  start({ serviceName: 'checkout-agent' });
  const [span] = await oneSpan();
  const attributes = span!.resource.attributes;
  expect(attributes['service.name']).toBe('checkout-agent');
  expect(attributes['deployment.environment']).toBe('staging');
  expect(attributes['process.pid']).toBe(process.pid);
  expect(typeof attributes['host.name']).toBe('string');
  expect(attributes['telemetry.sdk.language']).toBe('nodejs');
});

it('keeps the service name of OTEL_RESOURCE_ATTRIBUTES when no serviceName is given', async () => {
  process.env.OTEL_RESOURCE_ATTRIBUTES = 'service.name=from-env';
  start();
  expect((await oneSpan())[0]!.resource.attributes['service.name']).toBe('from-env');
});

it('propagates W3C trace context and baggage by default', () => {
  start();
  const carrier = injected();
  expect(carrier.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  expect(carrier.baggage).toBe('tenant=acme');
});

it('sets no propagator for OTEL_PROPAGATORS=none', () => {
  process.env.OTEL_PROPAGATORS = 'none';
  start();
  expect(injected()).toEqual({});
});

it('propagates only trace context for OTEL_PROPAGATORS=tracecontext', () => {
  process.env.OTEL_PROPAGATORS = 'tracecontext';
  start();
  expect(Object.keys(injected())).toEqual(['traceparent']);
});

it('samples as OTEL_TRACES_SAMPLER says', async () => {
  process.env.OTEL_TRACES_SAMPLER = 'always_off';
  start();
  expect(await oneSpan()).toEqual([]);
});

it('registers nothing when OTEL_SDK_DISABLED is true', async () => {
  process.env.OTEL_SDK_DISABLED = 'true';
  start();
  expect(await oneSpan()).toEqual([]);
  expect(trace.getTracer('test').startSpan('x').isRecording()).toBe(false);
});

it('enables the instrumentations it is given, with the provider it registers', async () => {
  class CountingInstrumentation extends InstrumentationBase {
    enabled = 0;
    constructor() {
      super('counting-instrumentation', '1.0.0', { enabled: false });
    }
    protected init() {
      return [];
    }
    override enable(): void {
      this.enabled += 1;
    }
    override disable(): void {}
    spanFromItsTracer(): void {
      this.tracer.startSpan('instrumented').end();
    }
  }
  const instrumentation = new CountingInstrumentation();
  start({ instrumentations: [instrumentation] });
  expect(instrumentation.enabled).toBe(1);
  instrumentation.spanFromItsTracer();
  await sdk!.forceFlush();
  expect(exporter.getFinishedSpans().map((span) => span.instrumentationScope.name)).toEqual([
    'counting-instrumentation',
  ]);
});
