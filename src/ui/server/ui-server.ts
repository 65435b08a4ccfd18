import { diag } from '@opentelemetry/api';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen } from '../../internal/listen';
import { hostName, isLoopback } from '../../internal/loopback';
import { AccessToken } from './access-token';
import { answerFailure, apiRoutes, type UiData } from './api-routes';
import { sendError, setSecurityHeaders } from './http-responses';
import { LiveEvents } from './live-events';
import { StaticAssets } from './static-assets';
import { checkUiServerOptions, type UiServerOptions } from './ui-server-options';

export interface UiServer {
  /** Where the dashboard is, e.g. http://127.0.0.1:4319/ */
  readonly url: string;
  readonly port: number;
  /** Ends the live streams and stops listening. Idempotent. */
  close(): Promise<void>;
  /**
   * Lets the process end while the dashboard listens, and while pages are connected to it: the in-process dashboard
   * does, as nothing of agentspan's keeps an application alive on its own (`agentspan ui` does not).
   */
  unref(): void;
}

/**
 * Serves the dashboard: the built page and its JSON API over `data` (README, "Dashboard"). Binds 127.0.0.1 unless
 * told otherwise with a token; without a token it also answers only requests addressed to a loopback name (a web page
 * elsewhere that rebinds its own host name to 127.0.0.1 gets nothing), and a write must come from the page's origin.
 */
export async function startUiServer(data: UiData, options?: UiServerOptions): Promise<UiServer> {
  const checked = checkUiServerOptions(options);
  const assets = StaticAssets.locate();
  const token = checked.token === undefined ? undefined : new AccessToken(checked.token);
  const live = new LiveEvents();
  const api = apiRoutes(data, live);

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    setSecurityHeaders(response);
    const url = new URL(request.url ?? '/', 'http://agentspan.invalid');
    if (token === undefined && !isLoopback(hostName(request.headers.host))) {
      sendError(response, 403, 'forbidden', 'this dashboard answers only requests to localhost or 127.0.0.1');
      return;
    }
    if (token !== undefined && !token.admits(request)) {
      if (request.method === 'GET' && token.acceptFromAddress(url, response)) return;
      sendError(response, 401, 'unauthorized', 'this dashboard needs its token: open it as /?token=<token>');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD' && !sameOrigin(request)) {
      sendError(response, 403, 'forbidden', 'a write must come from the dashboard itself');
      return;
    }
    if (url.pathname === '/api' || url.pathname.startsWith('/api/')) {
      await api(request, response, url);
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      sendError(response, 405, 'bad_request', 'GET only');
      return;
    }
    assets.send(url.pathname, response);
  };

  let unreferenced = false;
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (answerFailure(response, error)) return;
      diag.error(`agentspan: dashboard request ${request.method ?? ''} ${request.url ?? ''} failed: ${String(error)}`);
      if (!response.headersSent) sendError(response, 500, 'internal', 'the dashboard could not answer; see the logs');
      else response.destroy();
    });
  });
  server.on('connection', (socket) => {
    if (unreferenced) socket.unref();
  });
  const { port, url } = await listen(server, checked.port, checked.host);
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    unref() {
      unreferenced = true;
      server.unref();
      live.unref();
    },
    close() {
      closing ??= (async () => {
        await live.stopAll();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return closing;
    },
  };
}

/** No Origin (not a browser's cross-site request) or the request's own host. */
function sameOrigin(request: IncomingMessage): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}
