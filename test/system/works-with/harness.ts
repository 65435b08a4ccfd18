import { AgentRunRepository } from '../../../src/query/agent-run-repository';
import type { PerformanceView, RunNode, RunTotals } from '../../../src/query/types';
import { firstJsonLine, spawnTypeScript } from '../../support/child-process';
import { createStoreFixture, type StoreFixture } from '../../support/store-fixture';

/** One stored execution, flattened for assertions: kind, name, parent, and its own figures. */
export interface StoredCall {
  kind: string;
  name: string;
  status: string;
  parentName: string | null;
  provider: string | null;
  requestModel: string | null;
  responseModel: string | null;
  tokens: Pick<
    PerformanceView,
    'inputTokens' | 'cacheReadTokens' | 'cacheWriteTokens' | 'outputTokens' | 'reasoningTokens'
  >;
  costUsd: number | null;
  costSource: string | null;
  counted: boolean;
  errorMessage: string | null;
}

/** A stored agent run: its totals and every execution below it. */
export interface StoredRun {
  agentName: string | null;
  totals: RunTotals;
  executions: StoredCall[];
  /** The executions that stand for a model call (kind llm, counted). */
  calls: StoredCall[];
  /** Every agent execution of the trace, the run itself included. */
  agents: Array<string | null>;
}

export interface WorksWithFixture {
  readonly repository: AgentRunRepository;
  /** Runs ./setups/<setup>.ts in a child process; resolves with the stored run of each variant. */
  run(setup: string): Promise<Record<string, StoredRun>>;
  close(): Promise<void>;
}

export async function createWorksWithFixture(): Promise<WorksWithFixture> {
  const store: StoreFixture = await createStoreFixture();
  const repository = new AgentRunRepository(store.dataSource);
  return {
    repository,
    async run(setup) {
      const child = spawnTypeScript(
        'test/system/works-with/setup-process.ts',
        { AGENTSPAN_TEST_DATABASE_URL: store.database.url },
        [setup],
      );
      const traces = await firstJsonLine<Record<string, string>>(child, 90_000);
      await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
      const runs: Record<string, StoredRun> = {};
      for (const [variant, traceId] of Object.entries(traces)) {
        const tree = await repository.getRun(traceId);
        if (tree === null) throw new Error(`no run stored for ${variant}`);
        runs[variant] = storedRun(tree.roots);
      }
      return runs;
    },
    close: () => store.close(),
  };
}

function storedRun(roots: RunNode[]): StoredRun {
  const root = roots.find((node) => node.execution.kind === 'agent' && node.execution.agentName === 'WorksWith');
  if (root === undefined)
    throw new Error(`the WorksWith run is not a root: ${roots.map((node) => node.execution.name).join(', ')}`);
  const executions: StoredCall[] = [];
  const agents: Array<string | null> = [];
  const walk = (node: RunNode, parentName: string | null) => {
    const { execution, performance } = node;
    if (execution.kind === 'agent') agents.push(execution.agentName);
    if (node !== root) {
      executions.push({
        kind: execution.kind,
        name: execution.name,
        status: execution.status,
        parentName,
        provider: performance?.provider ?? null,
        requestModel: performance?.requestModel ?? null,
        responseModel: performance?.responseModel ?? null,
        tokens: {
          inputTokens: performance?.inputTokens ?? null,
          cacheReadTokens: performance?.cacheReadTokens ?? null,
          cacheWriteTokens: performance?.cacheWriteTokens ?? null,
          outputTokens: performance?.outputTokens ?? null,
          reasoningTokens: performance?.reasoningTokens ?? null,
        },
        costUsd: performance?.costUsd ?? null,
        costSource: performance?.costSource ?? null,
        counted: performance?.counted ?? true,
        errorMessage: execution.errorMessage,
      });
    }
    for (const child of node.children) walk(child, execution.name);
  };
  for (const node of roots) walk(node, null);
  return {
    agentName: root.execution.agentName,
    totals: root.performance!.totals!,
    executions,
    calls: executions.filter((execution) => execution.kind === 'llm' && execution.counted),
    agents,
  };
}

/** The figures of a model call as the provider reported them, in agentspan's disjoint buckets. */
export function buckets(
  input: number | null,
  cacheRead: number | null,
  cacheWrite: number | null,
  output: number | null,
  reasoning: number | null,
) {
  return {
    inputTokens: input,
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    outputTokens: output,
    reasoningTokens: reasoning,
  };
}

/**
 * Registers the test file's fixture: a fresh database, the setup run once before the file's tests, closed after.
 * `run(variant)` is the stored run of one variant.
 */
export function storedRunsOf(setup: string): { run(variant: string): StoredRun; repository(): AgentRunRepository } {
  let fixture: WorksWithFixture | undefined;
  let runs: Record<string, StoredRun> = {};
  beforeAll(async () => {
    fixture = await createWorksWithFixture();
    runs = await fixture.run(setup);
  }, 120_000);
  afterAll(() => fixture?.close());
  return {
    run(variant) {
      const stored = runs[variant];
      if (stored === undefined) throw new Error(`no variant ${variant} in ${setup}`);
      return stored;
    },
    repository: () => fixture!.repository,
  };
}
