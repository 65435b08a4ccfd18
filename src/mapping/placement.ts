import type { ModelCallGroup } from './model-call-group';

/**
 * Where a span's record goes in the run tree, when that differs from what the span says: the parent it names is not
 * stored (`parentSpanId`, the nearest stored ancestor, or null when none is), or its figures must not be counted
 * (`counted: false`), or whether they are counted depends on the other spans of its model call (`group`).
 */
export interface Placement {
  readonly parentSpanId?: string | null;
  readonly counted?: false;
  readonly group?: ModelCallGroup;
}
