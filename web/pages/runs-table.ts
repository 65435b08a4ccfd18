/**
 * The runs table: one row per agent run, newest first, updated in place as live changes arrive. One delegated click
 * listener opens a run; running rows' durations tick without re-rendering the table.
 */
import { h, link, replace } from '../dom';
import { dateTime, duration, elapsed, oneLine, runCost, steps, tokenPair, count } from '../format';
import type { Run } from '../types';

interface Row {
  tr: HTMLTableRowElement;
  run: Run;
  duration: HTMLElement;
}

const HEADERS = [
  'status',
  'agent',
  'started',
  'duration',
  'steps',
  'tokens in / out',
  'cost',
  'user',
  'session',
  'error',
];

export function statusBadge(status: string, testid = 'run-status'): HTMLElement {
  return h('span', { class: `badge s-${status}`, testid }, status);
}

export class RunsTable {
  readonly element: HTMLTableElement;
  private readonly body: HTMLTableSectionElement;
  private readonly rows = new Map<string, Row>();

  constructor(open: (traceId: string) => void) {
    this.body = h('tbody');
    this.element = h(
      'table',
      { class: 'grid runs', testid: 'runs-table' },
      h('thead', null, h('tr', null, ...HEADERS.map((label) => h('th', null, label)))),
      this.body,
    );
    this.body.addEventListener('click', (event) => {
      const target = event.target as Element;
      if (target.closest('a') !== null) return; // the link's own navigation
      const tr = target.closest<HTMLTableRowElement>('tr[data-trace-id]');
      if (tr?.dataset.traceId !== undefined) open(tr.dataset.traceId);
    });
  }

  get size(): number {
    return this.rows.size;
  }

  /** Adds runs below the ones shown (the next page); runs already shown are updated instead. */
  append(runs: readonly Run[]): void {
    for (const run of runs) {
      const row = this.rows.get(run.executionId);
      if (row !== undefined) this.fill(row, run);
      else this.body.appendChild(this.create(run).tr);
    }
  }

  /**
   * Shows a run as a live change brings it: updates its row, or inserts it where its start time puts it. A new run
   * older than every row shown is left for the next page when there is one (hasMore).
   */
  upsert(run: Run, hasMore: boolean): void {
    const existing = this.rows.get(run.executionId);
    if (existing !== undefined) {
      // A change read late can carry an older picture of the run than the one shown: keep the newest.
      if (existing.run.status !== 'running' && run.status === 'running') return;
      this.fill(existing, run);
      // Switching between two classes of the same animation restarts it, without a forced layout.
      const again = existing.tr.classList.contains('fresh');
      existing.tr.classList.toggle('fresh', !again);
      existing.tr.classList.toggle('fresh-again', again);
      return;
    }
    const started = Date.parse(run.startedAt);
    const before = [...this.rows.values()].find((row) => Date.parse(row.run.startedAt) < started);
    if (before === undefined && hasMore) return;
    const row = this.create(run);
    row.tr.classList.add('fresh');
    this.body.insertBefore(row.tr, before?.tr ?? null);
  }

  /** Running runs: their elapsed time, now. */
  tick(now: number): void {
    for (const row of this.rows.values()) {
      if (row.run.status === 'running')
        row.duration.textContent = duration(elapsed(row.run.startedAt, null, 'running', now));
    }
  }

  private create(run: Run): Row {
    const tr = h('tr', { testid: 'run-row', class: 'clickable' });
    const row: Row = { tr, run, duration: h('td', { testid: 'run-duration', class: 'num' }) };
    this.rows.set(run.executionId, row);
    this.fill(row, run);
    return row;
  }

  private fill(row: Row, run: Run): void {
    row.run = run;
    const { tr, duration: durationCell } = row;
    tr.dataset.traceId = run.traceId;
    tr.dataset.executionId = run.executionId;
    tr.dataset.status = run.status;
    durationCell.textContent = duration(elapsed(run.startedAt, run.durationMs, run.status, Date.now()));
    const error = run.errorMessage === null ? '' : `${run.errorType ?? 'Error'}: ${run.errorMessage}`;
    const errorCell = h('td', { class: 'error-text', testid: 'run-error', text: oneLine(error, 80) });
    if (error !== '') errorCell.title = error;
    replace(
      tr,
      h('td', null, statusBadge(run.status)),
      h('td', { testid: 'run-agent' }, link(`/runs/${encodeURIComponent(run.traceId)}`, run.agentName ?? run.name)),
      h('td', { attrs: { title: run.startedAt } }, dateTime(run.startedAt)),
      durationCell,
      h('td', { class: 'num', testid: 'run-steps' }, count(steps(run.totals))),
      h('td', { class: 'num', testid: 'run-tokens' }, tokenPair(run.totals)),
      h('td', { class: 'num', testid: 'run-cost' }, runCost(run.totals)),
      h('td', null, run.userId ?? ''),
      h(
        'td',
        null,
        run.sessionId === null
          ? ''
          : link(`/?sessionId=${encodeURIComponent(run.sessionId)}`, oneLine(run.sessionId, 24)),
      ),
      errorCell,
    );
  }
}
