/**
 * The run filters, kept in the page's query string exactly as the API takes them (agent, status, userId, tenantId,
 * sessionId, conversationId, errorContains, since, until, meta.<key>), so a filtered page survives a reload and the
 * same string goes to /api/runs and /api/live.
 */
import { field, h, input, select } from './dom';
import { STATUSES } from './format';
import type { PageContext } from './page';
import { withQuery } from './page';
import { RUN_FILTER_PARAMETERS } from '../src/ui/run-filter-parameters';

const KEYS: readonly string[] = RUN_FILTER_PARAMETERS;

export type FilterName = 'agent' | 'status' | 'userId' | 'tenantId' | 'sessionId' | 'errorContains' | 'since' | 'meta';

/** The run filters of a query string (other parameters left out). */
export function runFilters(query: URLSearchParams): URLSearchParams {
  const filters = new URLSearchParams();
  for (const [key, value] of query) {
    if ((KEYS.includes(key) || key.startsWith('meta.')) && value !== '') filters.append(key, value);
  }
  return filters;
}

/** `repo=acme/api; pr=318` from the meta.* parameters. */
function metaText(query: URLSearchParams): string {
  return [...query]
    .filter(([key]) => key.startsWith('meta.'))
    .map(([key, value]) => `${key.slice(5)}=${value}`)
    .join('; ');
}

/** The meta.* parameters of `key=value; key=value` (a pair without `=` is passed on for the server to refuse). */
function parseMeta(text: string, into: URLSearchParams): void {
  for (const pair of text.split(';')) {
    const trimmed = pair.trim();
    if (trimmed === '') continue;
    const at = trimmed.indexOf('=');
    if (at < 0) into.append(`meta.${trimmed}`, '');
    else into.append(`meta.${trimmed.slice(0, at).trim()}`, trimmed.slice(at + 1).trim());
  }
}

const SINCE: Array<[string, string]> = [
  ['', 'any time'],
  ['24h', 'last 24 h'],
  ['7d', 'last 7 days'],
  ['30d', 'last 30 days'],
];

/**
 * The filter form of a page: the fields asked for, filled from the query string; Apply navigates to path with the
 * new filters (a history entry: back goes to the previous filters). The tenant field is left out when the server
 * is pinned to a tenant.
 */
export function filterForm(context: PageContext, path: string, names: readonly FilterName[]): HTMLFormElement {
  const { query } = context;
  const controls: HTMLElement[] = [];
  const add = (name: FilterName, label: string, control: HTMLElement) => {
    if (names.includes(name)) controls.push(field(label, control));
  };
  const statuses = query.getAll('status');
  add('agent', 'agent', input('filter-agent', 'agent', query.get('agent') ?? '', 'any agent'));
  add(
    'status',
    'status',
    select(
      'filter-status',
      'status',
      [['', 'any status'], ...STATUSES.map((s) => [s, s] as [string, string])],
      statuses.join(','),
    ),
  );
  add('userId', 'user', input('filter-user', 'userId', query.get('userId') ?? ''));
  if (context.config.tenant === null) {
    add('tenantId', 'tenant', input('filter-tenant', 'tenantId', query.get('tenantId') ?? ''));
  }
  add('sessionId', 'session', input('filter-session', 'sessionId', query.get('sessionId') ?? ''));
  add('since', 'since', select('filter-since', 'since', SINCE, query.get('since') ?? ''));
  add('errorContains', 'error contains', input('filter-error', 'errorContains', query.get('errorContains') ?? ''));
  add('meta', 'metadata', input('filter-meta', 'meta', metaText(query), 'key=value; key=value'));

  const form = h(
    'form',
    { class: 'filters', testid: 'filters' },
    ...controls,
    h('button', { testid: 'apply-filters', attrs: { type: 'submit' } }, 'Apply'),
    h('button', { class: 'secondary', testid: 'clear-filters', attrs: { type: 'button' } }, 'Clear'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    // Parameters of the page that are not filters (a range, a bucket) stay.
    for (const [key, value] of query) if (!KEYS.includes(key) && !key.startsWith('meta.')) next.append(key, value);
    for (const [key, value] of new FormData(form)) {
      if (typeof value !== 'string' || value.trim() === '') continue;
      if (key === 'meta') parseMeta(value, next);
      else if (key === 'status') for (const status of value.split(',')) next.append('status', status);
      else next.append(key, value.trim());
    }
    // Filters of the URL that this form does not show (conversationId, until) stay too.
    for (const key of ['conversationId', 'until']) for (const value of query.getAll(key)) next.append(key, value);
    context.navigate(withQuery(path, next));
  });
  form.querySelector('[data-testid="clear-filters"]')?.addEventListener('click', () => context.navigate(path));
  return form;
}
