import { flattenRun, stepOf } from '../../src/mcp/run-steps';
import type { ExecutionView, RunNode } from '../../src/query/types';

/** A run tree as a flat list of steps, depth first, each with its depth and parent. */

function node(id: string, children: RunNode[] = [], execution: Partial<ExecutionView> = {}): RunNode {
  return {
    execution: {
      executionId: id,
      kind: 'task',
      name: id,
      errorType: null,
      errorMessage: null,
      ...execution,
    } as ExecutionView,
    performance: null,
    decisions: [],
    events: [],
    children,
  };
}

it('places every step after its parent, children in order, roots in order', () => {
  const tree = { traceId: 't', roots: [node('a', [node('b', [node('c')]), node('d')]), node('e')] };
  expect(
    flattenRun(tree).map((entry) => [entry.node.execution.executionId, entry.depth, entry.parentExecutionId]),
  ).toEqual([
    ['a', 0, null],
    ['b', 1, 'a'],
    ['c', 2, 'b'],
    ['d', 1, 'a'],
    ['e', 0, null],
  ]);
});

it('walks a chain of 100,000 steps without overflowing the stack', () => {
  let chain = node('leaf');
  for (let depth = 0; depth < 100_000; depth++) chain = node(`n${depth}`, [chain]);
  const steps = flattenRun({ traceId: 't', roots: [chain] });
  expect(steps).toHaveLength(100_001);
  expect(steps.at(-1)).toMatchObject({ depth: 100_000 });
});

it('holds each input and output to the limits, and lists at most 20 events with how many more', () => {
  const big = node('big', [], { input: { text: 'q'.repeat(10_000) }, output: 'r'.repeat(10_000), metrics: null });
  big.events = Array.from({ length: 25 }, (_, ordinal) => ({
    eventId: `e${ordinal}`,
    executionId: 'big',
    traceId: 't',
    spanId: 's',
    ordinal,
    level: 'info' as const,
    message: `event ${ordinal}`,
    attributes: null,
    occurredAt: new Date(0),
  }));
  const [placed] = flattenRun({ traceId: 't', roots: [big] });
  const step = stepOf(placed!, { maxStringLength: 100, maxItems: 10, maxDepth: 4, maxLength: 100 });
  expect(JSON.stringify(step.input).length).toBeLessThan(160);
  expect(step.output).toBe(`${'r'.repeat(100)}…[cut 9,900 chars]`);
  expect(step.events).toHaveLength(20);
  expect(step.moreEvents).toBe(5);
});
