import { diag } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AgentSpanProcessorHealth, ReceiveResult } from '../export/types';
import { listen } from '../internal/listen';
import { hostName, isLoopback } from '../internal/loopback';
import { SharedSecret } from '../internal/shared-secret';
import { checkCollectorOptions, type CollectorOptions } from './collector-options';
import { CollectorCounters, type CollectorStats } from './collector-stats';
import { decodeBody, decompress, formatOf, readBody, RequestProblem, type OtlpFormat } from './otlp-body';
import { sendExportResponse, sendJson, sendProblem } from './otlp-responses';
import { readTraceRequest } from './read-trace-request';

/** What the collector hands spans to: an AgentSpanProcessor (or anything that receives and reports like one). */
export interface SpanReceiver {
  receive(spans: readonly ReadableSpan[]): ReceiveResult;
  health(): AgentSpanProcessorHealth;
}

export interface Collector {
  /** Where it listens, e.g. http://127.0.0.1:4318/ (exporters send to `${url}v1/traces`). */
  readonly url: string;
  readonly port: number;
  stats(): CollectorStats;
  /** Stops taking requests and lets those in progress finish. Idempotent. Shut the receiver down after it. */
  close(): Promise<void>;
}

/** Per span, what a queued span is taken to hold beyond its share of the request body. */
const SPAN_OVERHEAD_BYTES = 1_024;

/**
 * OTLP/HTTP trace ingest (`POST /v1/traces`, protobuf or JSON, gzip or not) into a SpanReceiver, and `GET /healthz`.
 * Back-pressure as the OTLP specification says: while the database is unreachable (the breaker is open) 503, when the
 * queue has no room for a request's spans 429, both with Retry-After and before a span is taken, so the sender keeps
 * them and retries; spans that cannot be stored are named in partial_success and the rest are taken. Binds 127.0.0.1
 * unless given a token; without one it also answers only requests addressed to a loopback name.
 */
export async function startCollector(receiver: SpanReceiver, options?: CollectorOptions): Promise<Collector> {
  const checked = checkCollectorOptions(options);
  const secret = checked.token === undefined ? undefined : new SharedSecret(checked.token);
  const counters = new CollectorCounters();

  const authorized = (request: IncomingMessage): boolean =>
    secret === undefined
      ? isLoopback(hostName(request.headers.host))
      : secret.matchesBearer(request.headers.authorization);

  const exportTraces = async (request: IncomingMessage, response: ServerResponse, format: OtlpFormat) => {
    const refusal = refusalOf(receiver.health(), checked.retryAfterSeconds);
    if (refusal !== undefined) {
      // Not read: the sender keeps the spans and sends them again after Retry-After.
      counters.refused(refusal.status);
      sendProblem(response, format, refusal.status, refusal.message, refusal.retryAfter);
      request.resume();
      return;
    }
    const raw = await readBody(request, checked.maxBodyBytes);
    const body = await decompress(raw, request.headers['content-encoding'], checked.maxBodyBytes);
    const resources = decodeBody(body, format);
    const tenant = checked.tenant ?? tenantFromHeader(request, checked.tenantHeader);
    const read = readTraceRequest(resources, { tenant });
    const share = read.spans.length === 0 ? 0 : Math.ceil((2 * body.length) / read.spans.length);
    for (const span of read.spans) span.estimatedBytes = SPAN_OVERHEAD_BYTES + share;
    const result = receiver.receive(read.spans);
    if (result.outcome !== 'queued') {
      const status = result.outcome === 'queue_full' ? 429 : 503;
      counters.refused(status);
      const why =
        result.outcome === 'queue_full'
          ? 'the queue is full: retry after a moment'
          : 'the collector is shutting down: send to another one, or retry';
      sendProblem(response, format, status, why, checked.retryAfterSeconds);
      return;
    }
    counters.accepted(read.spans.length, result.ignored, read.rejected);
    const reasons = read.rejected === 0 ? '' : `${read.rejected} span(s) rejected: ${read.reasons.join('; ')}`;
    sendExportResponse(response, format, read.rejected, reasons);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = (request.url ?? '/').split('?')[0];
    if (!authorized(request)) {
      counters.unauthorized++;
      const message =
        secret === undefined
          ? 'this collector answers only requests to localhost or 127.0.0.1'
          : 'this collector needs its token: Authorization: Bearer <token>';
      sendProblem(response, 'json', secret === undefined ? 403 : 401, message);
      request.resume();
      return;
    }
    if (path === '/healthz' && (request.method === 'GET' || request.method === 'HEAD')) {
      sendJson(response, 200, healthOf(receiver.health(), counters.snapshot()));
      return;
    }
    if (path !== '/v1/traces') {
      sendProblem(response, 'json', 404, 'not found: OTLP traces go to POST /v1/traces');
      request.resume();
      return;
    }
    if (request.method !== 'POST') {
      sendProblem(response, 'json', 405, 'POST only');
      request.resume();
      return;
    }
    let format: OtlpFormat = 'json';
    try {
      format = formatOf(request.headers['content-type']);
      await exportTraces(request, response, format);
    } catch (error) {
      if (error instanceof RequestProblem) {
        const status = error.status;
        counters.failed(status);
        sendProblem(response, format, status, error.message);
        // A body left unread (413 on Content-Length) ends the connection rather than being read to its end.
        if (!request.complete) response.once('finish', () => request.destroy());
        return;
      }
      throw error;
    }
  };

  const server = createServer((request, response) => {
    counters.requests++;
    handle(request, response).catch((error: unknown) => {
      diag.error(`agentspan collector: ${request.method ?? ''} ${request.url ?? ''} failed: ${String(error)}`);
      counters.failed(500);
      if (!response.headersSent) sendProblem(response, 'json', 500, 'the collector could not take the request');
      else response.destroy();
    });
  });
  // A connection that sends nothing for this long is closed; exporters open a new one.
  server.requestTimeout = 60_000;
  const { port, url } = await listen(server, checked.port, checked.host);
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    stats: () => counters.snapshot(),
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

function tenantFromHeader(request: IncomingMessage, header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const value = request.headers[header];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

interface Refusal {
  status: 503;
  message: string;
  retryAfter: number;
}

/** 503 while the breaker is open (the database unreachable): until its next probe, at least `minimum` seconds. */
function refusalOf(health: AgentSpanProcessorHealth, minimum: number): Refusal | undefined {
  if (health.breaker.state !== 'open') return undefined;
  const untilProbe = health.breaker.nextProbeAt === null ? 0 : health.breaker.nextProbeAt.getTime() - Date.now();
  return {
    status: 503,
    message: 'the database is unreachable: the spans are not taken, send them again after Retry-After',
    retryAfter: Math.max(minimum, Math.ceil(untilProbe / 1000)),
  };
}

function healthOf(health: AgentSpanProcessorHealth, collector: CollectorStats) {
  const available = health.breaker.state !== 'open';
  return { status: available ? 'ok' : 'unavailable', collector, ...health };
}
