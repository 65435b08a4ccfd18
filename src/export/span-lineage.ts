import { trace, type Context } from '@opentelemetry/api';
import type { ReadableSpan, Span } from '@opentelemetry/sdk-trace-base';
import type { ExecutionKind } from '../model/records';
import { ModelCallGroup } from '../mapping/model-call-group';
import type { Placement } from '../mapping/placement';

export type { Placement };

/** A span of another instrumentation that is no model call: marked once a model call starts below it. */
class SummaryMark {
  hasModelCall = false;
  constructor(readonly parent: SummaryMark | undefined) {}
}

/** What the tracker keeps of a span from its start to its end. Spans outside any of these cases have none. */
interface Lineage {
  /** The span's own parent, when the one it names is not stored. */
  readonly parentOverride: string | null | undefined;
  /** The parent its children should name: set only on a span that is not stored itself. */
  readonly childParentId: string | null | undefined;
  /** The model call (outermost model-call span) this span is inside or is, and its nearest model-call span's node. */
  readonly group: ModelCallGroup | undefined;
  readonly node: number | undefined;
  /** Whether `node` is this span's own (it started as a model-call span) or an ancestor's. */
  readonly isCallNode: boolean;
  /** The nearest foreign non-model span at or above this one. */
  readonly summary: SummaryMark | undefined;
  /** Set on the span that owns `summary`. */
  readonly ownsSummary: boolean;
}

/** Spans held for their model call at most; past that, a call's further spans are written as they end. */
const MAX_HELD_PER_CALL = 256;
/** Open model calls holding spans at most: past that, spans are written as they end (counted as they are). */
const MAX_OPEN_CALLS = 10_000;

export type EndDecision =
  | { readonly kind: 'write'; readonly placement: Placement | undefined }
  | { readonly kind: 'held' }
  | { readonly kind: 'release'; readonly spans: ReadonlyArray<{ span: ReadableSpan; placement: Placement }> };

const WRITE_AS_IS: EndDecision = { kind: 'write', placement: undefined };
const HELD: EndDecision = { kind: 'held' };

/**
 * Follows the run tree as spans start, so that what is stored stays one tree with each model call counted once:
 * - a span that is not stored (an HTTP span, a plain OTel span, the AI SDK's `ai.generateText` wrapper) is skipped:
 *   its stored descendants name its nearest stored ancestor as their parent, so totals reach them;
 * - model-call spans nested in a model-call span (a decorated wrapper around an instrumented SDK call, an SDK's own
 *   span inside an instrumentation's) form one group: the inner ones are held until the outermost ends, then all
 *   are written together and ModelCallGroup decides which of them counts;
 * - a span of another instrumentation that is not a model call (an SDK's agent span, which carries the sum of its
 *   steps' usage) is not counted once a model call started below it.
 * Only spans in such a subtree get an entry, so agentspan's own spans below its own agents cost one context read and
 * one WeakMap lookup. Decisions are made at start, from the attributes a span starts with.
 */
export class SpanLineageTracker {
  private readonly lineages = new WeakMap<object, Lineage>();
  /** Model calls with held spans whose outermost span has not ended: released at shutdown. */
  private readonly openCalls = new Set<ModelCallGroup>();

  /** Called from onStart; returns the placement of the span's own `running` record. */
  start(span: Span, parentContext: Context, kind: ExecutionKind | undefined, own: boolean): Placement | undefined {
    const parent = trace.getSpan(parentContext);
    const above = parent === undefined ? undefined : this.lineages.get(parent);
    if (above === undefined && own && kind !== 'llm') return undefined;
    const parentOverride = above?.childParentId;
    const stored = kind !== undefined;
    let group = above?.group;
    let node = above?.node;
    let summary = above?.summary;
    let ownsSummary = false;
    let isCallNode = false;
    if (kind === 'agent') {
      group = undefined; // a run of its own: model calls below it are not the same call as one above
      node = undefined;
    }
    if (kind === 'llm') {
      for (let mark = summary; mark !== undefined && !mark.hasModelCall; mark = mark.parent) mark.hasModelCall = true;
      if (group !== undefined && !group.ended && node !== undefined) {
        node = group.addMember(node);
      } else {
        group = new ModelCallGroup();
        node = 0;
      }
      isCallNode = true;
    } else if (!own && stored) {
      summary = new SummaryMark(summary);
      ownsSummary = true;
    }
    const childParentId = stored
      ? undefined
      : parentOverride !== undefined
        ? parentOverride
        : (span.parentSpanContext?.spanId ?? null);
    if (parentOverride === undefined && childParentId === undefined && group === undefined && summary === undefined) {
      return undefined;
    }
    this.lineages.set(span, { parentOverride, childParentId, group, node, isCallNode, summary, ownsSummary });
    return parentOverride === undefined ? undefined : { parentSpanId: parentOverride };
  }

  /** Called from onEnd for a span that is stored: where its record goes, or that it waits for its model call. */
  end(span: ReadableSpan, kind: ExecutionKind): EndDecision {
    const lineage = this.lineages.get(span);
    if (lineage === undefined) return WRITE_AS_IS;
    const parentSpanId = lineage.parentOverride;
    const { group } = lineage;
    let node = lineage.node;
    if (kind === 'llm' && group !== undefined && node !== undefined) {
      if (lineage.isCallNode && node === 0) return this.endCall(group, span, parentSpanId);
      // A span that said what it is only after it started (OpenInference sets its kind late) joins its call now.
      if (!lineage.isCallNode && !group.ended) node = group.addMember(node);
      if (
        !group.ended &&
        group.heldCount < MAX_HELD_PER_CALL &&
        (group.heldCount > 0 || this.openCalls.size < MAX_OPEN_CALLS)
      ) {
        group.hold(node, span, parentSpanId);
        this.openCalls.add(group);
        return HELD;
      }
      // Its call was already written (this span ended after the outermost one), or too much is held: its figures are
      // left to the spans already counted.
      return { kind: 'write', placement: { parentSpanId, counted: false } };
    }
    if (lineage.ownsSummary && lineage.summary?.hasModelCall)
      return { kind: 'write', placement: { parentSpanId, counted: false } };
    return parentSpanId === undefined ? WRITE_AS_IS : { kind: 'write', placement: { parentSpanId } };
  }

  /** Spans still held for calls whose outermost span never ended, given up at shutdown: each counted as it is. */
  releaseAll(): Array<{ span: ReadableSpan; placement: Placement | undefined }> {
    const released: Array<{ span: ReadableSpan; placement: Placement | undefined }> = [];
    for (const group of this.openCalls) {
      for (const held of group.releaseUnfinished())
        released.push({ span: held.span, placement: { parentSpanId: held.parentSpanId } });
    }
    this.openCalls.clear();
    return released;
  }

  private endCall(group: ModelCallGroup, span: ReadableSpan, parentSpanId: string | null | undefined): EndDecision {
    this.openCalls.delete(group);
    const held = group.finish(span);
    if (held.length === 0)
      return parentSpanId === undefined ? WRITE_AS_IS : { kind: 'write', placement: { parentSpanId } };
    const spans = held.map((member) => ({
      span: member.span,
      placement: { parentSpanId: member.parentSpanId, group },
    }));
    spans.push({ span, placement: { parentSpanId, group } });
    return { kind: 'release', spans };
  }
}
