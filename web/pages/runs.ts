/** Runs (`/`): history newest first, filtered from the query string, kept up to date by /api/live. */
import { getJson, openLive, type LiveState } from '../api';
import { errorBox, h, replace } from '../dom';
import { filterForm, runFilters } from '../filters';
import { every, showError, type Page } from '../page';
import type { Change, Runs } from '../types';
import { RunsTable } from './runs-table';

const PAGE_SIZE = '50';

/** The page size: `?limit=` (the API's bounds apply), else 50. */
function pageSize(query: URLSearchParams): string {
  return /^\d+$/.test(query.get('limit') ?? '') ? query.get('limit')! : PAGE_SIZE;
}

export const runsPage: Page = (context) => {
  const filters = runFilters(context.query);
  const table = new RunsTable((traceId) => context.navigate(`/runs/${encodeURIComponent(traceId)}`));
  const status = h('span', { class: 'live muted', testid: 'live-state' });
  const message = h('div');
  const liveMessage = h('div');
  const empty = h('p', { class: 'muted', testid: 'empty' }, 'No runs match these filters.');
  const older = h('button', { testid: 'older', class: 'secondary', attrs: { type: 'button' } }, 'Older');
  const olderError = h('div');
  let cursor: string | null = null;

  empty.hidden = true;
  older.hidden = true;
  replace(
    context.root,
    h('div', { class: 'page-head' }, h('h1', null, 'Runs'), status),
    filterForm(context, '/', ['agent', 'status', 'userId', 'tenantId', 'sessionId', 'since', 'errorContains', 'meta']),
    message,
    liveMessage,
    table.element,
    empty,
    h('div', { class: 'pager' }, older, olderError),
  );

  const apply = (change: Change) => {
    table.upsert(change.run, cursor !== null);
    empty.hidden = table.size > 0;
  };

  // Opened once the first page is shown, from the change-log position taken before that page was read: a run that
  // starts or ends meanwhile arrives as a change (applied in place, so one seen twice does no harm), never missed.
  const follow = (liveCursor: string) => {
    if (!context.config.live) {
      status.textContent = 'live updates off';
      return;
    }
    const query = new URLSearchParams(filters);
    query.set('after', liveCursor);
    const close = openLive(query, apply, (state: LiveState, why?: string) => {
      status.textContent = { connecting: 'connecting…', open: '● live', reconnecting: 'reconnecting…', stopped: '' }[
        state
      ];
      status.classList.toggle('on', state === 'open');
      if (why !== undefined) replace(liveMessage, errorBox(why));
    });
    context.onLeave(close);
  };

  const page = (after: string | null) => {
    const query = new URLSearchParams(filters);
    query.set('limit', pageSize(context.query));
    if (after !== null) query.set('cursor', after);
    return getJson<Runs>('/api/runs', query, context.signal);
  };

  page(null).then(
    (result) => {
      if (context.signal.aborted) return;
      table.append(result.runs);
      cursor = result.nextCursor;
      older.hidden = cursor === null;
      empty.hidden = table.size > 0;
      follow(result.liveCursor);
    },
    (error) => showError(context, message, error),
  );

  older.addEventListener('click', () => {
    if (cursor === null) return;
    older.disabled = true;
    replace(olderError);
    page(cursor).then(
      (result) => {
        table.append(result.runs);
        cursor = result.nextCursor;
        older.hidden = cursor === null;
        older.disabled = false;
      },
      (error) => {
        older.disabled = false;
        showError(context, olderError, error);
      },
    );
  });

  every(context, 1000, () => table.tick(Date.now()));
};
