import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollectorService, type CollectorServiceOptions } from '../../src/collect/collector-service';
import { endedRuns } from '../support/ended-runs';
import { createStoreFixture, type StoreFixture } from '../support/store-fixture';
import { TcpProxy, targetOf } from '../support/tcp-proxy';

/**
 * Back-pressure as the OTLP specification asks: refused requests carry Retry-After and their spans are not taken,
 * so the exporter keeps them and sends them again; nothing taken is ever dropped, through a full queue, a database
 * outage and a shutdown.
 */
let store: StoreFixture;

beforeAll(async () => {
  store = await createStoreFixture();
});

afterAll(async () => {
  await store?.close();
});

/** `count` agent runs of two spans each (an agent and its model call), ended. */
const runs = (count: number): ReadableSpan[] =>
  endedRuns(count, {
    scope: 'opentelemetry.instrumentation.openai_v2',
    agent: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'BackPressure' },
    call: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini' },
  });

const start = (options: CollectorServiceOptions) =>
  startCollectorService({ port: 0, databaseUrl: store.database.url, migrate: false, workers: 0, ...options });

const post = (url: string, spans: ReadableSpan[]) =>
  fetch(`${url}v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body: ProtobufTraceSerializer.serializeRequest(spans)!,
  });

async function storedCount(spans: ReadableSpan[]): Promise<number> {
  const rows = (await store.dataSource.query(
    `SELECT count(*)::int AS n FROM agent_executions WHERE span_id = ANY($1)`,
    [spans.map((span) => span.spanContext().spanId)],
  )) as Array<{ n: number }>;
  return rows[0]!.n;
}

/** Room for 600 records, written only when asked: a second request of 512 spans does not fit beside a first. */
const SMALL_QUEUE = { queue: { maxQueueSize: 600, maxBatchSize: 600, flushIntervalMs: 60_000 } };

it('answers 429 with Retry-After when the queue has no room for a request, takes none of it, and takes it later', async () => {
  const service = await start({ queueWaitMs: 0, processor: SMALL_QUEUE });
  try {
    const first = runs(256);
    const second = runs(256);
    expect((await post(service.collector.url, first)).status).toBe(200);
    const refused = await post(service.collector.url, second);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(service.stats()).toMatchObject({ recorded: 512, droppedTotal: 0 });
    await service.flush(10_000);
    expect((await post(service.collector.url, second)).status).toBe(200);
    await service.flush(10_000);
    expect(await storedCount([...first, ...second])).toBe(1024);
    expect(service.collector.stats().refused).toEqual({ 429: 1, 503: 0 });
  } finally {
    await service.close();
  }
});

it('lets a request the queue has no room for wait while the writer makes room, then takes it (no 429)', async () => {
  const service = await start({ queueWaitMs: 5_000, processor: SMALL_QUEUE });
  try {
    const first = runs(256);
    const second = runs(256);
    expect((await post(service.collector.url, first)).status).toBe(200);
    const waiting = post(service.collector.url, second);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(service.stats().recorded).toBe(512); // the second is waiting, not taken
    await service.flush(10_000); // the writer makes room
    expect((await waiting).status).toBe(200);
    await service.flush(10_000);
    expect(await storedCount([...first, ...second])).toBe(1024);
    expect(service.collector.stats().refused).toEqual({ 429: 0, 503: 0 });
  } finally {
    await service.close();
  }
});

it('refuses a request before reading it when the queue has no room for a request of the usual size', async () => {
  const service = await start({ queueWaitMs: 0, processor: SMALL_QUEUE });
  try {
    expect((await post(service.collector.url, runs(256))).status).toBe(200);
    // Not even a request: a body read and decoded would get a 400. Refused unread, it gets a 429.
    const response = await fetch(`${service.collector.url}v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: Buffer.from([0x0a, 0xff, 0xff, 0xff]),
    });
    expect(response.status).toBe(429);
    expect(service.collector.stats().failed).toEqual({});
  } finally {
    await service.close();
  }
});

