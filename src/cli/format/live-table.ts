import type { ExecutionStatus, RunSummary } from '../../query/types';
import type { RunChange } from '../../query/watch/watch-types';
import { runCost, tokensIn, tokensOut } from './run-format';
import { oneLine } from './text-table';

/**
 * The runs `agentspan tail` (and `runs --follow`) shows: the newest `limit` runs, each as it was last seen, updated
 * by every change the watch delivers. With a status filter, a run that leaves the status leaves the table.
 */
export class LiveRunTable {
  readonly #runs = new Map<string, RunSummary>();

  constructor(
    private readonly limit: number,
    private readonly statuses: ReadonlySet<ExecutionStatus> | undefined,
  ) {}

  /** The runs read before watching (history's page). */
  seed(runs: readonly RunSummary[]): void {
    for (const run of runs) this.#put(run);
    this.#trim();
  }

  apply(change: RunChange): void {
    this.#put(change.run);
    this.#trim();
  }

  /** Newest first, as `agentspan runs` orders them. */
  runs(): RunSummary[] {
    return [...this.#runs.values()].sort(newestFirst);
  }

  #put(run: RunSummary): void {
    if (this.statuses !== undefined && !this.statuses.has(run.status)) this.#runs.delete(run.executionId);
    else this.#runs.set(run.executionId, run);
  }

  #trim(): void {
    if (this.#runs.size <= this.limit) return;
    for (const run of this.runs().slice(this.limit)) this.#runs.delete(run.executionId);
  }
}

const newestFirst = (a: RunSummary, b: RunSummary) =>
  b.startedAt.getTime() - a.startedAt.getTime() || (a.executionId < b.executionId ? 1 : -1);

/** One table row per run: how long it has been running (or ran), its steps and cost so far. */
export function liveRows(runs: readonly RunSummary[], now: Date): Array<Record<string, string>> {
  return runs.map((run) => ({
    started: run.startedAt.toISOString(),
    agent: run.agentName ?? run.name,
    status: run.status,
    elapsed: elapsed(run, now),
    steps: steps(run),
    // Counted and priced as `agentspan runs` shows them.
    'tokens in': count(tokensIn(run.totals)),
    'tokens out': count(tokensOut(run.totals)),
    'cost $': runCost(run.totals),
    trace: run.traceId,
    error: run.errorMessage === null ? '' : oneLine(run.errorMessage, 60),
  }));
}

/** One line for one change, when stdout is not a terminal: when, what, and the run's figures so far. */
export function changeLine(change: RunChange, now: Date): string {
  const { run } = change;
  const error = run.errorMessage === null ? '' : `  ${oneLine(run.errorMessage, 80)}`;
  return (
    `${now.toISOString()}  ${change.type.padEnd(9)}  ${run.agentName ?? run.name}  ${run.status}  ` +
    `${elapsed(run, now)}  steps ${steps(run) || '-'}  cost ${runCost(run.totals)}  ${run.traceId}${error}\n`
  );
}

/**
 * `text` drawn over what was drawn before (`previousLines` lines): the cursor goes back up to their first line and
 * everything below it is cleared (ANSI CSI A and J, which every terminal emulator in use understands).
 */
export function redraw(previousLines: number, text: string): string {
  return previousLines > 0 ? `\x1b[${previousLines}A\r\x1b[J${text}` : text;
}

export function lineCount(text: string): number {
  return text.split('\n').length - 1;
}

function elapsed(run: RunSummary, now: Date): string {
  const ms = run.status === 'running' ? now.getTime() - run.startedAt.getTime() : run.durationMs;
  if (ms === null) return '';
  const seconds = Math.max(0, ms) / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.floor(seconds);
  const hours = Math.floor(whole / 3600);
  const minutes = String(Math.floor((whole % 3600) / 60)).padStart(hours > 0 ? 2 : 1, '0');
  const rest = String(whole % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${minutes}:${rest}` : `${minutes}:${rest}`;
}

/** The model and tool calls of the run so far. */
function steps(run: RunSummary): string {
  const { llmCalls, toolCalls } = run.totals;
  return llmCalls === null && toolCalls === null ? '' : String((llmCalls ?? 0) + (toolCalls ?? 0));
}

function count(value: number | null): string {
  return value === null ? '' : value.toLocaleString('en-US');
}
