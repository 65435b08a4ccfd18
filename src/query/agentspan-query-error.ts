/** Why a query call was refused: a bad argument, or a row it names that does not exist. */
export type AgentspanQueryErrorCode = 'invalid-argument' | 'not-found';

/**
 * A query refused at the API boundary, before any SQL runs (or, for `not-found`, because the row it names is absent).
 * The message starts with the method name, e.g. `history: limit must be an integer from 1 to 1000, got 0`.
 * Database failures are not wrapped: they reach the caller as the driver reported them.
 */
export class AgentspanQueryError extends Error {
  override readonly name = 'AgentspanQueryError';

  constructor(
    message: string,
    readonly code: AgentspanQueryErrorCode = 'invalid-argument',
  ) {
    super(message);
  }
}
