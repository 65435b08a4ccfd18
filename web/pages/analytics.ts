/**
 * Analytics (`/analytics`): over a range (24 h, 7 days, 30 days) in hour or day buckets, runs and their success rate,
 * duration percentiles and cost over time (uPlot), then cost by agent and by model, the top errors and the business
 * metrics of each agent. Range, bucket and the run filters live in the query string.
 */
import { getJson } from '../api';
import { drawChart, seconds } from '../charts';
import { h, link, replace, section, table } from '../dom';
import { filterForm, runFilters } from '../filters';
import { count, dateTime, duration, oneLine, percent, tokensIn, tokensOut, usd } from '../format';
import { load, withQuery, type Page, type PageContext } from '../page';
import type { Costs, ErrorRow, Stats } from '../types';

const RANGES = ['24h', '7d', '30d'];

export const analyticsPage: Page = (context) => {
  const range = RANGES.includes(context.query.get('range') ?? '') ? context.query.get('range')! : '7d';
  const bucket =
    context.query.get('bucket') === 'hour' || (context.query.get('bucket') === null && range === '24h')
      ? 'hour'
      : 'day';
  const base = runFilters(context.query);
  base.set('since', range);

  const chip = (label: string, testid: string, params: Record<string, string>, active: boolean) => {
    const query = new URLSearchParams(context.query);
    for (const [key, value] of Object.entries(params)) query.set(key, value);
    return link(withQuery('/analytics', query), label, { testid, class: active ? 'chip active' : 'chip' });
  };
  const chartBox = (testid: string) => h('div', { class: 'chart', testid });
  const charts = {
    runs: chartBox('chart-runs'),
    latency: chartBox('chart-latency'),
    cost: chartBox('chart-cost'),
  };
  const tables = { agents: h('div'), models: h('div'), errors: h('div'), metrics: h('div') };
  const approximate = h('p', { class: 'muted' });

  replace(
    context.root,
    h('div', { class: 'page-head' }, h('h1', null, 'Analytics')),
    h(
      'div',
      { class: 'toolbar' },
      h('span', { class: 'muted' }, 'range'),
      ...RANGES.map((r) => chip(r, `range-${r}`, { range: r }, r === range)),
      h('span', { class: 'muted' }, 'bucket'),
      chip('hour', 'bucket-hour', { bucket: 'hour' }, bucket === 'hour'),
      chip('day', 'bucket-day', { bucket: 'day' }, bucket === 'day'),
    ),
    filterForm(context, '/analytics', ['agent', 'userId', 'tenantId', 'meta']),
    section(`Runs per ${bucket} and success rate`, charts.runs),
    section(`Duration per ${bucket}: p50, p95, p99`, charts.latency, approximate),
    section(`Cost per ${bucket}`, charts.cost),
    h('div', { class: 'columns' }, section('Cost by agent', tables.agents), section('Cost by model', tables.models)),
    section('Top errors', tables.errors),
    section('Business metrics by agent', tables.metrics),
  );

  const query = (extra: Record<string, string>) => {
    const q = new URLSearchParams(base);
    for (const [key, value] of Object.entries(extra)) q.set(key, value);
    return q;
  };
  const get = <T>(path: string, extra: Record<string, string>) => getJson<T>(path, query(extra), context.signal);

  void load(context, charts.runs, get<Stats>('/api/stats', { groupBy: bucket }), (stats) => {
    drawTimeCharts(context, stats, charts.runs, charts.latency);
    approximate.textContent = stats.approximate ? 'from the hourly rollups: percentiles within 2.5 %' : '';
  });
  void load(context, charts.cost, get<Costs>('/api/costs', { groupBy: bucket }), (costs) => {
    charts.cost.dataset.points = JSON.stringify(costs.groups.map((g) => [g.bucketStart ?? g.key, g.costUsd]));
    drawChart(context, charts.cost, {
      x: costs.groups.map((group) => seconds(group.bucketStart ?? group.key)),
      step: bucket === 'hour' ? 3600 : 86_400,
      series: [
        { label: 'cost', values: costs.groups.map((g) => g.costUsd), color: '#2f7d5b', bars: true, format: usd },
      ],
    });
  });
  void load(context, tables.agents, get<Costs>('/api/costs', { groupBy: 'agent' }), (costs) =>
    tables.agents.append(costTable('cost-by-agent', 'agent', costs)),
  );
  void load(context, tables.models, get<Costs>('/api/costs', { groupBy: 'model' }), (costs) =>
    tables.models.append(costTable('cost-by-model', 'model', costs)),
  );
  void load(context, tables.errors, get<ErrorRow[]>('/api/errors', { limit: '10' }), (errors) =>
    tables.errors.append(errorTable(errors)),
  );
  void load(context, tables.metrics, get<Stats>('/api/stats', { groupBy: 'agent' }), (stats) =>
    tables.metrics.append(metricsTable(stats)),
  );
};

