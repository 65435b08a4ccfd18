import { AgentspanQueryError } from './agentspan-query-error';
import { decodeTriple, encodeTriple } from './cursor-codec';
import { isExactTimestamp } from './exact-timestamp';
import { isStorableText } from './query-arguments';

/**
 * The cursor of sessions(): the position of the last session of a page, its first run's exact start and its session
 * id (the tie-break; any text, not a uuid, so not keyset-page's cursor). Opaque to callers (base64url JSON) and tagged,
 * so a runs or decisions cursor is refused.
 */

export interface SessionPosition {
  /** Exact UTC timestamp (exactTimestampSql). */
  at: string;
  sessionId: string;
}

const TAG = 's';
/** A session id is at most 256 characters; escaped and encoded, a cursor stays well under this. */
const MAX_CURSOR_LENGTH = 4096;
const MAX_SESSION_ID_LENGTH = 256;

export function encodeSessionCursor(position: SessionPosition): string {
  return encodeTriple(TAG, position.at, position.sessionId);
}

/** The position a cursor stands for; an AgentspanQueryError `<method>: invalid cursor` for anything else. */
export function decodeSessionCursor(method: string, cursor: unknown): SessionPosition {
  const invalid = () => new AgentspanQueryError(`${method}: invalid cursor`);
  const [at, sessionId] = decodeTriple(cursor, TAG, invalid, MAX_CURSOR_LENGTH);
  if (!isExactTimestamp(at)) throw invalid();
  if (typeof sessionId !== 'string' || sessionId.length === 0 || sessionId.length > MAX_SESSION_ID_LENGTH) {
    throw invalid();
  }
  if (!isStorableText(sessionId)) throw invalid();
  return { at, sessionId };
}