it('answers 429 unread past the requests it may take at once, and takes requests again once they are done', async () => {
  const service = await start({ maxRequestsInProgress: 1, processor: { queue: { flushIntervalMs: 20 } } });
  try {
    const body = ProtobufTraceSerializer.serializeRequest(runs(1))!;
    // A slow sender: its headers and half its body, the rest later.
    const slow = httpRequest(`${service.collector.url}v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'content-length': String(body.length) },
    });
    const slowStatus = new Promise<number>((resolve, reject) => {
      slow.on('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      slow.on('error', reject);
    });
    slow.write(body.subarray(0, 10));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await post(service.collector.url, runs(1))).status).toBe(429);
    slow.end(body.subarray(10));
    expect(await slowStatus).toBe(200);
    expect((await post(service.collector.url, runs(1))).status).toBe(200);
  } finally {
    await service.close();
  }
});

// With workers, each write path learns of the outage by its own failed write: a worker that has not tried yet takes a
// request (it waits in its queue), fails, and refuses from then on.
it.each([0, 2])(
  'answers 503 while the database is unreachable (%i workers); the exporter retries, and every span is stored once',
  async (workers) => {
    const proxy = await TcpProxy.reserve(targetOf(store.database.url));
    await proxy.listen();
    const service = await startCollectorService({
      port: 0,
      databaseUrl: proxy.urlFor(store.database.url),
      migrate: false,
      workers,
      processor: {
        queue: { flushIntervalMs: 20, retry: { initialBackoffMs: 50, maxBackoffMs: 200 } },
        // Open for two seconds at a time: long enough to be seen open by the requests and /healthz below under load.
        breaker: { failureThreshold: 1, cooldownMs: 2_000, maxCooldownMs: 2_000 },
        warnings: false,
      },
    });
    try {
      const before = runs(3);
      expect((await post(service.collector.url, before)).status).toBe(200);
      await service.flush(10_000);
      await proxy.close();
      // Taken while a breaker is still closed: they wait in the queue until the database is back.
      const during: ReadableSpan[] = [];
      let refused: Response | undefined;
      for (let attempt = 0; refused === undefined && attempt < 200; attempt++) {
        const spans = runs(1);
        const response = await post(service.collector.url, spans);
        if (response.status === 200) during.push(...spans);
        else refused = response;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(during.length).toBeGreaterThanOrEqual(1);
      expect(refused?.status).toBe(503);
      expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const health = (await (await fetch(`${service.collector.url}healthz`)).json()) as { status: string };
      expect(health.status).toBe('unavailable');
      // The real exporter, refused while the database is down, sends again after Retry-After.
      const exporter = new OTLPTraceExporter({ url: `${service.collector.url}v1/traces`, timeoutMillis: 20_000 });
      const later = runs(3);
      const exported = new Promise<ExportResult>((resolve) => exporter.export(later, resolve));
      await new Promise((resolve) => setTimeout(resolve, 300));
      await proxy.listen();
      expect((await exported).code).toBe(ExportResultCode.SUCCESS);
      await exporter.shutdown();
      await service.flush(10_000);
      expect(await storedCount([...before, ...during, ...later])).toBe(12 + during.length);
      expect(service.stats().droppedTotal).toBe(0);
      expect(service.collector.stats().refused[503]).toBeGreaterThanOrEqual(2);
    } finally {
      await service.close();
      await proxy.close();
    }
  },
  30_000,
);

it('writes what it holds when it is closed, and refuses requests from then on', async () => {
  const service = await start({ processor: { queue: { flushIntervalMs: 60_000 } } });
  const held = runs(5);
  expect((await post(service.collector.url, held)).status).toBe(200);
  expect(await storedCount(held)).toBe(0);
  await service.close();
  expect(await storedCount(held)).toBe(10);
  expect(service.stats().droppedTotal).toBe(0);
  await expect(post(service.collector.url, runs(1))).rejects.toThrow();
});

it('spills what it holds at shutdown while the database is down, and the next collector writes it', async () => {
  const spill = mkdtempSync(join(tmpdir(), 'agentspan-collect-spill-'));
  const proxy = await TcpProxy.reserve(targetOf(store.database.url));
  await proxy.listen();
  const through = (options: CollectorServiceOptions['processor']) =>
    startCollectorService({
      port: 0,
      databaseUrl: proxy.urlFor(store.database.url),
      migrate: false,
      processor: options,
    });
  try {
    const first = await through({
      spill: { directory: spill },
      shutdownTimeoutMs: 1_000,
      breaker: { failureThreshold: 1_000, cooldownMs: 100 },
      warnings: false,
    });
    await proxy.close();
    const held = runs(20);
    expect((await post(first.collector.url, held)).status).toBe(200);
    await first.close();
    expect(first.stats()).toMatchObject({ droppedTotal: 0, spilled: 40 });
    expect(await storedCount(held)).toBe(0);
    await proxy.listen();
    const next = await through({ spill: { directory: spill }, queue: { flushIntervalMs: 20 }, warnings: false });
    try {
      for (let waited = 0; (await storedCount(held)) < 40 && waited < 15_000; waited += 100) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(await storedCount(held)).toBe(40);
    } finally {
      await next.close();
    }
  } finally {
    await proxy.close();
    rmSync(spill, { recursive: true, force: true });
  }
}, 90_000); // 11–13 s alone; the full suite on two cores can triple it

it('with a token, refuses a request without it (401) and takes one that carries it', async () => {
  const token = 'collector-secret-0123456789';
  const service = await start({ token, processor: { queue: { flushIntervalMs: 20 } } });
  try {
    expect((await post(service.collector.url, runs(1))).status).toBe(401);
    const spans = runs(1);
    const exporter = new OTLPTraceExporter({
      url: `${service.collector.url}v1/traces`,
      headers: { Authorization: `Bearer ${token}` },
    });
    expect((await new Promise<ExportResult>((resolve) => exporter.export(spans, resolve))).code).toBe(
      ExportResultCode.SUCCESS,
    );
    await exporter.shutdown();
    await service.flush(10_000);
    expect(await storedCount(spans)).toBe(2);
    const wrong = await fetch(`${service.collector.url}healthz`, {
      headers: { Authorization: 'Bearer wrong-token-000000' },
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain(token);
  } finally {
    await service.close();
  }
});
