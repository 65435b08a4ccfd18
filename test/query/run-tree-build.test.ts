import { buildRunTree, type ExecutionWithPerformance } from '../../src/query/run-tree';
import type { DecisionView, EventView, ExecutionView, RunNode } from '../../src/query/types';

/** Executions named by their span id, started at `at` ms; `parent` is a span id. */
function execution(spanId: string, parent: string | null, at: number): ExecutionWithPerformance {
  const view = {
    executionId: `id-${spanId}`,
    traceId: 't',
    spanId,
    parentSpanId: parent,
    kind: 'task',
    name: spanId,
    startedAt: new Date(at),
  } as ExecutionView;
  // Microseconds from `at` (fractional milliseconds allowed), as exactTimestampSql gives them.
  const micros = Math.round(at * 1000);
  const startedAtExact = `${new Date(Math.floor(micros / 1000)).toISOString().slice(0, 23)}${String(micros % 1000).padStart(3, '0')}Z`;
  return { execution: view, performance: null, startedAtExact };
}

function decision(spanId: string, ordinal: number): DecisionView {
  return { executionId: `id-${spanId}`, ordinal, name: `${spanId}#${ordinal}` } as DecisionView;
}

function event(spanId: string, ordinal: number): EventView {
  return { executionId: `id-${spanId}`, ordinal, message: `${spanId}#${ordinal}` } as EventView;
}

function shape(node: RunNode): unknown {
  return node.children.length === 0 ? node.execution.spanId : { [node.execution.spanId]: node.children.map(shape) };
}

describe('buildRunTree', () => {
  it('nests children under their parents by start time, span id breaking ties', () => {
    const roots = buildRunTree(
      [
        execution('c2', 'a', 30),
        execution('a', null, 0),
        execution('c1', 'a', 10),
        execution('b', 'a', 10),
        execution('g', 'c1', 11),
      ],
      [],
      [],
    );
    expect(roots.map(shape)).toEqual([{ a: ['b', { c1: ['g'] }, 'c2'] }]);
  });

  it('orders children started within one millisecond by their microseconds, not by span id', () => {
    const roots = buildRunTree(
      [execution('a', null, 0), execution('x', 'a', 5.3), execution('y', 'a', 5.1), execution('z', 'a', 5.2)],
      [],
      [],
    );
    expect(roots.map(shape)).toEqual([{ a: ['y', 'z', 'x'] }]);
  });

  it('makes every execution whose parent is absent a root, ordered by start time', () => {
    const roots = buildRunTree(
      [execution('late', 'missing', 50), execution('a', null, 0), execution('x', 'a', 1)],
      [],
      [],
    );
    expect(roots.map(shape)).toEqual([{ a: ['x'] }, 'late']);
  });

  it('attaches decisions and events by ordinal and ignores those of executions not in the list', () => {
    const [root] = buildRunTree(
      [execution('a', null, 0)],
      [decision('a', 2), decision('a', 0), decision('zz', 0), decision('a', 1)],
      [event('a', 1), event('zz', 0), event('a', 0)],
    );
    expect(root!.decisions.map((d) => d.name)).toEqual(['a#0', 'a#1', 'a#2']);
    expect(root!.events.map((e) => e.message)).toEqual(['a#0', 'a#1']);
  });

  it('roots a subtree at the requested execution even when a corrupt link makes its parent a descendant', () => {
    // a → b → c, and a's stored parent is c: a cycle.
    const executions = [execution('a', 'c', 0), execution('b', 'a', 1), execution('c', 'b', 2)];
    expect(buildRunTree(executions, [], [], 'id-a').map(shape)).toEqual([{ a: [{ b: ['c'] }] }]);
  });

  it('breaks a cycle of parent links at its earliest execution instead of losing or looping', () => {
    const executions = [
      execution('root', null, 0),
      execution('p', 'q', 5),
      execution('q', 'p', 6),
      execution('self', 'self', 7),
    ];
    expect(buildRunTree(executions, [], []).map(shape)).toEqual(['root', { p: ['q'] }, 'self']);
  });

  it('handles a very deep chain without overflowing the stack', () => {
    const chain = Array.from({ length: 20_000 }, (_, i) => execution(`s${i}`, i === 0 ? null : `s${i - 1}`, i));
    let node = buildRunTree(chain, [], [])[0]!;
    let depth = 1;
    while (node.children.length > 0) {
      node = node.children[0]!;
      depth++;
    }
    expect(depth).toBe(20_000);
  });
});
