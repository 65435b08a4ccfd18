import { diag } from '@opentelemetry/api';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AgentSpanProcessorHealth } from '../export/types';
import { listen } from '../internal/listen';
import { hostName, isLoopback } from '../internal/loopback';
import { SharedSecret } from '../internal/shared-secret';
import { checkCollectorOptions, type CollectorOptions } from './collector-options';
import { CollectorCounters, type CollectorStats } from './collector-stats';
import { decompress, formatOf, readBody, RequestProblem, type OtlpFormat } from './otlp-body';
import { sendExportResponse, sendJson, sendProblem } from './otlp-responses';
import { queueFull, type TraceIntake } from './trace-intake';

export interface Collector {
  /** Where it listens, e.g. http://127.0.0.1:4318/ (exporters send to `${url}v1/traces`). */
  readonly url: string;
  readonly port: number;
  stats(): CollectorStats;
  /** Stops taking requests and lets those in progress finish. Idempotent. Shut the receiver down after it. */
  close(): Promise<void>;
}

/**
 * OTLP/HTTP trace ingest (`POST /v1/traces`, protobuf or JSON, gzip or not) into a TraceIntake, and `GET /healthz`.
 * Back-pressure as the OTLP specification says: while the database is unreachable (the breaker is open) 503, when the
 * queue has no room for a request's spans 429, both with Retry-After and before a span is taken, so the sender keeps
 * them and retries; spans that cannot be stored are named in partial_success and the rest are taken. Binds 127.0.0.1
 * unless given a token; without one it also answers only requests addressed to a loopback name.
 */
export async function startCollector(intake: TraceIntake, options?: CollectorOptions): Promise<Collector> {
  const checked = checkCollectorOptions(options);
  const secret = checked.token === undefined ? undefined : new SharedSecret(checked.token);
  const counters = new CollectorCounters();

  const authorized = (request: IncomingMessage): boolean =>
    secret === undefined
      ? isLoopback(hostName(request.headers.host))
      : secret.matchesBearer(request.headers.authorization);

  // Requests being read, decoded or waiting: each holds its body, so their number bounds the collector's memory.
  let inProgress = 0;
  const exportTraces = async (request: IncomingMessage, response: ServerResponse, format: OtlpFormat) => {
    const refusal =
      intake.admission() ??
      (inProgress >= checked.maxRequestsInProgress ? queueFull(checked.retryAfterSeconds) : undefined);
    if (refusal !== undefined) {
      // Not read: the sender keeps the spans and sends them again after Retry-After.
      counters.refused(refusal.status as 429 | 503);
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
    const tenant = checked.tenant ?? tenantFromHeader(request, checked.tenantHeader);
    const outcome = await intake.take({ body, format, tenant });
    if (!outcome.taken) {
      if (outcome.status === 429 || outcome.status === 503) counters.refused(outcome.status);
      else counters.failed(outcome.status);
      sendProblem(response, format, outcome.status, outcome.message, outcome.retryAfter);
      return;
    }
    counters.accepted(outcome.accepted, outcome.ignored, outcome.rejected);
    sendExportResponse(response, format, outcome.rejected, outcome.message);
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
      sendJson(response, 200, { ...healthOf(intake.health(), counters.snapshot()), workers: intake.perWorker?.() });
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

function healthOf(health: AgentSpanProcessorHealth, collector: CollectorStats) {
  const available = health.breaker.state !== 'open';
  return { status: available ? 'ok' : 'unavailable', collector, ...health };
}
