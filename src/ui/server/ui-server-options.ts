import { isLoopback } from '../../internal/loopback';
import { MIN_TOKEN_LENGTH } from '../../internal/shared-secret';

/** Where and how the dashboard is served. */
export interface UiServerOptions {
  /** TCP port. Default 4319; 0 picks a free one (the server's `url` says which). */
  port?: number;
  /**
   * The address to bind. Default 127.0.0.1: only this machine can open the page. Any other address is refused
   * unless `token` is set, and then every request must carry the token.
   */
  host?: string;
  /** A shared secret of at least 16 characters that every request must carry (see README, "Dashboard"). */
  token?: string;
}

/** The dashboard served from inside the application (`startAgentTelemetry({ ui })`). */
export interface DashboardOptions extends UiServerOptions {
  /** Show only this tenant: every page and API request is pinned to it. */
  tenant?: string;
}

export interface CheckedUiServerOptions {
  readonly port: number;
  readonly host: string;
  readonly token: string | undefined;
}

export const DEFAULT_UI_PORT = 4319;

/** The options checked: a clear TypeError at start, naming the option, never a server that binds wrongly. */
export function checkUiServerOptions(options: UiServerOptions = {}): CheckedUiServerOptions {
  if (options === null || typeof options !== 'object') throw new TypeError('agentspan: ui options must be an object');
  const port = options.port ?? DEFAULT_UI_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new TypeError(`agentspan: ui.port must be an integer from 0 to 65535, got ${String(options.port)}`);
  }
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host.length === 0) throw new TypeError('agentspan: ui.host must be a host name');
  const token = options.token;
  if (token !== undefined && (typeof token !== 'string' || token.length < MIN_TOKEN_LENGTH)) {
    throw new TypeError(`agentspan: ui.token must be a string of at least ${MIN_TOKEN_LENGTH} characters`);
  }
  if (!isLoopback(host) && token === undefined) {
    throw new TypeError(
      `agentspan: the dashboard binds to ${host}, which other machines can reach, only with a token ` +
        '(ui.token, or --token / AGENTSPAN_UI_TOKEN for agentspan ui); without one it binds to 127.0.0.1',
    );
  }
  return { port, host, token };
}
