import { ROOT_CONTEXT, trace, type Context } from '@opentelemetry/api';
import type { ReadableSpan, Span } from '@opentelemetry/sdk-trace-base';
import type { ExecutionKind } from '../model/records';
import { nextTurn, SPANS_PER_SLICE } from '../internal/next-turn';
import { mapSpan } from '../mapping/map-span';
import { spanKindOf } from '../mapping/span-kind';
import { MappedRecord, mappedRecordSize } from './pending-spans';
import { SpanLineageTracker, type Placement } from './span-lineage';

export interface PlacedSpan {
  readonly span: ReadableSpan;
  readonly placement: Placement | undefined;
}

export interface PlacedSpans {
  /** The spans to store, each with its place in the run tree when that differs from what it says. */
  readonly placed: PlacedSpan[];
  /** Spans that are neither agentspan's nor GenAI spans: not stored. */
  readonly ignored: number;
}

/** Spans received together, placed and mapped, ready for AgentSpanProcessor.offer. */
export interface ReceivedBatch {
  /** The records to store: what waits in the queue is the record, not the span with all its attributes as well. */
  readonly records: MappedRecord[];
  /** Their estimated bytes, as the queue counts them. */
  readonly bytes: number;
  /** Spans that are neither agentspan's nor GenAI spans: not stored. */
  readonly ignored: number;
  /** Why each span the mapping refused was left out (none is queued). */
  readonly rejected: string[];
}

export type OfferOutcome = 'queued' | 'queue_full' | 'stopped';

/**
 * Spans that ended elsewhere and arrived together (one OTLP request), placed (placeReceivedSpans) and mapped now,
 * once, however often the batch is offered to a full queue. Mapped a slice at a time (see nextTurn): a large request
 * does not hold up the writer's transactions, which keep their traces' locks until they commit.
 */
export async function prepareReceivedSpans(spans: readonly ReadableSpan[]): Promise<ReceivedBatch> {
  const { placed, ignored } = placeReceivedSpans(spans);
  const records: MappedRecord[] = [];
  const rejected: string[] = [];
  let bytes = 0;
  for (let i = 0; i < placed.length; i++) {
    if (i > 0 && i % SPANS_PER_SLICE === 0) await nextTurn();
    const { span, placement } = placed[i]!;
    try {
      const record = mapSpan(span, 'end', undefined, placement);
      if (record === undefined) continue;
      const size = mappedRecordSize(record);
      bytes += size;
      records.push(new MappedRecord(record, size));
    } catch (error) {
      rejected.push(`span ${JSON.stringify(String(span.name).slice(0, 64))}: ${String(error)}`);
    }
  }
  return { records, bytes, ignored, rejected };
}

/**
 * Places spans that ended elsewhere and arrived together (one OTLP request) as the processor places the spans of its
 * own process, by replaying their lifecycle through a SpanLineageTracker of their own: every span starts (parents
 * before children, then by start time) with its parent, when that parent is among them, as the parent context; then
 * every span ends (by end time, children before parents). So within a request a span that is not stored passes its
 * place to its stored descendants and each model call is counted once, exactly as in process. Spans whose model call's
 * outermost span is not in the request are written on their own, each counted (as at the processor's shutdown); a
 * span whose parent is not in the request keeps the parent it names.
 */
