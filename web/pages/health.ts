/**
 * Health (`/health`): whether the database answers, how fresh the hourly rollups are, and — when the dashboard is
 * served from inside the application — the span processor's queue, breaker and drops. Refreshed every 10 s.
 */
import { getJson } from '../api';
import { facts, h, replace, section, table } from '../dom';
import { ago, count, dateTime } from '../format';
import { every, showError, type Page } from '../page';
import type { Health, ProcessHealth } from '../types';

export const healthPage: Page = (context) => {
  const body = h('div');
  const stamp = h('span', { class: 'muted' });
  replace(context.root, h('div', { class: 'page-head' }, h('h1', null, 'Health'), stamp), body);
  replace(body, h('p', { class: 'muted', testid: 'loading' }, 'loading…'));
  const refresh = () =>
    getJson<Health>('/api/health', undefined, context.signal).then(
      (health) => {
        replace(body, ...view(health));
        stamp.textContent = `checked ${dateTime(new Date().toISOString())}`;
      },
      (error) => showError(context, body, error),
    );
  void refresh();
  every(context, 10_000, refresh);
};

function view(health: Health): HTMLElement[] {
  const { database, rollups } = health;
  return [
    section(
      'Database',
      h(
        'p',
        { testid: 'health-database' },
        h(
          'span',
          { class: `badge ${database.reachable ? 's-completed' : 's-failed'}` },
          database.reachable ? 'reachable' : 'unreachable',
        ),
        database.error === undefined ? '' : h('span', { class: 'error-text' }, ` ${database.error}`),
      ),
    ),
    section(
      'Rollups',
      h(
        'div',
        { testid: 'health-rollups' },
        rollups === null
          ? h('p', { class: 'muted' }, 'no rollup state (the database is unreachable or has no rollups yet)')
          : facts([
              [
                'latest hour rolled up',
                rollups.latestHour === null
                  ? 'none yet'
                  : `${dateTime(rollups.latestHour)} (${ago(rollups.latestHour)})`,
              ],
              ['lag', rollups.lagMinutes === null ? '–' : `${count(Math.round(rollups.lagMinutes))} min`],
            ]),
      ),
    ),
    section(
      'This process',
      health.process === null
        ? h(
            'p',
            { class: 'muted', testid: 'health-process' },
            'not served from inside the application: no in-process figures',
          )
        : processView(health.process),
    ),
  ];
}

function processView(process: ProcessHealth): HTMLElement {
  const { queue, breaker, counters, spill } = process;
  const drops = Object.entries(counters.dropped).filter(([, n]) => n > 0);
  return h(
    'div',
    { testid: 'health-process' },
    facts([
      ['queue depth', `${count(queue.depth)} records (${count(queue.bytes)} bytes)`],
      ['in flight', `${count(queue.inFlight)} records (${count(queue.inFlightBytes)} bytes)`],
      [
        'breaker',
        h(
          'span',
          { testid: 'health-breaker' },
          h('span', { class: `badge breaker-${breaker.state}` }, breaker.state),
          ` ${count(breaker.consecutiveFailures)} consecutive failures, opened ${count(breaker.opened)}×`,
          breaker.nextProbeAt === null ? '' : `, next probe ${dateTime(breaker.nextProbeAt)}`,
        ),
      ],
      ['recorded', count(counters.recorded)],
      ['written', count(counters.written)],
      ['retried', count(counters.retried)],
      ['dropped', count(counters.droppedTotal)],
      ['abandoned runs', count(counters.abandonedRuns)],
      [
        'spill',
        spill.enabled
          ? `${count(spill.pending)} pending, ${count(spill.files)} files, ${count(spill.bytes)} bytes`
          : 'off',
      ],
      ['last error', process.lastError],
    ]),
    drops.length === 0
      ? h('p', { class: 'muted' }, 'nothing dropped')
      : table(
          'health-drops',
          ['reason', 'dropped'],
          drops.map(([reason, n]) => [reason, count(n)]),
          'drop-row',
        ),
  );
}
