import { createHash, timingSafeEqual } from 'node:crypto';

/** The shortest token a server (the dashboard, the collector) accepts: anything shorter is guessable. */
export const MIN_TOKEN_LENGTH = 16;

/**
 * A server's token, compared in constant time over SHA-256 digests, so that neither the content nor the length of a
 * wrong guess shows in the time taken.
 */
export class SharedSecret {
  readonly #digest: Buffer;

  constructor(token: string) {
    this.#digest = digest(token);
  }

  matches(candidate: string | undefined): boolean {
    return candidate !== undefined && timingSafeEqual(digest(candidate), this.#digest);
  }

  /** Whether an Authorization header is `Bearer <the token>`. */
  matchesBearer(header: string | undefined): boolean {
    return header?.startsWith('Bearer ') === true && this.matches(header.slice('Bearer '.length));
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
