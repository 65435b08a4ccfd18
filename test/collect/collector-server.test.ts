import { context, trace, type Attributes } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { startCollectorService, type CollectorService } from '../../src/collect/collector-service';
import { checkCollectorOptions } from '../../src/collect/collector-options';
import { AgentRunRepository } from '../../src/query/agent-run-repository';
import { createStoreFixture, type StoreFixture } from '../support/store-fixture';

/**
 * `agentspan collect` over HTTP, against a real database, fed by the OpenTelemetry JS OTLP exporters themselves
 * (protobuf and JSON, gzip or not) and by raw requests for what no exporter sends.
 */
let store: StoreFixture;
let service: CollectorService;
let repository: AgentRunRepository;

beforeAll(async () => {
  store = await createStoreFixture();
  repository = new AgentRunRepository(store.dataSource);
  service = await startCollectorService({
    port: 0,
    databaseUrl: store.database.url,
    migrate: false,
    maxBodyBytes: 64 * 1024,
    // Two worker threads, as on a two-core machine: everything below holds with requests spread over them.
    workers: 2,
    processor: { queue: { flushIntervalMs: 20 }, warnings: false },
  });
});

afterAll(async () => {
  await service?.close();
  await store?.close();
});

const tracesUrl = () => `${service.collector.url}v1/traces`;

/** One agent run of another process: an agent span and a model call below it, in the OTel GenAI conventions. */
function agentRun(agentName: string, resource: Attributes = {}): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'planner-svc',
      'telemetry.sdk.language': 'python',
      ...resource,
    }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('opentelemetry.instrumentation.openai_v2');
  const agent = tracer.startSpan(`invoke_agent ${agentName}`, {
    attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': agentName },
  });
  tracer
    .startSpan(
      'chat gpt-4o-mini',
      {
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'openai',
          'gen_ai.request.model': 'gpt-4o-mini',
          'gen_ai.usage.input_tokens': 1_000,
          'gen_ai.usage.output_tokens': 100,
          'gen_ai.input.messages': JSON.stringify([
            { role: 'user', content: 'my key is sk-proj-abcdefghijklmnop1234' },
          ]),
        },
      },
      trace.setSpan(context.active(), agent),
    )
    .end();
  agent.end();
  return exporter.getFinishedSpans();
}

