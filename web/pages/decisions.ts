/**
 * Decisions (`/decisions`): decisions newest first, each with a form to record its outcome (the page's only write:
 * POST /api/decisions/:id/outcome), and how well confidence predicted the outcome score (calibration).
 */
import { describe, getJson, isAbort, postJson } from '../api';
import { drawChart } from '../charts';
import { errorBox, facts, field, h, input, link, replace, section, select } from '../dom';
import { count, dateTime, oneLine, percent } from '../format';
import { load, withQuery, type Page, type PageContext } from '../page';
import type { Decision, Decisions, DecisionStats, JsonValue } from '../types';

const FILTERS = ['agent', 'name', 'outcome', 'since', 'minConfidence'];

export const decisionsPage: Page = (context) => {
  const filters = new URLSearchParams();
  for (const key of FILTERS) {
    const value = context.query.get(key);
    if (value !== null && value !== '') filters.set(key, value);
  }
  const summary = h('div');
  const chart = h('div', { class: 'chart', testid: 'chart-calibration' });
  const list = h('div');
  const older = h('button', { class: 'secondary', testid: 'older', attrs: { type: 'button' } }, 'Older');
  const olderError = h('div');
  const body = h('tbody');
  let cursor: string | null = null;
  older.hidden = true;

  replace(
    context.root,
    h('div', { class: 'page-head' }, h('h1', null, 'Decisions')),
    filterForm(context),
    h(
      'div',
      { class: 'columns' },
      section('Outcomes', summary),
      section('Calibration: confidence against outcome score', chart),
    ),
    section('Decisions', list, h('div', { class: 'pager' }, older, olderError)),
  );

  const statsQuery = new URLSearchParams(filters);
  statsQuery.delete('outcome');
  statsQuery.delete('minConfidence');
  void load(context, summary, getJson<DecisionStats>('/api/decision-stats', statsQuery, context.signal), (stats) => {
    summary.append(outcomeSummary(stats));
    drawCalibration(context, chart, stats);
  });

  // /api/decisions has no filter on the decision point (decisions() takes none): the name is matched here, on the
  // decisions each page brings; decision-stats takes it.
  const name = filters.get('name');
  const note = h('p', { class: 'muted' }, `Showing the decisions named ${name ?? ''} among those loaded.`);
  note.hidden = name === null;
  const page = (after: string | null) => {
    const query = new URLSearchParams(filters);
    query.delete('name');
    query.set('limit', '50');
    if (after !== null) query.set('cursor', after);
    return getJson<Decisions>('/api/decisions', query, context.signal);
  };
  void load(context, list, page(null), (result) => {
    if (result.decisions.length === 0 && result.nextCursor === null) {
      list.append(h('p', { class: 'muted', testid: 'empty' }, 'No decisions match these filters.'));
      return;
    }
    list.append(
      h(
        'table',
        { class: 'grid', testid: 'decisions-table' },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            ...['agent', 'decision', 'choice', 'confidence', 'outcome', 'taken at', 'record outcome'].map((t) =>
              h('th', null, t),
            ),
          ),
        ),
        body,
      ),
      note,
    );
    addRows(result);
  });
  const addRows = (result: Decisions) => {
    for (const decision of result.decisions) {
      if (name === null || decision.name === name) body.append(decisionRow(decision));
    }
    cursor = result.nextCursor;
    older.hidden = cursor === null;
  };
  older.addEventListener('click', () => {
    if (cursor === null) return;
    replace(olderError);
    page(cursor).then(addRows, (error) => !isAbort(error) && replace(olderError, errorBox(describe(error))));
  });

  // One listener for every row's form.
  body.addEventListener('submit', (event) => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const row = form.closest<HTMLTableRowElement>('tr[data-decision-id]');
    if (row?.dataset.decisionId !== undefined) void record(context, row, form);
  });
};

function filterForm(context: PageContext): HTMLFormElement {
  const q = context.query;
  const outcomes: Array<[string, string]> = [
    ['', 'any outcome'],
    ['pending', 'pending'],
    ['recorded', 'recorded'],
  ];
  const since: Array<[string, string]> = [
    ['', 'any time'],
    ['24h', 'last 24 h'],
    ['7d', 'last 7 days'],
    ['30d', 'last 30 days'],
  ];
  const form = h(
    'form',
    { class: 'filters', testid: 'filters' },
    field('agent', input('filter-agent', 'agent', q.get('agent') ?? '', 'any agent')),
    field('decision', input('filter-name', 'name', q.get('name') ?? '', 'any decision')),
    field('outcome', select('filter-outcome', 'outcome', outcomes, q.get('outcome') ?? '')),
    field('min confidence', input('filter-confidence', 'minConfidence', q.get('minConfidence') ?? '', '0–1')),
    field('since', select('filter-since', 'since', since, q.get('since') ?? '')),
    h('button', { testid: 'apply-filters', attrs: { type: 'submit' } }, 'Apply'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [key, value] of new FormData(form))
      if (typeof value === 'string' && value.trim() !== '') next.set(key, value.trim());
    context.navigate(withQuery('/decisions', next));
  });
  return form;
}

