import { maskUrlsIn } from '../../capture/mask-url';
import { describeDatabaseError } from '../../store/connection/errors';

const PREFIX = 'agentspan: ';

/**
 * A failure as the one line after `agentspan: `. agentspan's own errors (`agentspan: cannot connect to …: 28000: …`)
 * already say what happened and carry the SQLSTATE, so they are used as they are, without their prefix; describing
 * them again would print the code and the prefix twice. A driver's error is described: SQLSTATE and message.
 * Passwords never show.
 */
export function failureText(error: unknown): string {
  if (error instanceof Error && error.message.startsWith(PREFIX)) return maskUrlsIn(error.message.slice(PREFIX.length));
  return withoutPrefix(describeDatabaseError(error));
}

/** `text` without a leading `agentspan: `, for a message printed after one. */
export function withoutPrefix(text: string): string {
  return text.startsWith(PREFIX) ? text.slice(PREFIX.length) : text;
}
