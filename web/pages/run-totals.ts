/** The run page's header: what the run was, how it ended, how long it took, its tokens and cost. */
import { facts, h, link } from '../dom';
import { count, dateTime, duration, runCost, tokensIn, tokensOut } from '../format';
import type { Tree } from '../types';
import { costSources, runStatus, runTotals, type StepRow } from './run-model';
import { statusBadge } from './runs-table';

export function runHeader(tree: Tree, rows: readonly StepRow[], span: { start: number; end: number }): HTMLElement {
  const root = tree.roots[0]?.execution;
  const status = runStatus(tree);
  const { totals, partial } = runTotals(tree, rows);
  const soFar = partial ? ' so far' : '';
  const unpriced = totals.unknownCostCalls ?? 0;
  const sources = costSources(rows);
  const error = tree.roots.map((node) => node.execution).find((execution) => execution.errorMessage !== null);
  return h(
    'div',
    { class: 'run-head', testid: 'run-totals' },
    h(
      'div',
      { class: 'page-head' },
      h('h1', null, root?.agentName ?? root?.name ?? tree.traceId),
      statusBadge(status),
      h('span', { class: 'muted' }, `trace ${tree.traceId}`),
    ),
    h(
      'div',
      { class: 'cards' },
      card('duration', runDuration(tree, span, status), 'run-duration'),
      card('steps', count(rows.length), 'run-steps'),
      card('tokens in', `${count(tokensIn(totals))}${soFar}`, 'run-tokens-in'),
      card('cached', count(sumOf(totals.cacheReadTokens, totals.cacheWriteTokens)), 'run-tokens-cached'),
      card('tokens out', `${count(tokensOut(totals))}${soFar}`, 'run-tokens-out'),
      card('cost', `${runCost(totals)}${soFar}`, 'run-cost'),
    ),
    facts([
      ['started', root === undefined ? null : dateTime(root.startedAt)],
      ['cost source', sources === '' ? null : sources],
      ['unpriced', unpriced > 0 ? `${unpriced} model call(s) without a price: the cost is a lower bound` : null],
      ['user', root?.userId ?? null],
      [
        'session',
        root?.sessionId == null ? null : link(`/?sessionId=${encodeURIComponent(root.sessionId)}`, root.sessionId),
      ],
      ['tenant', root?.tenantId ?? null],
      ['conversation', root?.conversationId ?? null],
      ['metadata', root?.metadata == null ? null : JSON.stringify(root.metadata)],
    ]),
    error === undefined
      ? null
      : h(
          'p',
          { class: 'run-error error-text', testid: 'run-error' },
          h('strong', null, error.errorType ?? 'Error'),
          `: ${error.errorMessage ?? ''}`,
        ),
  );
}

/** A finished run's measured duration, as the runs list shows it; while running, the time so far. */
function runDuration(tree: Tree, span: { start: number; end: number }, status: string): string {
  const measured = tree.roots.length === 1 ? tree.roots[0]!.performance?.durationMs : null;
  if (status !== 'running' && measured != null) return duration(measured);
  return `${duration(span.end - span.start)}${status === 'running' ? ' so far' : ''}`;
}

function card(label: string, value: string, testid: string): HTMLElement {
  return h(
    'div',
    { class: 'card' },
    h('div', { class: 'card-label' }, label),
    h('div', { class: 'card-value', testid }, value),
  );
}

function sumOf(a: number | null, b: number | null): number | null {
  return a === null && b === null ? null : (a ?? 0) + (b ?? 0);
}
