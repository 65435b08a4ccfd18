/** The dashboard's only ways out: fetch() and EventSource to the same origin's /api (docs: /tmp/ui/API.md). */
import type { Change } from './types';

/** An answer of the API that is not a success, with the server's message. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

async function request<T>(path: string, init: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, { credentials: 'same-origin', ...init });
  } catch (error) {
    if (isAbort(error)) throw error;
    throw new ApiError(`the server cannot be reached (${describe(error)})`, 0, null);
  }
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    if (response.ok) throw new ApiError(`${path}: the answer is not JSON`, response.status, null);
  }
  if (!response.ok) {
    const problem = body !== null && typeof body === 'object' ? (body as { error?: unknown; code?: unknown }) : {};
    const message =
      typeof problem.error === 'string' ? problem.error : `HTTP ${response.status} ${response.statusText}`;
    const hint = response.status === 401 ? ' (open the dashboard with the ?token= link once)' : '';
    throw new ApiError(message + hint, response.status, typeof problem.code === 'string' ? problem.code : null);
  }
  return body as T;
}

/** GET path?query; query values are strings, repeated keys as URLSearchParams holds them. */
export function getJson<T>(path: string, query?: URLSearchParams, signal?: AbortSignal): Promise<T> {
  const search = query === undefined ? '' : query.toString();
  return request<T>(search === '' ? path : `${path}?${search}`, { signal, headers: { Accept: 'application/json' } });
}

export function postJson<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  return request<T>(path, {
    method: 'POST',
    signal,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(body),
  });
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export type LiveState = 'connecting' | 'open' | 'reconnecting' | 'stopped';

/**
 * Follows /api/live with these filters: each run change to onChange. EventSource reconnects by itself, sending the
 * last event id, and the server resumes right after it. When the server refuses the stream (a bad filter, no token)
 * EventSource gives up without saying why: the same request is made once with fetch to read the server's message.
 * Returns the function that closes the stream.
 */
export function openLive(
  query: URLSearchParams,
  onChange: (change: Change) => void,
  onState: (state: LiveState, message?: string) => void = () => {},
): () => void {
  const search = query.toString();
  const url = search === '' ? '/api/live' : `/api/live?${search}`;
  const source = new EventSource(url);
  const probe = new AbortController();
  onState('connecting');
  source.addEventListener('open', () => onState('open'));
  source.addEventListener('error', () => {
    if (source.readyState !== EventSource.CLOSED) return onState('reconnecting');
    void whyRefused(url, probe.signal).then(
      (message) => onState('stopped', message),
      () => undefined,
    );
  });
  source.addEventListener('change', (event) => {
    let change: Change;
    try {
      change = JSON.parse((event as MessageEvent<string>).data) as Change;
    } catch {
      return;
    }
    onChange(change);
  });
  return () => {
    source.close();
    probe.abort();
  };
}

async function whyRefused(url: string, signal: AbortSignal): Promise<string> {
  const response = await fetch(url, { signal, credentials: 'same-origin', headers: { Accept: 'application/json' } });
  if (response.ok) {
    await response.body?.cancel();
    return 'live updates stopped: the connection was lost (reload to reconnect)';
  }
  const body = (await response.json().catch(() => null)) as { error?: unknown } | null;
  const reason = typeof body?.error === 'string' ? body.error : `HTTP ${response.status}`;
  return `live updates stopped: ${reason}`;
}
