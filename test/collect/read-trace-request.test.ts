import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { MalformedRequestError, readJsonRequest } from '../../src/collect/otlp-json-request';
import { decodeTraceRequest } from '../../src/collect/otlp-protobuf-request';
import { readTraceRequest, REMOTE_AGENTSPAN_SCOPE } from '../../src/collect/read-trace-request';

/** Spans made by the OpenTelemetry SDK and encoded by the OTLP exporters' own serializers, read back. */
function recorded(resource: Record<string, string> = { 'service.name': 'planner', 'telemetry.sdk.language': 'go' }) {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(resource),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('opentelemetry.instrumentation.openai', '1.2.3');
  const agent = tracer.startSpan('invoke_agent planner', {
    kind: SpanKind.SERVER,
    attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'planner' },
  });
  const chat = tracer.startSpan(
    'chat gpt-4o',
    {
      kind: SpanKind.CLIENT,
      attributes: { 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 12, tags: ['a', 'b'] },
      links: [{ context: agent.spanContext(), attributes: { why: 'follows' } }],
    },
    trace.setSpan(context.active(), agent),
  );
  chat.addEvent('gen_ai.choice', { index: 0 });
  chat.setStatus({ code: SpanStatusCode.ERROR, message: 'rate limited' });
  chat.end();
  agent.end();
  return exporter.getFinishedSpans();
}

const viaProtobuf = (spans: ReadableSpan[]) =>
  decodeTraceRequest(Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!));
const viaJson = (spans: ReadableSpan[]) =>
  readJsonRequest(JSON.parse(Buffer.from(JsonTraceSerializer.serializeRequest(spans)!).toString('utf8')));

describe.each([
  ['protobuf', viaProtobuf],
  ['JSON', viaJson],
])('reading an OTLP/%s request', (_format, encode) => {
  it('gives back each span as the SDK ended it: ids, parent, kind, times to the nanosecond, status, attributes, events, links', () => {
    const spans = recorded();
    const read = readTraceRequest(encode(spans));
    expect(read.rejected).toBe(0);
    expect(read.spans).toHaveLength(2);
    for (const [index, original] of spans.entries()) {
      const span = read.spans[index]!;
      expect(span.name).toBe(original.name);
      expect(span.kind).toBe(original.kind);
      expect(span.spanContext()).toMatchObject({
        traceId: original.spanContext().traceId,
        spanId: original.spanContext().spanId,
      });
      expect(span.parentSpanContext?.spanId).toBe(original.parentSpanContext?.spanId);
      expect(span.startTime).toEqual(original.startTime);
      expect(span.endTime).toEqual(original.endTime);
      expect(span.status).toEqual(original.status);
      expect(span.attributes).toEqual(original.attributes);
      expect(span.events.map(({ name, time, attributes }) => ({ name, time, attributes }))).toEqual(
        original.events.map(({ name, time, attributes }) => ({ name, time, attributes })),
      );
      expect(span.links.map((link) => [link.context.spanId, link.attributes])).toEqual(
        original.links.map((link) => [link.context.spanId, link.attributes]),
      );
      expect(span.instrumentationScope).toEqual({ name: 'opentelemetry.instrumentation.openai', version: '1.2.3' });
      expect(span.resource.attributes).toMatchObject({ 'service.name': 'planner', 'telemetry.sdk.language': 'go' });
      expect(span.ended).toBe(true);
    }
  });

  it('names the tenant from the options over the span, and from the resource only when the span names none', () => {
    const spans = recorded({ 'agentspan.tenant.id': 'from-resource' });
    const message = encode(spans);
    expect(readTraceRequest(message).spans.map((span) => span.attributes['agentspan.tenant.id'])).toEqual([
      'from-resource',
      'from-resource',
    ]);
    expect(readTraceRequest(message, { tenant: 'pinned' }).spans[0]!.attributes['agentspan.tenant.id']).toBe('pinned');
  });
});

describe('what a request cannot hold', () => {
  const json = (spans: unknown[], scope = 'scope') =>
    readJsonRequest({
      resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: scope }, spans }] }],
    });
  const span = (fields: Record<string, unknown> = {}) => ({
    traceId: 'a'.repeat(32),
    spanId: 'b'.repeat(16),
    name: 'chat',
    startTimeUnixNano: '1796630400000000000',
    endTimeUnixNano: '1796630401000000000',
    ...fields,
  });

  it('rejects each span that cannot be stored, with its reason, and keeps the others', () => {
    const read = readTraceRequest(
      json([
        span(),
        span({ traceId: 'abc' }),
        span({ traceId: '0'.repeat(32) }),
        span({ spanId: 'z'.repeat(16) }),
        span({ parentSpanId: '12' }),
        span({ startTimeUnixNano: undefined }),
        null,
      ]),
    );
    expect(read.spans).toHaveLength(1);
    expect(read.rejected).toBe(6);
    expect(read.reasons).toEqual([
      'span "chat": traceId is not 16 bytes (32 hex digits), not all zero',
      'span "chat": traceId is not 16 bytes (32 hex digits), not all zero',
      'span "chat": spanId is not 8 bytes (16 hex digits), not all zero',
    ]);
  });

  it('stores a span without an end as ending at its start, and an all-zero parent as no parent', () => {
    const [read] = readTraceRequest(json([span({ endTimeUnixNano: '0', parentSpanId: '0'.repeat(16) })])).spans;
    expect(read!.endTime).toEqual(read!.startTime);
    expect(read!.parentSpanContext).toBeUndefined();
  });

  it('refuses a body that is not an ExportTraceServiceRequest at all', () => {
    for (const body of [null, [], 'text', { resourceSpans: {} }, { resourceSpans: [{ scopeSpans: 'x' }] }]) {
      expect(() => readJsonRequest(body)).toThrow(MalformedRequestError);
    }
    expect(readTraceRequest(readJsonRequest({})).spans).toEqual([]);
  });

  it('reads spans that say they are agentspan’s as anyone else’s: only this process’s own are trusted', () => {
    expect(readTraceRequest(json([span()], 'agentspan')).spans[0]!.instrumentationScope.name).toBe(
      REMOTE_AGENTSPAN_SCOPE,
    );
  });
});
