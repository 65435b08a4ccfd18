import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { usageCompleteness } from './usage-completeness';

interface HeldSpan {
  readonly span: ReadableSpan;
  readonly parentSpanId: string | null | undefined;
}

/**
 * The spans of one model call, and which of them counts. A model-call span with model-call spans below it (up to the
 * next agent) does not call the model itself: it wraps the calls below. The rule (docs/ARCHITECTURE.md, "One model
 * call, counted once"):
 * - the calls are the innermost model-call spans (the leaves);
 * - a span that wraps exactly one call describes that call, so a leaf and the spans that wrap only it are one call,
 *   counted once, with the figures of whichever of them reports most (token buckets known, then a cost of its own;
 *   on a tie the innermost, nearest the provider);
 * - a span that wraps several calls (a retry, a loop) is not counted: each call below it is.
 * Node 0 is the outermost span; its members are numbered as they start, each with the number of its nearest
 * model-call ancestor.
 */
export class ModelCallGroup {
  ended = false;
  private readonly parents: number[] = [-1];
  private readonly spans: Array<ReadableSpan | undefined> = [undefined];
  private readonly held: HeldSpan[] = [];
  private counted: Set<ReadableSpan> | undefined;

  get heldCount(): number {
    return this.held.length;
  }

  /** A model-call span started below node `parent`: its node number. */
  addMember(parent: number): number {
    this.parents.push(parent);
    this.spans.push(undefined);
    return this.parents.length - 1;
  }

  /** A member ended before the outermost span: kept until the call is written. */
  hold(node: number, span: ReadableSpan, parentSpanId: string | null | undefined): void {
    this.spans[node] = span;
    this.held.push({ span, parentSpanId });
  }

  /** The outermost span ended: the held members, to be written with it. */
  finish(outermost: ReadableSpan): HeldSpan[] {
    this.ended = true;
    this.spans[0] = outermost;
    return this.held.splice(0);
  }

  /** The outermost span never ended (shutdown): its members are written on their own, each counted. */
  releaseUnfinished(): HeldSpan[] {
    this.ended = true;
    this.counted = new Set(this.held.map((member) => member.span));
    return this.held.splice(0);
  }

  /** Whether this span's figures count; decided once, when first asked (in the background, as batches are mapped). */
  isCounted(span: ReadableSpan): boolean {
    this.counted ??= this.decide();
    return this.counted.has(span);
  }

  private decide(): Set<ReadableSpan> {
    const { parents, spans } = this;
    // Nodes that ended in time; a member that ended after the outermost span is written later, not counted.
    const present = spans.map((span) => span !== undefined);
    const children: number[][] = parents.map(() => []);
    for (let node = 1; node < parents.length; node++) {
      if (present[node]) children[nearestPresent(parents, present, parents[node]!)]!.push(node);
    }
    const leaves = new Array<number>(parents.length).fill(0);
    // Members are numbered after their ancestors, so a backward pass sees every child before its parent.
    for (let node = parents.length - 1; node >= 0; node--) {
      if (!present[node]) continue;
      const below = children[node]!;
      leaves[node] = below.length === 0 ? 1 : below.reduce((sum, child) => sum + leaves[child]!, 0);
    }
    const counted = new Set<ReadableSpan>();
    const scores = new Map<number, number>();
    const scoreOf = (node: number) => {
      let score = scores.get(node);
      if (score === undefined) scores.set(node, (score = usageCompleteness(spans[node]!)));
      return score;
    };
    for (let leaf = 0; leaf < parents.length; leaf++) {
      if (!present[leaf] || children[leaf]!.length > 0) continue;
      // The leaf and the spans above it that wrap only this call: the innermost one that reports most counts.
      let best = leaf;
      for (
        let node = parentOf(parents, present, leaf);
        node >= 0 && leaves[node] === 1;
        node = parentOf(parents, present, node)
      ) {
        if (scoreOf(node) > scoreOf(best)) best = node;
      }
      counted.add(spans[best]!);
    }
    return counted;
  }
}

function nearestPresent(parents: readonly number[], present: readonly boolean[], node: number): number {
  while (node > 0 && !present[node]) node = parents[node]!;
  return node;
}

function parentOf(parents: readonly number[], present: readonly boolean[], node: number): number {
  return node === 0 ? -1 : nearestPresent(parents, present, parents[node]!);
}
