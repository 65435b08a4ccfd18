import type { SubtreeTotals } from '../schema/performance-columns';
import type { MergedSpan } from './dedupe-records';
import { MAX_TOTAL_COST } from './subtree-totals-sql';

/** The totals of a trace's finished agents. */
export interface TraceTotals {
  readonly agents: Map<MergedSpan, SubtreeTotals>;
}

/**
 * Subtree totals computed in Node for traces that a write may hold whole: every span of the trace in `spans`, none
 * with a parent outside them. Returns them per trace id; a trace is left out when that cannot be (a span whose parent
 * is elsewhere, a cycle, a cost that is not plain decimal text) and the SQL recompute handles it.
 *
 * Whether the trace really is whole — no earlier batch or process wrote other spans of it — only the database can
 * tell: the writer asks whether it holds any span of the trace, under the trace's lock before writing, and runs the
 * SQL recompute for every trace it holds spans of. The figures follow subtree-totals-sql exactly: sums of each span's own
 * figures over the agent and everything below it (nested agents included), null when none is known, the cost
 * rounded to the column's 10 places per span and capped; counts of LLM calls, tool calls, failures and LLM calls of
 * unknown cost. Only finished agents get totals, as the SQL does by default.
 */
export function batchTotals(spans: readonly MergedSpan[]): Map<string, TraceTotals> {
  const traces = new Map<string, MergedSpan[]>();
  for (const span of spans) {
    const traceId = span.record.execution.traceId;
    const members = traces.get(traceId);
    if (members === undefined) traces.set(traceId, [span]);
    else members.push(span);
  }
  const result = new Map<string, TraceTotals>();
  for (const [traceId, members] of traces) {
    const totals = traceTotals(members);
    if (totals !== undefined) result.set(traceId, { agents: totals });
  }
  return result;
}

function traceTotals(members: MergedSpan[]): Map<MergedSpan, SubtreeTotals> | undefined {
  const bySpanId = new Map<string, MergedSpan>();
  for (const member of members) bySpanId.set(member.record.execution.spanId, member);
  const children = new Map<string, MergedSpan[]>();
  for (const member of members) {
    const parent = member.record.execution.parentSpanId;
    if (parent === null) continue;
    if (!bySpanId.has(parent)) return undefined; // its ancestors are elsewhere: the SQL walks up to them
    const siblings = children.get(parent);
    if (siblings === undefined) children.set(parent, [member]);
    else siblings.push(member);
  }
  const agents = new Map<MergedSpan, SubtreeTotals>();
  for (const member of members) {
    const { kind, status, spanId } = member.record.execution;
    if (kind !== 'agent' || status === 'running') continue;
    const totals = subtreeTotals(member, spanId, children, members.length);
    if (totals === undefined) return undefined;
    agents.set(member, totals);
  }
  return agents;
}

function subtreeTotals(
  agent: MergedSpan,
  agentSpanId: string,
  children: Map<string, MergedSpan[]>,
  limit: number,
): SubtreeTotals | undefined {
  const sums = new Sums();
  const stack = [agent];
  let visited = 0;
  while (stack.length > 0) {
    const node = stack.pop()!;
    // More nodes than the trace has spans means a cycle: the SQL's depth bound would count it otherwise.
    if (++visited > limit) return undefined;
    if (!sums.add(node)) return undefined;
    const below = children.get(node.record.execution.spanId);
    if (below !== undefined) {
      for (const child of below) {
        // The agent below itself: a corrupt cycle, which the SQL counts its own way.
        if (child.record.execution.spanId === agentSpanId) return undefined;
        stack.push(child);
      }
    }
  }
  return sums.totals();
}

class Sums {
  private inputTokens: number | null = null;
  private outputTokens: number | null = null;
  private cacheReadTokens: number | null = null;
  private cacheWriteTokens: number | null = null;
  private reasoningTokens: number | null = null;
  private cost: bigint | null = null;
  private llmCalls = 0;
  private toolCalls = 0;
  private errors = 0;
  private unknownCostCalls = 0;

  /**
   * Adds one span's own figures; false when its cost cannot be read exactly. A span whose figures another span
   * reports (counted false: a second span of the same model call) adds neither figures nor a call.
   */
  add(span: MergedSpan): boolean {
    const { kind, status } = span.record.execution;
    const performance = span.record.performance;
    const counted = performance === null || performance.counted !== false;
    if (kind === 'llm' && counted) this.llmCalls++;
    if (kind === 'tool') this.toolCalls++;
    if (status === 'failed') this.errors++;
    if (performance === null || !counted) return true;
    if (kind === 'llm' && performance.costSource === 'unknown') this.unknownCostCalls++;
    this.inputTokens = plus(this.inputTokens, performance.inputTokens);
    this.outputTokens = plus(this.outputTokens, performance.outputTokens);
    this.cacheReadTokens = plus(this.cacheReadTokens, performance.cacheReadTokens);
    this.cacheWriteTokens = plus(this.cacheWriteTokens, performance.cacheWriteTokens);
    this.reasoningTokens = plus(this.reasoningTokens, performance.reasoningTokens);
    if (performance.costUsd === null) return true;
    const cost = tenBillionths(performance.costUsd);
    if (cost === undefined) return false;
    this.cost = (this.cost ?? 0n) + cost;
    return true;
  }

  totals(): SubtreeTotals {
    return {
      inputTokens: this.inputTokens,
      outputTokens: this.outputTokens,
      cacheReadTokens: this.cacheReadTokens,
      cacheWriteTokens: this.cacheWriteTokens,
      reasoningTokens: this.reasoningTokens,
      costUsd:
        this.cost === null ? null : decimalText(this.cost < MAX_TOTAL_COST_UNITS ? this.cost : MAX_TOTAL_COST_UNITS),
      llmCalls: this.llmCalls,
      toolCalls: this.toolCalls,
      errors: this.errors,
      unknownCostCalls: this.unknownCostCalls,
    };
  }
}

/** SQL sum semantics: null plus null is null, null is skipped otherwise. */
function plus(sum: number | null, value: number | null): number | null {
  if (value === null) return sum;
  return sum === null ? value : sum + value;
}

/**
 * Plain decimal text (as the mapping and the pricing write costs) in units of 10^-10, rounded half away from zero
 * to 10 places as PostgreSQL stores it in numeric(20, 10). Undefined for anything else (exponents, NaN): the SQL
 * then does the sum.
 */
export function tenBillionths(text: string): bigint | undefined {
  const match = DECIMAL.exec(text);
  if (match === null) return undefined;
  const [, sign, whole, fraction = ''] = match;
  let units = BigInt(whole!) * SCALE + BigInt(fraction.slice(0, 10).padEnd(10, '0'));
  if (fraction.length > 10 && fraction.charCodeAt(10) >= FIVE) units += 1n;
  return sign === '-' ? -units : units;
}

/** Units of 10^-10 as decimal text with 10 places. */
export function decimalText(units: bigint): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(11, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -10)}.${digits.slice(-10)}`;
}

const DECIMAL = /^(-?)(\d{1,20})(?:\.(\d{1,40}))?$/;
const SCALE = 10_000_000_000n;
const FIVE = '5'.charCodeAt(0);
/** The cap of subtree-totals-sql, in the same units. */
const MAX_TOTAL_COST_UNITS = tenBillionths(MAX_TOTAL_COST)!;
