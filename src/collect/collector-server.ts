import { diag } from '@opentelemetry/api';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { prepareReceivedSpans, type OfferOutcome, type ReceivedBatch } from '../export/received-spans';
import type { AgentSpanProcessorHealth } from '../export/types';
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
  offer(batch: ReceivedBatch): OfferOutcome;
  /** Whether this many more spans would be taken now. */
  hasRoomFor(count: number): boolean;
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

/** Requests that may wait for room in a full queue at once, and how often each looks. */
const MAX_WAITING = 16;
const WAIT_STEP_MS = 10;

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

  // Spans per request lately: when the queue has no room for that many and enough requests already wait for room, a
  // request is refused before its body is read and decoded: an overloaded collector spends nothing on it.
  let typicalSpans = 1;
  let waiting = 0;
  // Requests being read, decoded or waiting: each holds its body, so their number bounds the collector's memory.
  let inProgress = 0;
  const exportTraces = async (request: IncomingMessage, response: ServerResponse, format: OtlpFormat) => {
    const refusal =
      refusalOf(receiver.health(), checked.retryAfterSeconds) ??
      (inProgress >= checked.maxRequestsInProgress ||
      (!receiver.hasRoomFor(typicalSpans) && (checked.queueWaitMs === 0 || waiting >= MAX_WAITING))
        ? queueFull(checked.retryAfterSeconds)
        : undefined);
    if (refusal !== undefined) {
      // Not read: the sender keeps the spans and sends them again after Retry-After.
      counters.refused(refusal.status);
      sendProblem(response, format, refusal.status, refusal.message, refusal.retryAfter);
      request.resume();
      return;
    }
    inProgress++;
    try {
      await takeRequest(request, response, format);
    } finally {
      inProgress--;
    }
  };

  const takeRequest = async (request: IncomingMessage, response: ServerResponse, format: OtlpFormat) => {
    const raw = await readBody(request, checked.maxBodyBytes);
    const body = await decompress(raw, request.headers['content-encoding'], checked.maxBodyBytes);
    const resources = decodeBody(body, format);
    const tenant = checked.tenant ?? tenantFromHeader(request, checked.tenantHeader);
    const read = readTraceRequest(resources, { tenant });
    typicalSpans = Math.max(1, Math.round(typicalSpans * 0.8 + read.spans.length * 0.2));
    const batch = prepareReceivedSpans(read.spans);
    const outcome = await offerWhileWaiting(batch);
    if (outcome !== 'queued') {
      const refusal =
        outcome === 'queue_full' ? queueFull(checked.retryAfterSeconds) : stopping(checked.retryAfterSeconds);
      counters.refused(refusal.status);
      sendProblem(response, format, refusal.status, refusal.message, refusal.retryAfter);
      return;
    }
    const rejected = read.rejected + batch.rejected.length;
    counters.accepted(read.spans.length - batch.rejected.length, batch.ignored, rejected);
    const reasons = [...read.reasons, ...batch.rejected].slice(0, 3).join('; ');
    sendExportResponse(response, format, rejected, rejected === 0 ? '' : `${rejected} span(s) rejected: ${reasons}`);
  };

  /**
   * Offers the batch; while the queue is full, a few requests at a time wait (up to queueWaitMs) for the writer to
   * make room rather than being sent back at once: a sender told 429 waits a whole Retry-After second, in which a busy
   * writer would empty the queue and then idle.
   */
  const offerWhileWaiting = async (batch: ReceivedBatch): Promise<OfferOutcome> => {
    let outcome = receiver.offer(batch);
    if (outcome !== 'queue_full' || waiting >= MAX_WAITING) return outcome;
    waiting++;
    try {
      for (let waited = 0; outcome === 'queue_full' && waited < checked.queueWaitMs; waited += WAIT_STEP_MS) {
        await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
        outcome = receiver.offer(batch);
      }
      return outcome;
    } finally {
      waiting--;
    }
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
  status: 429 | 503;
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

function queueFull(retryAfter: number): Refusal {
  return { status: 429, message: 'the queue is full: retry after a moment', retryAfter };
}

function stopping(retryAfter: number): Refusal {
  return { status: 503, message: 'the collector is shutting down: send to another one, or retry', retryAfter };
}

function healthOf(health: AgentSpanProcessorHealth, collector: CollectorStats) {
  const available = health.breaker.state !== 'open';
  return { status: available ? 'ok' : 'unavailable', collector, ...health };
}
