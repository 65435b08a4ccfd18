import { isLoopback } from '../internal/loopback';
import { MIN_TOKEN_LENGTH } from '../internal/shared-secret';

/** Where and how `agentspan collect` takes OTLP/HTTP (README, "Collecting OTLP from any language"). */
export interface CollectorOptions {
  /** TCP port. Default 4318 (OTLP/HTTP's); 0 picks a free one (the collector's `url` says which). */
  port?: number;
  /** Address to bind. Default 127.0.0.1; any other address only with a `token`. */
  host?: string;
  /** A secret of 16+ characters every request must carry as `Authorization: Bearer <token>`. */
  token?: string;
  /** Pin every span to this tenant, whatever the request or its spans say. */
  tenant?: string;
  /**
   * The request header that names the tenant of its spans (over any tenant the spans or their resource name), for a
   * gateway in front that knows who is sending. Default `x-agentspan-tenant`; `false`: no header is read.
   */
  tenantHeader?: string | false;
  /** Largest request body, compressed or not (413 beyond). Default 16 MiB. */
  maxBodyBytes?: number;
  /** What `Retry-After` says when the queue is full. Default 1 s; while the database is unreachable, until its next probe. */
  retryAfterSeconds?: number;
  /**
   * How long a request whose spans do not fit in the queue may wait for the writer to make room before it is answered
   * 429 (a few requests at a time). Default 2,000 ms; 0: answered 429 at once.
   */
  queueWaitMs?: number;
  /**
   * Requests taken at once (being read, decoded, or waiting for room): past it a request is answered 429 unread. Each
   * holds up to `maxBodyBytes`, so this bounds the collector's memory. Default 64.
   */
  maxRequestsInProgress?: number;
}

export interface CheckedCollectorOptions {
  readonly port: number;
  readonly host: string;
  readonly token: string | undefined;
  readonly tenant: string | undefined;
  readonly tenantHeader: string | undefined;
  readonly maxBodyBytes: number;
  readonly retryAfterSeconds: number;
  readonly queueWaitMs: number;
  readonly maxRequestsInProgress: number;
}

export const DEFAULT_COLLECTOR_PORT = 4318;
const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
const KEYS = new Set([
  'port',
  'host',
  'token',
  'tenant',
  'tenantHeader',
  'maxBodyBytes',
  'retryAfterSeconds',
  'queueWaitMs',
  'maxRequestsInProgress',
]);

const fail = (message: string): never => {
  throw new TypeError(`agentspan: collector ${message}`);
};

/** The options checked: a TypeError naming the option, before anything listens. */
export function checkCollectorOptions(options: CollectorOptions = {}): CheckedCollectorOptions {
  if (options === null || typeof options !== 'object') fail('options must be an object');
  for (const key of Object.keys(options)) if (!KEYS.has(key)) fail(`option ${key} is not one (misspelt?)`);
  const port = options.port ?? DEFAULT_COLLECTOR_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) fail(`port must be an integer from 0 to 65535`);
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host.length === 0) fail('host must be a host name or address');
  const token = options.token;
  if (token !== undefined && (typeof token !== 'string' || token.length < MIN_TOKEN_LENGTH)) {
    fail(`token must be a string of at least ${MIN_TOKEN_LENGTH} characters`);
  }
  if (!isLoopback(host) && token === undefined) {
    fail(
      `binds to ${host}, which other machines can reach, only with a token (--token or AGENTSPAN_COLLECT_TOKEN); ` +
        'without one it binds to 127.0.0.1',
    );
  }
  const tenant = options.tenant;
  if (tenant !== undefined && (typeof tenant !== 'string' || tenant.length === 0))
    fail('tenant must be a non-empty string');
  const header = options.tenantHeader ?? 'x-agentspan-tenant';
  if (header !== false && (typeof header !== 'string' || !/^[A-Za-z0-9-]+$/.test(header))) {
    fail('tenantHeader must be a header name (letters, digits, -) or false');
  }
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1024) fail('maxBodyBytes must be an integer of at least 1024');
  const retryAfterSeconds = options.retryAfterSeconds ?? 1;
  if (!Number.isInteger(retryAfterSeconds) || retryAfterSeconds < 1 || retryAfterSeconds > 3600) {
    fail('retryAfterSeconds must be an integer from 1 to 3600');
  }
  const queueWaitMs = options.queueWaitMs ?? 2_000;
  if (!Number.isInteger(queueWaitMs) || queueWaitMs < 0 || queueWaitMs > 60_000) {
    fail('queueWaitMs must be an integer from 0 to 60000');
  }
  const maxRequestsInProgress = options.maxRequestsInProgress ?? 64;
  if (!Number.isInteger(maxRequestsInProgress) || maxRequestsInProgress < 1 || maxRequestsInProgress > 10_000) {
    fail('maxRequestsInProgress must be an integer from 1 to 10000');
  }
  return {
    port,
    host,
    token,
    tenant,
    tenantHeader: header === false ? undefined : header.toLowerCase(),
    maxBodyBytes,
    retryAfterSeconds,
    queueWaitMs,
    maxRequestsInProgress,
  };
}