function drawTimeCharts(context: PageContext, stats: Stats, runs: HTMLElement, latency: HTMLElement): void {
  const x = stats.groups.map((group) => seconds(group.bucketStart ?? group.key));
  const step = stats.groupBy === 'hour' ? 3600 : 86_400;
  // What each chart plots, readable without the canvas (tests, tools): [bucket start, value…] per bucket.
  const bucketOf = (group: Stats['groups'][number]) => group.bucketStart ?? group.key;
  runs.dataset.points = JSON.stringify(stats.groups.map((g) => [bucketOf(g), g.count, g.successRate]));
  latency.dataset.points = JSON.stringify(
    stats.groups.map((g) => [bucketOf(g), g.duration.p50Ms, g.duration.p95Ms, g.duration.p99Ms]),
  );
  drawChart(context, runs, {
    x,
    step,
    rightRange: [0, 1],
    series: [
      { label: 'runs', values: stats.groups.map((g) => g.count), color: '#3b6fb6', bars: true, format: count },
      { label: 'failed', values: stats.groups.map((g) => g.failed), color: '#c0392b', bars: true, format: count },
      {
        label: 'success rate',
        values: stats.groups.map((g) => g.successRate),
        color: '#2f7d5b',
        right: true,
        format: (v) => percent(v, 0),
      },
    ],
  });
  drawChart(context, latency, {
    x,
    step,
    series: [
      { label: 'p50', values: stats.groups.map((g) => g.duration.p50Ms), color: '#3b6fb6', format: duration },
      { label: 'p95', values: stats.groups.map((g) => g.duration.p95Ms), color: '#d68910', format: duration },
      { label: 'p99', values: stats.groups.map((g) => g.duration.p99Ms), color: '#c0392b', format: duration },
    ],
  });
}

function costTable(testid: string, label: string, costs: Costs): HTMLElement {
  const rows = costs.groups.map((group) => [
    group.key ?? '(none)',
    count(group.executions),
    usd(group.costUsd),
    `${count(tokensIn(tokenBuckets(group.tokens)))} / ${count(tokensOut(tokenBuckets(group.tokens)))}`,
    group.unknownCost.executions > 0 ? `${count(group.unknownCost.executions)} unpriced` : '',
  ]);
  rows.push(['total', count(costs.total.executions), usd(costs.total.costUsd), '', '']);
  return table(testid, [label, 'executions', 'cost', 'tokens in / out', ''], rows, `${testid}-row`);
}

function tokenBuckets(tokens: Costs['total']['tokens']) {
  return {
    inputTokens: tokens.input,
    cacheReadTokens: tokens.cacheRead,
    cacheWriteTokens: tokens.cacheWrite,
    outputTokens: tokens.output,
    reasoningTokens: tokens.reasoning,
  };
}

function errorTable(errors: ErrorRow[]): HTMLElement {
  if (errors.length === 0) return h('p', { class: 'muted', testid: 'no-errors' }, 'No failures in this range.');
  return table(
    'top-errors',
    ['count', 'error', 'agents', 'first seen', 'last seen', 'latest run'],
    errors.map((error) => [
      count(error.count),
      h('span', { class: 'error-text' }, `${error.errorType ?? 'Error'}: ${oneLine(error.errorMessage ?? '', 160)}`),
      error.agents.join(', '),
      dateTime(error.firstSeenAt),
      dateTime(error.lastSeenAt),
      link(`/runs/${encodeURIComponent(error.latestTraceId)}`, 'open'),
    ]),
    'error-row',
  );
}

function metricsTable(stats: Stats): HTMLElement {
  const rows = stats.groups.flatMap((group) =>
    Object.entries(group.metrics).map(([name, metric]) => [
      group.key ?? '(none)',
      name,
      count(metric.count),
      formatNumber(metric.sum),
      formatNumber(metric.avg),
      metric.p95 === null ? '–' : formatNumber(metric.p95),
    ]),
  );
  if (rows.length === 0) return h('p', { class: 'muted' }, 'No business metrics recorded in this range.');
  return table('metrics', ['agent', 'metric', 'count', 'sum', 'avg', 'p95'], rows, 'metric-row');
}

function formatNumber(value: number): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: 2 });
}
