import { AgentspanQueryError } from '../agentspan-query-error';
import { decodeTriple, encodeTriple } from '../cursor-codec';

/**
 * A place in the run change log: change `index` of the row of transaction `xactId` (see the CreateRunChanges
 * migration). Rows are read in transaction id order, changes in their row's order; "after" a position means every
 * change before it and itself have been seen.
 */
export interface ChangePosition {
  xactId: bigint;
  index: number;
}

/** The index that stands for "the whole row": a position after every change of its transaction. */
export const WHOLE_ROW = 2 ** 31 - 1;

const TAG = 'w';
const MAX_CURSOR_LENGTH = 100;

export function encodeChangeCursor(position: ChangePosition): string {
  return encodeTriple(TAG, position.xactId.toString(), position.index);
}

/** The position a watch cursor stands for; an AgentspanQueryError `<method>: invalid cursor` for anything else. */
export function decodeChangeCursor(method: string, cursor: unknown): ChangePosition {
  const invalid = () => new AgentspanQueryError(`${method}: invalid cursor (after)`);
  const [xactId, index] = decodeTriple(cursor, TAG, invalid, MAX_CURSOR_LENGTH);
  if (typeof xactId !== 'string' || !/^\d{1,19}$/.test(xactId)) throw invalid();
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > WHOLE_ROW) throw invalid();
  return { xactId: BigInt(xactId), index };
}

/** Whether change `index` of transaction `xactId` comes after `position`. */
export function isAfter(xactId: bigint, index: number, position: ChangePosition): boolean {
  return xactId > position.xactId || (xactId === position.xactId && index > position.index);
}