export function placeReceivedSpans(spans: readonly ReadableSpan[]): PlacedSpans {
  const kinds: Array<ExecutionKind | undefined> = [];
  // By span id alone (a parent is looked up with its trace id checked): no key string to build per span.
  const bySpanId = new Map<string, number>();
  let ignored = 0;
  spans.forEach((span, index) => {
    const kind = spanKindOf(span.attributes, span.instrumentationScope.name, span.name);
    kinds.push(kind);
    if (kind === undefined) ignored++;
    bySpanId.set(span.spanContext().spanId, index);
  });
  const parentIndex = spans.map((span) => {
    const parent = span.parentSpanContext;
    const index = parent === undefined ? undefined : bySpanId.get(parent.spanId);
    return index !== undefined && spans[index]!.spanContext().traceId === span.spanContext().traceId ? index : -1;
  });
  const depth = depthsOf(parentIndex);
  const tracker = new SpanLineageTracker();
  const contexts: Array<Context | undefined> = new Array(spans.length);
  // Starts: by depth, then start time, so a parent has started (and holds its lineage) before any child.
  for (const index of orderBy(
    spans.length,
    (a, b) => depth[a]! - depth[b]! || startOf(spans[a]!) - startOf(spans[b]!),
  )) {
    const parent = parentIndex[index]!;
    const parentContext = parent < 0 ? ROOT_CONTEXT : contextOf(parent);
    tracker.start(spans[index] as unknown as Span, parentContext, kinds[index], false);
  }
  const placed: PlacedSpan[] = [];
  // Ends: every span after its descendants, siblings by end time. Not by end time alone: the SDK dates each span
  // from its own reading of the wall clock (millisecond steps), so a child can look as if it ended after its parent.
  for (const index of endOrder(spans, parentIndex)) {
    const kind = kinds[index];
    if (kind === undefined) continue;
    const decision = tracker.end(spans[index]!, kind);
    if (decision.kind === 'write') placed.push({ span: spans[index]!, placement: decision.placement });
    else if (decision.kind === 'release') placed.push(...decision.spans);
  }
  placed.push(...tracker.releaseAll());
  return { placed, ignored };

  function contextOf(index: number): Context {
    return (contexts[index] ??= trace.setSpan(ROOT_CONTEXT, spans[index] as unknown as Span));
  }
}

const startOf = (span: ReadableSpan) => span.startTime[0] * 1e9 + span.startTime[1];
const endOf = (span: ReadableSpan) => span.endTime[0] * 1e9 + span.endTime[1];

function orderBy(length: number, compare: (a: number, b: number) => number): number[] {
  return Array.from({ length }, (_, index) => index).sort(compare);
}

/** The spans in post-order of their tree (children, by end time, before their parent); a cycle's spans at the end. */
function endOrder(spans: readonly ReadableSpan[], parentIndex: readonly number[]): number[] {
  const byEnd = (a: number, b: number) => endOf(spans[a]!) - endOf(spans[b]!);
  const children: number[][] = spans.map(() => []);
  const roots: number[] = [];
  parentIndex.forEach((parent, index) => (parent < 0 ? roots : children[parent]!).push(index));
  const order: number[] = [];
  const visited = new Uint8Array(spans.length);
  // Iterative, so a deep chain of spans cannot exhaust the stack: [span, whether its children are done].
  const stack: Array<[number, boolean]> = roots
    .sort(byEnd)
    .reverse()
    .map((root) => [root, false]);
  while (stack.length > 0) {
    const [index, childrenDone] = stack.pop()!;
    if (childrenDone) {
      order.push(index);
      continue;
    }
    visited[index] = 1;
    stack.push([index, true]);
    for (const child of children[index]!.sort(byEnd).reverse()) stack.push([child, false]);
  }
  const inCycles = spans.map((_, index) => index).filter((index) => visited[index] === 0);
  return order.concat(inCycles.sort(byEnd));
}

/** Each span's depth among the request's spans (0 when its parent is not among them); a cycle counts as a root. */
function depthsOf(parentIndex: readonly number[]): number[] {
  const UNSEEN = -1;
  const ON_CHAIN = -2;
  const depth = new Array<number>(parentIndex.length).fill(UNSEEN);
  const chain: number[] = [];
  for (let index = 0; index < parentIndex.length; index++) {
    let at = index;
    while (at >= 0 && depth[at] === UNSEEN) {
      depth[at] = ON_CHAIN;
      chain.push(at);
      at = parentIndex[at]!;
    }
    let next = at >= 0 && depth[at]! >= 0 ? depth[at]! + 1 : 0;
    while (chain.length > 0) depth[chain.pop()!] = next++;
  }
  return depth;
}