function outcomeText(outcome: JsonValue): string {
  return outcome === null ? 'pending' : oneLine(JSON.stringify(outcome), 60);
}

function decisionRow(decision: Decision): HTMLTableRowElement {
  const form = h(
    'form',
    { class: 'outcome-form' },
    h('input', {
      testid: 'outcome-input',
      attrs: { name: 'outcome', type: 'text', placeholder: 'outcome', autocomplete: 'off' },
    }),
    h('input', {
      testid: 'score-input',
      attrs: { name: 'score', type: 'text', inputmode: 'decimal', placeholder: 'score 0–1', autocomplete: 'off' },
    }),
    h('button', { testid: 'record-outcome', attrs: { type: 'submit' } }, 'Record'),
    h('div', { class: 'form-message' }),
  );
  return h(
    'tr',
    { testid: 'decision-row', data: { decisionId: decision.decisionId } },
    h('td', null, decision.agentName ?? ''),
    h(
      'td',
      null,
      link(`/runs/${encodeURIComponent(decision.traceId)}?step=${encodeURIComponent(decision.spanId)}`, decision.name),
    ),
    h('td', { attrs: { title: JSON.stringify(decision.choice) } }, oneLine(decision.choice, 60)),
    h('td', { class: 'num' }, decision.confidence === null ? '–' : decision.confidence.toFixed(2)),
    h('td', { testid: 'decision-outcome' }, outcomeLabel(decision)),
    h('td', null, dateTime(decision.occurredAt)),
    h('td', null, form),
  );
}

function outcomeLabel(decision: Decision): string {
  const score = decision.outcomeScore === null ? '' : ` (score ${decision.outcomeScore.toFixed(2)})`;
  return `${outcomeText(decision.outcome)}${score}`;
}

/**
 * Posts the outcome: text that is JSON is sent as that value (`{"merged":true}`, `42`), any other text as a string;
 * the score as a number when it is one. The server checks both: its message is shown when it refuses.
 */
async function record(context: PageContext, row: HTMLTableRowElement, form: HTMLFormElement): Promise<void> {
  const data = new FormData(form);
  const raw = String(data.get('outcome') ?? '').trim();
  const scoreText = String(data.get('score') ?? '').trim();
  let outcome: JsonValue = raw === '' ? null : raw;
  try {
    if (raw !== '') outcome = JSON.parse(raw) as JsonValue;
  } catch {
    outcome = raw;
  }
  const score = scoreText === '' ? null : Number.isNaN(Number(scoreText)) ? scoreText : Number(scoreText);
  const message = form.querySelector<HTMLElement>('.form-message')!;
  const button = form.querySelector<HTMLButtonElement>('button')!;
  button.disabled = true;
  replace(message);
  try {
    const updated = await postJson<Decision>(
      `/api/decisions/${encodeURIComponent(row.dataset.decisionId!)}/outcome`,
      { outcome, score },
      context.signal,
    );
    row.querySelector('[data-testid="decision-outcome"]')!.textContent = outcomeLabel(updated);
    replace(message, h('span', { class: 'ok', testid: 'outcome-saved' }, 'recorded'));
    form.reset();
  } catch (error) {
    if (!isAbort(error)) replace(message, errorBox(describe(error)));
  } finally {
    button.disabled = false;
  }
}

function outcomeSummary(stats: DecisionStats): HTMLElement {
  return h(
    'div',
    { testid: 'decision-stats' },
    facts([
      ['decisions', count(stats.total)],
      ['pending', count(stats.pending)],
      ['recorded', count(stats.recorded)],
      ['avg confidence', stats.averageConfidence === null ? '–' : stats.averageConfidence.toFixed(2)],
      ['calibration error', stats.calibrationError === null ? '–' : percent(stats.calibrationError)],
    ]),
    ...stats.byOutcome.map((o) =>
      h(
        'div',
        { class: 'outcome-line' },
        `${outcomeText(o.outcome)}: ${count(o.count)}`,
        o.averageScore === null ? '' : ` · avg score ${o.averageScore.toFixed(2)}`,
        o.averageConfidence === null ? '' : ` · avg confidence ${o.averageConfidence.toFixed(2)}`,
      ),
    ),
  );
}

function drawCalibration(context: PageContext, container: HTMLElement, stats: DecisionStats): void {
  const buckets = stats.calibration;
  container.dataset.points = JSON.stringify(
    buckets.map((b) => [b.from, b.to, b.count, b.averageConfidence, b.averageScore]),
  );
  const fixed = (v: number) => v.toFixed(2);
  drawChart(context, container, {
    x: buckets.map((b) => (b.from + b.to) / 2),
    time: false,
    xFormat: fixed,
    range: [0, 1],
    series: [
      {
        label: 'avg score',
        values: buckets.map((b) => (b.count > 0 ? b.averageScore : null)),
        color: '#3b6fb6',
        format: fixed,
      },
      { label: 'perfect', values: buckets.map((b) => (b.from + b.to) / 2), color: '#999', dash: [4, 4], format: fixed },
      {
        label: 'decisions',
        values: buckets.map((b) => b.count),
        color: '#d68910',
        bars: true,
        right: true,
        format: count,
      },
    ],
  });
}