function send(exporter: SpanExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

async function stored(spans: ReadableSpan[]) {
  await service.flush(10_000);
  return repository.getRun(spans[0]!.spanContext().traceId);
}

const post = (body: Uint8Array | string, headers: Record<string, string>, url = tracesUrl()) =>
  fetch(url, { method: 'POST', body, headers });

describe('agentspan collect over HTTP', () => {
  it.each([
    ['protobuf', () => new ProtobufExporter({ url: tracesUrl() })],
    ['protobuf, gzip', () => new ProtobufExporter({ url: tracesUrl(), compression: 'gzip' as never })],
    ['JSON', () => new JsonExporter({ url: tracesUrl() })],
    ['JSON, gzip', () => new JsonExporter({ url: tracesUrl(), compression: 'gzip' as never })],
  ])(
    'stores a run sent by the OTLP exporter (%s), scrubbed, with its service and SDK language',
    async (format, make) => {
      const spans = agentRun(`Agent ${format}`);
      const exporter = make();
      expect((await send(exporter, spans)).code).toBe(ExportResultCode.SUCCESS);
      await exporter.shutdown();
      const tree = await stored(spans);
      expect(tree?.roots).toHaveLength(1);
      const [agent] = tree!.roots;
      expect(agent!.execution).toMatchObject({
        agentName: `Agent ${format}`,
        status: 'completed',
        serviceName: 'planner-svc',
        sdkLanguage: 'python',
      });
      expect(agent!.performance!.totals).toMatchObject({ llmCalls: 1, inputTokens: 1_000, outputTokens: 100 });
      const [chat] = agent!.children;
      expect(JSON.stringify(chat!.execution.input)).not.toContain('sk-proj-abcdefghijklmnop1234');
    },
  );

  it('stores a span sent twice (an exporter retrying) once', async () => {
    const spans = agentRun('Twice');
    const exporter = new ProtobufExporter({ url: tracesUrl() });
    await send(exporter, spans);
    await send(exporter, spans);
    await exporter.shutdown();
    const tree = await stored(spans);
    expect(tree!.roots).toHaveLength(1);
    expect(tree!.roots[0]!.children).toHaveLength(1);
    expect(tree!.roots[0]!.performance!.totals).toMatchObject({ llmCalls: 1, inputTokens: 1_000 });
  });

  it('takes the tenant from the request header over the resource’s', async () => {
    const spans = agentRun('Tenanted', { 'agentspan.tenant.id': 'from-resource' });
    const body = ProtobufTraceSerializer.serializeRequest(spans)!;
    const response = await post(body, { 'content-type': 'application/x-protobuf', 'x-agentspan-tenant': 'acme' });
    expect(response.status).toBe(200);
    expect((await stored(spans))!.roots[0]!.execution.tenantId).toBe('acme');
    const other = agentRun('Tenanted', { 'agentspan.tenant.id': 'from-resource' });
    await post(ProtobufTraceSerializer.serializeRequest(other)!, { 'content-type': 'application/x-protobuf' });
    expect((await stored(other))!.roots[0]!.execution.tenantId).toBe('from-resource');
  });

  it('reports spans it cannot store in partial_success and stores the rest', async () => {
    const good = agentRun('Partly');
    const request = JSON.parse(Buffer.from(JsonTraceSerializer.serializeRequest(good)!).toString('utf8')) as {
      resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<Record<string, unknown>> }> }>;
    };
    request.resourceSpans[0]!.scopeSpans[0]!.spans.push({ traceId: 'short', spanId: 'x', name: 'broken' });
    const response = await post(JSON.stringify(request), { 'content-type': 'application/json' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      partialSuccess: {
        rejectedSpans: '1',
        errorMessage: '1 span(s) rejected: span "broken": traceId is not 16 bytes (32 hex digits), not all zero',
      },
    });
    expect((await stored(good))!.roots).toHaveLength(1);
  });

  it.each([
    ['a body over the limit', 413, () => post(new Uint8Array(65 * 1024), { 'content-type': 'application/x-protobuf' })],
    [
      'a gzip body over the limit once decompressed (a small bomb)',
      413,
      () =>
        post(gzipSync(Buffer.alloc(10 * 1024 * 1024)), {
          'content-type': 'application/x-protobuf',
          'content-encoding': 'gzip',
        }),
    ],
    [
      'bytes that are not gzip',
      400,
      () => post('plain', { 'content-type': 'application/json', 'content-encoding': 'gzip' }),
    ],
    [
      'bytes that are not protobuf',
      400,
      () => post(Uint8Array.from([0x0a, 0xff, 0xff]), { 'content-type': 'application/x-protobuf' }),
    ],
    ['text that is not JSON', 400, () => post('{"resourceSpans": [', { 'content-type': 'application/json' })],
    ['JSON that is not a request', 400, () => post('{"resourceSpans": 7}', { 'content-type': 'application/json' })],
    ['another content type', 415, () => post('x', { 'content-type': 'text/plain' })],
    [
      'another content encoding',
      415,
      () => post('x', { 'content-type': 'application/json', 'content-encoding': 'br' }),
    ],
    ['a GET', 405, () => fetch(tracesUrl())],
    ['another path', 404, () => post('{}', { 'content-type': 'application/json' }, `${service.collector.url}v1/logs`)],
  ])('answers %s with %i and a reason, and goes on taking spans', async (_what, status, request) => {
    const response = await request();
    expect(response.status).toBe(status);
    // The reason, in the request's format: a google.rpc.Status in JSON, or in protobuf (its message as UTF-8 bytes).
    const text = Buffer.from(await response.arrayBuffer()).toString('utf8');
    const reason =
      response.headers.get('content-type') === 'application/json'
        ? (JSON.parse(text) as { message: string }).message
        : text;
    expect(reason).toMatch(/body|Content-|POST|not found/);
    const spans = agentRun('AfterABadRequest');
    expect((await send(new ProtobufExporter({ url: tracesUrl() }), spans)).code).toBe(ExportResultCode.SUCCESS);
    expect((await stored(spans))!.roots).toHaveLength(1);
  });

  it('answers a protobuf request’s error with a protobuf google.rpc.Status', async () => {
    const response = await post(Uint8Array.from([0x0a, 0xff, 0xff]), { 'content-type': 'application/x-protobuf' });
    expect(response.headers.get('content-type')).toBe('application/x-protobuf');
    const body = Buffer.from(await response.arrayBuffer());
    expect(body[0]).toBe(0x08); // field 1 (code), varint
    expect(body[1]).toBe(3); // INVALID_ARGUMENT
    expect(body.toString('utf8')).toContain('the body is not an ExportTraceServiceRequest in protobuf');
  });

  it('answers only requests addressed to a loopback name when it has no token', async () => {
    // A web page whose own host name was rebound to 127.0.0.1 sends its own name: fetch cannot set Host, http can.
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(tracesUrl(), {
        method: 'POST',
        headers: { host: 'rebound.example:4318', 'content-type': 'application/json' },
      });
      request.on('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      request.end('{}');
    });
    expect(status).toBe(403);
  });

  it('gives a browser’s preflight no CORS approval, so no web page can post spans to it', async () => {
    const response = await fetch(tracesUrl(), {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(response.status).toBe(405);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('shows the queue, breaker, drops and its own counters on /healthz', async () => {
    const response = await fetch(`${service.collector.url}healthz`);
    expect(response.status).toBe(200);
    const health = (await response.json()) as Record<string, unknown>;
    expect(health).toMatchObject({
      status: 'ok',
      queue: { depth: expect.any(Number) },
      breaker: { state: 'closed' },
      counters: { droppedTotal: 0 },
      collector: { spansRejected: 1, failed: expect.objectContaining({ 400: expect.any(Number), 413: 2 }) },
    });
    // Each worker's own figures; the totals above are theirs added up.
    const workers = health.workers as Array<{ breaker: string; recorded: number; requests: number }>;
    expect(workers).toHaveLength(2);
    expect(workers.every((worker) => worker.breaker === 'closed')).toBe(true);
    expect(workers.reduce((sum, worker) => sum + worker.recorded, 0)).toBe(
      (health.counters as { recorded: number }).recorded,
    );
  });
});

describe('collector options', () => {
  it('refuses another address than loopback without a token, a short token and a misspelt option', () => {
    expect(() => checkCollectorOptions({ host: '0.0.0.0' })).toThrow(/only with a token/);
    expect(() => checkCollectorOptions({ host: '0.0.0.0', token: 'short' })).toThrow(/at least 16 characters/);
    expect(() => checkCollectorOptions({ prot: 1 } as never)).toThrow(/prot is not one/);
    expect(checkCollectorOptions({ host: '0.0.0.0', token: 'x'.repeat(16) }).host).toBe('0.0.0.0');
  });

  it('refuses a number of workers that is not a count, and workers on the embedded database', async () => {
    const url = 'postgres://127.0.0.1:1/none';
    for (const workers of [-1, 1.5, 65, Number.NaN]) {
      await expect(startCollectorService({ port: 0, databaseUrl: url, workers })).rejects.toThrow(
        /workers must be an integer from 0 to 64/,
      );
    }
    await expect(startCollectorService({ port: 0, workers: 2 })).rejects.toThrow(/workers need a databaseUrl/);
  });
});
