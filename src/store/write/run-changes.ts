import type { ExecutionRecord, ExecutionStatus } from '../../model/records';
import type { MergedSpan } from './dedupe-records';

/** How a change is stored in agentspan_run_changes.changes: one letter each. */
export const CHANGE_LETTERS = {
  started: 's',
  step: 'p',
  completed: 'c',
  failed: 'f',
  cancelled: 'x',
  abandoned: 'a',
} as const satisfies Record<string, string>;

export type RunChangeType = keyof typeof CHANGE_LETTERS;

const FINAL_LETTERS: Record<Exclude<ExecutionStatus, 'running'>, string> = {
  completed: CHANGE_LETTERS.completed,
  failed: CHANGE_LETTERS.failed,
  cancelled: CHANGE_LETTERS.cancelled,
  abandoned: CHANGE_LETTERS.abandoned,
};

/** The width of a run key: its trace id (32 hex characters) then its span id (16); 24 bytes in the change log. */
export const RUN_KEY_WIDTH = 48;

/**
 * The run changes of a write part as Node can tell them from the part alone, in the row's form: `runs` the run keys
 * (trace id and span id, as hex text of fixed width, no separator; bytes in the log), `letters` one letter each. A
 * watcher wants starts, then steps, then ends: `head` holds the starts and the steps Node found, `tail` the ends; the
 * SQL puts the steps it finds in between (see run-change-sql.ts).
 */
export interface RunChanges {
  headRuns: string;
  headLetters: string;
  tailRuns: string;
  tailLetters: string;
  /** The run keys of the steps in head, which the SQL must not add again. */
  stepKeys: string[];
  /** Stored spans above finished spans of the part: the SQL walks up from them to the runs still running. */
  seedTraceIds: string[];
  seedSpanIds: string[];
}

/**
 * What a write part changes about runs (agent executions):
 * - `started` for an agent whose `running` record the part carries (alone, or merged with its final record);
 * - its final status for an agent whose final record the part carries;
 * - `step` for every agent that is still running above a span the part finishes (a finished sub-agent is a step of
 *   the runs above it). Ancestors the part holds are followed here; where the chain leaves the part, its next span
 *   becomes a seed for the SQL, which follows the stored rows (under the part's trace locks, so it sees every earlier
 *   write of the trace) and adds the agents it finds running. A chain broken by a span not stored yet (a task ends
 *   after its children) reaches its run when that span is written.
 *
 * Linear: spans come sorted by trace, each trace's spans are looked up in a map of that trace alone, and a span
 * already walked through is not walked again.
 */
export function collectRunChanges(spans: readonly MergedSpan[]): RunChanges {
  const started: ExecutionRecord[] = [];
  const stepped: ExecutionRecord[] = [];
  const ended: ExecutionRecord[] = [];
  const seedTraceIds: string[] = [];
  const seedSpanIds: string[] = [];
  // One map and one set for the whole part, cleared per trace: no allocation per trace.
  const bySpanId = new Map<string, ExecutionRecord>();
  const walked = new Set<string>();
  for (let start = 0; start < spans.length;) {
    const traceId = spans[start]!.record.execution.traceId;
    bySpanId.clear();
    walked.clear();
    let end = start;
    for (; end < spans.length && spans[end]!.record.execution.traceId === traceId; end++) {
      bySpanId.set(spans[end]!.record.execution.spanId, spans[end]!.record.execution);
    }
    for (let i = start; i < end; i++) {
      const span = spans[i]!;
      const execution = span.record.execution;
      if (execution.kind === 'agent') {
        if (execution.status === 'running' || span.originals.some((record) => record.execution.status === 'running'))
          started.push(execution);
        if (execution.status !== 'running') ended.push(execution);
      }
      if (execution.status === 'running') continue;
      // Up from the finished span: every running agent on the way gets a step.
      for (let parentId = execution.parentSpanId; parentId !== null && !walked.has(parentId);) {
        walked.add(parentId);
        const parent = bySpanId.get(parentId);
        if (parent === undefined) {
          seedTraceIds.push(traceId);
          seedSpanIds.push(parentId);
          break;
        }
        if (parent.kind === 'agent' && parent.status === 'running') stepped.push(parent);
        parentId = parent.parentSpanId;
      }
    }
    start = end;
  }
  const starts = keyed(started);
  const steps = keyed(stepped);
  const ends = keyed(ended);
  return {
    headRuns: starts.joined + steps.joined,
    headLetters: CHANGE_LETTERS.started.repeat(starts.keys.length) + CHANGE_LETTERS.step.repeat(steps.keys.length),
    tailRuns: ends.joined,
    tailLetters: ends.runs.map((execution) => FINAL_LETTERS[execution.status as keyof typeof FINAL_LETTERS]).join(''),
    stepKeys: steps.keys,
    seedTraceIds,
    seedSpanIds,
  };
}

const keyOf = (execution: ExecutionRecord): string => execution.traceId + execution.spanId;

/**
 * The runs that can be logged, with their keys: lowercase hex ids of the standard widths, which the log keeps as
 * bytes and gives back unchanged. Any span the SDK makes has them; a record with other ids (a hand-made one) is
 * written, but no watcher hears of its run. Checked all at once (one pattern over the joined keys, which every run of
 * a part passes but for such a record), one by one only when that fails.
 */
function keyed(runs: ExecutionRecord[]): { runs: ExecutionRecord[]; keys: string[]; joined: string } {
  const keys = runs.map(keyOf);
  const joined = keys.join('');
  if (joined.length === keys.length * RUN_KEY_WIDTH && HEX.test(joined)) return { runs, keys, joined };
  const kept = runs.filter((run) => HEX_TRACE_ID.test(run.traceId) && HEX_SPAN_ID.test(run.spanId));
  const keptKeys = kept.map(keyOf);
  return { runs: kept, keys: keptKeys, joined: keptKeys.join('') };
}

const HEX = /^[0-9a-f]*$/;

/** The ids a run key holds; run-change-sql.ts checks stored ids with the same patterns. */
export const TRACE_ID_PATTERN = '^[0-9a-f]{32}$';
export const SPAN_ID_PATTERN = '^[0-9a-f]{16}$';
const HEX_TRACE_ID = new RegExp(TRACE_ID_PATTERN);
const HEX_SPAN_ID = new RegExp(SPAN_ID_PATTERN);

/** Whether a part changes nothing a watcher could see, so no SQL is needed. */
export function noRunChanges(changes: RunChanges): boolean {
  return changes.headLetters.length + changes.tailLetters.length === 0 && changes.seedSpanIds.length === 0;
}
