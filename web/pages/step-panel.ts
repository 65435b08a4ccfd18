/**
 * The panel of one step (data-testid="step-panel"): what it was given and returned, its model, tokens per bucket,
 * cost and where the cost came from, its decisions, logs and events, and its error with the stack. Text only.
 */
import { facts, h, type Child } from '../dom';
import { count, dateTime, duration, runCost, tokensIn, tokensOut, usd } from '../format';
import { jsonText, jsonView } from '../json-view';
import type { Decision, JsonValue, StepEvent, StepNode } from '../types';
import { statusBadge } from './runs-table';
import { KIND_ICON } from './step-list';

function block(title: string, testid: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'block', testid }, h('h3', null, title), ...children);
}

function json(title: string, testid: string, value: JsonValue | undefined): HTMLElement | null {
  if (value === null || value === undefined) return null;
  const view = jsonView(value, `${testid}-json`);
  const note =
    view.cuts > 0 ? h('span', { class: 'cut-note' }, ` ✂ ${view.cuts} value${view.cuts > 1 ? 's' : ''} cut`) : null;
  return h('section', { class: 'block', testid }, h('h3', null, title, note), view.element);
}

export function stepPanel(node: StepNode, now: number, close: () => void): HTMLElement {
  const { execution, performance } = node;
  const started = Date.parse(execution.startedAt);
  const ended = execution.completedAt === null ? null : Date.parse(execution.completedAt);
  const elapsed = performance?.durationMs ?? (ended ?? now) - started;
  const closeButton = h('button', { class: 'secondary close', testid: 'close-panel', attrs: { type: 'button' } }, '×');
  closeButton.addEventListener('click', close);
  return h(
    'aside',
    { class: 'step-panel', testid: 'step-panel', data: { spanId: execution.spanId } },
    h(
      'header',
      null,
      h('span', { class: `kind k-${execution.kind}` }, `${KIND_ICON[execution.kind] ?? '•'} ${execution.kind}`),
      h('h2', { testid: 'step-name' }, execution.name),
      statusBadge(execution.status, 'step-status'),
      closeButton,
    ),
    facts([
      ['duration', `${duration(elapsed)}${execution.status === 'running' ? ' so far' : ''}`],
      ['started', dateTime(execution.startedAt)],
      ['ended', execution.completedAt === null ? null : dateTime(execution.completedAt)],
      ['agent', execution.agentName],
      ['span', execution.spanId],
      ['instrumentation', execution.instrumentationScope ?? null],
      ['user', execution.userId],
      ['session', execution.sessionId],
      ['tenant', execution.tenantId],
      ['quality', execution.qualityScore === null ? null : String(execution.qualityScore)],
    ]),
    errorBlock(node),
    modelBlock(node),
    json('input', 'step-input', execution.input),
    json('output', 'step-output', execution.output),
    json('metrics', 'step-metrics', execution.metrics),
    json('metadata', 'step-metadata', execution.metadata),
    node.decisions.length === 0 ? null : block('decisions', 'step-decisions', ...node.decisions.map(decisionView)),
    node.events.length === 0 ? null : block('logs and events', 'step-events', ...node.events.map(eventView)),
  );
}

function errorBlock(node: StepNode): HTMLElement | null {
  const { errorType, errorMessage } = node.execution;
  if (errorType === null && errorMessage === null) return null;
  const stacks = node.events
    .map((event) => stackOf(event))
    .filter((stack): stack is string => stack !== null)
    .map((stack) => h('pre', { class: 'stack', testid: 'step-stack' }, stack));
  return block(
    'error',
    'step-error',
    h(
      'p',
      { class: 'error-text' },
      h('strong', null, errorType ?? 'Error'),
      errorMessage === null ? '' : `: ${errorMessage}`,
    ),
    ...stacks,
  );
}

/** The stack of an exception event (its attributes: { type, stacktrace }). */
function stackOf(event: StepEvent): string | null {
  const stack = event.attributes?.stacktrace;
  return typeof stack === 'string' ? stack : null;
}

function modelBlock(node: StepNode): HTMLElement | null {
  const performance = node.performance;
  if (performance === null) return null;
  const bucket = (label: string, value: number | null): [string, Child] => [
    `  ${label}`,
    value === null ? null : count(value),
  ];
  const known = [
    performance.inputTokens,
    performance.cacheReadTokens,
    performance.cacheWriteTokens,
    performance.outputTokens,
    performance.reasoningTokens,
  ].some((value) => value !== null);
  const subtree = performance.totals;
  const model = performance.responseModel ?? performance.requestModel;
  // A tool or task that reported nothing has nothing to show here.
  if (node.execution.kind !== 'llm' && !known && performance.costUsd === null && subtree === null && model === null) {
    return null;
  }
  return block(
    'model, tokens and cost',
    'step-model',
    facts([
      ['provider', performance.provider],
      ['model', model],
      ['requested', performance.responseModel !== null ? performance.requestModel : null],
      ['tokens in', known ? count(tokensIn(performance)) : null],
      bucket('fresh input', performance.inputTokens),
      bucket('cache read', performance.cacheReadTokens),
      bucket('cache write', performance.cacheWriteTokens),
      ['tokens out', known ? count(tokensOut(performance)) : null],
      bucket('output', performance.outputTokens),
      bucket('reasoning', performance.reasoningTokens),
      ['usage source', performance.usageSource],
      ['cost', performance.costUsd === null && node.execution.kind !== 'llm' ? null : usd(performance.costUsd)],
      ['cost source', performance.costSource],
      ['price id', performance.priceId === null ? null : String(performance.priceId)],
      ['counted', performance.counted ? null : 'no: another span reports these figures'],
      [
        'subtree tokens',
        subtree === null || (tokensIn(subtree) === null && tokensOut(subtree) === null)
          ? null
          : `${count(tokensIn(subtree))} in / ${count(tokensOut(subtree))} out`,
      ],
      ['subtree cost', subtree === null ? null : runCost(subtree)],
    ]),
  );
}

function decisionView(decision: Decision): HTMLElement {
  return h(
    'div',
    { class: 'decision', testid: 'step-decision' },
    facts([
      ['decision', decision.name],
      ['choice', jsonText(decision.choice)],
      ['confidence', decision.confidence === null ? null : decision.confidence.toFixed(2)],
      ['reasoning', decision.reasoning],
      ['alternatives', decision.alternatives === null ? null : jsonText(decision.alternatives)],
      ['outcome', decision.outcome === null ? 'pending' : jsonText(decision.outcome)],
      ['score', decision.outcomeScore === null ? null : decision.outcomeScore.toFixed(2)],
    ]),
  );
}

function eventView(event: StepEvent): HTMLElement {
  const attributes = event.attributes === null ? null : jsonView(event.attributes, 'event-attributes').element;
  return h(
    'div',
    { class: `event level-${event.level}`, testid: 'step-event' },
    h('span', { class: 'muted' }, dateTime(event.occurredAt)),
    ' ',
    h('span', { class: `level` }, event.level),
    ' ',
    h('span', { class: 'message' }, event.message),
    attributes,
  );
}
