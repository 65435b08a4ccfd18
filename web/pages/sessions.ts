/** Sessions (`/sessions`): sessions newest first with their runs by status, duration, tokens and cost. */
import { describe, getJson, isAbort } from '../api';
import { errorBox, h, link, replace } from '../dom';
import { filterForm, runFilters } from '../filters';
import { count, dateTime, duration, runCost, tokenPair } from '../format';
import { load, type Page } from '../page';
import type { Session, Sessions } from '../types';
import { statusBadge } from './runs-table';

const HEADERS = [
  'session',
  'started',
  'last run',
  'runs',
  'by status',
  'duration',
  'tokens in / out',
  'cost',
  'agents',
];

export const sessionsPage: Page = (context) => {
  const filters = runFilters(context.query);
  const list = h('div');
  const body = h('tbody');
  const older = h('button', { class: 'secondary', testid: 'older', attrs: { type: 'button' } }, 'Older');
  const olderError = h('div');
  let cursor: string | null = null;
  older.hidden = true;

  replace(
    context.root,
    h('div', { class: 'page-head' }, h('h1', null, 'Sessions')),
    filterForm(context, '/sessions', ['agent', 'status', 'userId', 'tenantId', 'since', 'errorContains', 'meta']),
    list,
    h('div', { class: 'pager' }, older, olderError),
  );

  const page = (after: string | null) => {
    const query = new URLSearchParams(filters);
    query.set('limit', '50');
    if (after !== null) query.set('cursor', after);
    return getJson<Sessions>('/api/sessions', query, context.signal);
  };
  const add = (result: Sessions) => {
    for (const session of result.sessions) body.append(sessionRow(session));
    cursor = result.nextCursor;
    older.hidden = cursor === null;
  };

  void load(context, list, page(null), (result) => {
    if (result.sessions.length === 0) {
      list.append(h('p', { class: 'muted', testid: 'empty' }, 'No sessions match these filters.'));
      return;
    }
    list.append(
      h(
        'table',
        { class: 'grid', testid: 'sessions-table' },
        h('thead', null, h('tr', null, ...HEADERS.map((label) => h('th', null, label)))),
        body,
      ),
    );
    add(result);
  });

  older.addEventListener('click', () => {
    if (cursor === null) return;
    replace(olderError);
    page(cursor).then(add, (error) => !isAbort(error) && replace(olderError, errorBox(describe(error))));
  });

  // One listener: a click anywhere on a row opens the session's runs.
  body.addEventListener('click', (event) => {
    const target = event.target as Element;
    if (target.closest('a') !== null) return;
    const id = target.closest<HTMLElement>('tr[data-session-id]')?.dataset.sessionId;
    if (id !== undefined) context.navigate(sessionRuns(id));
  });
};

function sessionRuns(sessionId: string): string {
  return `/?${new URLSearchParams({ sessionId }).toString()}`;
}

function sessionRow(session: Session): HTMLTableRowElement {
  const statuses = Object.entries(session.statusCounts)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => h('span', { class: 'status-count' }, statusBadge(status, 'session-status'), ` ${n}`));
  const running = (session.statusCounts.running ?? 0) > 0;
  return h(
    'tr',
    { testid: 'session-row', class: 'clickable', data: { sessionId: session.sessionId } },
    h('td', null, link(sessionRuns(session.sessionId), session.sessionId)),
    h('td', null, dateTime(session.startedAt)),
    h('td', null, dateTime(session.lastStartedAt)),
    h('td', { class: 'num' }, count(session.runCount)),
    h('td', null, ...statuses),
    h(
      'td',
      { class: 'num' },
      `${duration(session.durationMs)}${running && session.durationMs !== null ? ' so far' : ''}`,
    ),
    h('td', { class: 'num' }, tokenPair(session.totals)),
    h('td', { class: 'num' }, runCost(session.totals)),
    h('td', null, session.agents.join(', ')),
  );
}
