import type { DataSource } from 'typeorm';
import { CHANGE_LETTERS, RUN_KEY_WIDTH } from '../../store/write/run-changes';
import { encodeChangeCursor, isAfter, type ChangePosition } from './change-cursor';
import type { ChangeRow } from './change-feed';
import { liveTotals } from './live-totals';
import { runKey, runSummaries, type RunKey } from './run-summaries';
import { statusOf, type CheckedWatchOptions } from './watch-options';
import type { RunChange, RunChangeType } from './watch-types';

const TYPE_OF_LETTER = new Map<string, RunChangeType>(
  Object.entries(CHANGE_LETTERS).map(([type, letter]) => [letter, type as RunChangeType]),
);

/** Distinct runs a query takes at once (history's largest page). */
const RUNS_PER_QUERY = 1_000;

interface Change extends RunKey {
  type: RunChangeType;
  position: ChangePosition;
}

/**
 * The events of change rows after `after`: each change of a run that matches the filters (and whose status is one
 * asked for), with the run as history lists it now and, while it runs, its totals so far. Changes of runs that do not
 * match are skipped, never delivered later: the watch's place moves past them all the same.
 */
export async function changeEvents(
  dataSource: DataSource,
  options: CheckedWatchOptions,
  rows: readonly ChangeRow[],
  after: ChangePosition,
): Promise<RunChange[]> {
  const changes: Change[] = [];
  for (const row of rows) {
    for (let index = 0; index < row.changes.length; index++) {
      if (!isAfter(row.xactId, index, after)) continue;
      const type = TYPE_OF_LETTER.get(row.changes[index]!);
      // A letter this version does not know (a newer writer): skipped.
      if (type === undefined) continue;
      if (options.statuses !== undefined && !options.statuses.has(statusOf(type))) continue;
      const position = { xactId: row.xactId, index };
      const at = index * RUN_KEY_WIDTH;
      const traceId = row.runs.slice(at, at + 32);
      changes.push({ type, position, traceId, spanId: row.runs.slice(at + 32, at + RUN_KEY_WIDTH) });
    }
  }
  const runs = [...new Map(changes.map((change) => [runKey(change), change])).values()];
  const summaries = new Map<string, RunChange['run']>();
  for (let start = 0; start < runs.length; start += RUNS_PER_QUERY) {
    const found = await runSummaries(dataSource, options.filters, runs.slice(start, start + RUNS_PER_QUERY));
    for (const [key, summary] of found) summaries.set(key, summary);
  }
  const running = [...summaries.values()].filter((run) => run.status === 'running');
  for (let start = 0; start < running.length; start += RUNS_PER_QUERY) {
    const totals = await liveTotals(dataSource, running.slice(start, start + RUNS_PER_QUERY));
    for (const [key, runTotals] of totals) summaries.get(key)!.totals = runTotals;
  }
  const events: RunChange[] = [];
  for (const change of changes) {
    const run = summaries.get(runKey(change));
    if (run === undefined) continue;
    events.push({ type: change.type, run: { ...run }, cursor: encodeChangeCursor(change.position) });
  }
  return events;
}
