import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const COOKIE = 'agentspan_ui_token';

/**
 * The token rule of a server that has one: every request carries it, as `Authorization: Bearer <token>` or in the
 * cookie the page gets when it is first opened as `/?token=<token>` (HttpOnly, SameSite=Strict, then a redirect that
 * takes the token out of the address bar and history). Compared in constant time, over hashes so the length leaks
 * nothing either.
 */
export class AccessToken {
  readonly #digest: Buffer;

  constructor(token: string) {
    this.#digest = digest(token);
  }

  /** Whether the request carries the token (header or cookie). */
  admits(request: IncomingMessage): boolean {
    const header = request.headers.authorization;
    const bearer = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : undefined;
    return [bearer, cookieValue(request.headers.cookie, COOKIE)].some(
      (candidate) => candidate !== undefined && timingSafeEqual(digest(candidate), this.#digest),
    );
  }

  /**
   * `/?token=<token>` with the right token: sets the cookie and redirects to the same address without it (true, the
   * response is sent). False when the address has no token parameter.
   */
  acceptFromAddress(url: URL, response: ServerResponse): boolean {
    const given = url.searchParams.get('token');
    if (given === null || !timingSafeEqual(digest(given), this.#digest)) return false;
    url.searchParams.delete('token');
    response.writeHead(303, {
      'Set-Cookie': `${COOKIE}=${encodeURIComponent(given)}; HttpOnly; SameSite=Strict; Path=/`,
      Location: `${url.pathname}${url.search}`,
    });
    response.end();
    return true;
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
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
