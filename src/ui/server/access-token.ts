import type { IncomingMessage, ServerResponse } from 'node:http';
import { SharedSecret } from '../../internal/shared-secret';

const COOKIE = 'agentspan_ui_token';

/**
 * The token rule of a server that has one: every request carries it, as `Authorization: Bearer <token>` or in the
 * cookie the page gets when it is first opened as `/?token=<token>` (HttpOnly, SameSite=Strict, then a redirect that
 * takes the token out of the address bar and history). Compared in constant time, over hashes so the length leaks
 * nothing either.
 */
export class AccessToken {
  readonly #secret: SharedSecret;

  constructor(token: string) {
    this.#secret = new SharedSecret(token);
  }

  /** Whether the request carries the token (header or cookie). */
  admits(request: IncomingMessage): boolean {
    return (
      this.#secret.matchesBearer(request.headers.authorization) ||
      this.#secret.matches(cookieValue(request.headers.cookie, COOKIE))
    );
  }

  /**
   * `/?token=<token>` with the right token: sets the cookie and redirects to the same address without it (true, the
   * response is sent). False when the address has no token parameter.
   */
  acceptFromAddress(url: URL, response: ServerResponse): boolean {
    const given = url.searchParams.get('token');
    if (given === null || !this.#secret.matches(given)) return false;
    url.searchParams.delete('token');
    response.writeHead(303, {
      'Set-Cookie': `${COOKIE}=${encodeURIComponent(given)}; HttpOnly; SameSite=Strict; Path=/`,
      Location: `${url.pathname}${url.search}`,
    });
    response.end();
    return true;
  }
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) {
      try {
        return decodeURIComponent(value.join('='));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
