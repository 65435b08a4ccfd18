/**
 * Run (`/runs/:traceId`): totals on top, the steps as a tree with their waterfall, and the panel of the step chosen
 * (`?step=<spanId>` keeps it across reloads). While the run runs, bars grow each second and the tree is fetched again
 * when /api/live reports a change of this trace (every 2 s when the server has no live stream).
 */
import { getJson, openLive } from '../api';
import { h, replace } from '../dom';
import { every, showError, withQuery, type Page } from '../page';
import type { Tree } from '../types';
import { flatten, runSpan, runStatus, visible, type StepRow } from './run-model';
import { runHeader } from './run-totals';
import { StepList } from './step-list';
import { stepPanel } from './step-panel';

export const runPage: Page = (context) => {
  const traceId = context.params[0] ?? '';
  const path = `/runs/${encodeURIComponent(traceId)}`;
  const head = h('div', null, h('p', { class: 'muted', testid: 'loading' }, 'loading…'));
  const message = h('div');
  const panelSlot = h('div', { class: 'panel-slot' });
  const collapsed = new Set<string>();
  let tree: Tree | null = null;
  let rows: StepRow[] = [];
  let bySpan = new Map<string, StepRow>();
  let selected = context.query.get('step');
  let closeLive: (() => void) | null = null;
  let revealed = false;

  const list = new StepList(
    (spanId) => select(spanId),
    (spanId) => {
      if (!collapsed.delete(spanId)) collapsed.add(spanId);
      draw();
    },
  );
  const layout = h('div', { class: 'run-layout' }, list.element, panelSlot);
  layout.hidden = true;
  replace(context.root, head, message, layout);

  const running = () => tree !== null && runStatus(tree) === 'running';

  function select(spanId: string | null) {
    selected = spanId;
    const query = new URLSearchParams(context.query);
    if (spanId === null) query.delete('step');
    else query.set('step', spanId);
    history.replaceState(history.state, '', withQuery(path, query));
    draw();
  }

  function draw(now = Date.now()) {
    if (tree === null) return;
    const span = runSpan(rows, now);
    replace(head, runHeader(tree, rows, span));
    list.set(visible(rows, collapsed), span, selected, collapsed);
    const row = selected === null ? undefined : bySpan.get(selected);
    layout.classList.toggle('with-panel', row !== undefined);
    if (row === undefined) replace(panelSlot);
    else
      replace(
        panelSlot,
        stepPanel(row.node, now, () => select(null)),
      );
  }

  let fetching = false;
  let again = false;
  async function fetchTree() {
    if (fetching) {
      again = true;
      return;
    }
    fetching = true;
    try {
      tree = await getJson<Tree>(`/api/runs/${encodeURIComponent(traceId)}`, undefined, context.signal);
      rows = flatten(tree);
      bySpan = new Map(rows.map((row) => [row.spanId, row]));
      replace(message);
      layout.hidden = false;
      draw();
      if (!revealed && selected !== null) list.reveal(selected);
      revealed = true;
      if (!running() && closeLive !== null) {
        closeLive();
        closeLive = null;
      }
    } catch (error) {
      if (tree === null) replace(head);
      showError(context, message, error);
    } finally {
      fetching = false;
    }
    if (again && !context.signal.aborted) {
      again = false;
      window.setTimeout(() => void fetchTree(), 500);
    }
  }

  void fetchTree().then(() => {
    if (!running() || context.signal.aborted) return;
    if (context.config.live) {
      // No trace filter in /api/live: every change is read, this trace's refetch the tree. Once open (again, after
      // a reconnection), the tree is fetched once more for a change made before the stream was there.
      closeLive = openLive(
        new URLSearchParams(),
        (change) => change.run.traceId === traceId && void fetchTree(),
        (state) => state === 'open' && void fetchTree(),
      );
      context.onLeave(() => closeLive?.());
    }
  });

  every(context, 1000, () => {
    if (!running()) return;
    const now = Date.now();
    const span = runSpan(rows, now);
    replace(head, runHeader(tree!, rows, span));
    list.draw(now, span);
  });
  if (!context.config.live) every(context, 2000, () => running() && void fetchTree());
};
