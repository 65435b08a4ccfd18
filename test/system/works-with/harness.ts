import { startCollectorService, type CollectorService } from '../../../src/collect/collector-service';
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
  /**
   * Runs ./setups/<setup>.ts in a child process; resolves with the stored run of each variant, as the in-process
   * processor stored it (`runs`) and as `agentspan collect` stored the same spans sent to it over OTLP (`collected`,
   * protobuf or JSON: see OTLP_JSON_SETUPS).
   */
  run(setup: string): Promise<{ runs: Record<string, StoredRun>; collected: Record<string, StoredRun> }>;
  close(): Promise<void>;
}

/** The setups whose spans go to the collector as OTLP/JSON (exporter-trace-otlp-http); the others as protobuf. */
const OTLP_JSON_SETUPS = new Set(['openai-openinference', 'langfuse', 'vercel-ai-sdk']);

export async function createWorksWithFixture(): Promise<WorksWithFixture> {
  const store: StoreFixture = await createStoreFixture();
  const collectorStore: StoreFixture = await createStoreFixture();
  const repository = new AgentRunRepository(store.dataSource);
  const collectorRepository = new AgentRunRepository(collectorStore.dataSource);
  const collector: CollectorService = await startCollectorService({
    port: 0,
    databaseUrl: collectorStore.database.url,
    migrate: false,
    processor: { queue: { flushIntervalMs: 20 }, warnings: false },
  });
  return {
    repository,
    async run(setup) {
      const child = spawnTypeScript(
        'test/system/works-with/setup-process.ts',
        {
          AGENTSPAN_TEST_DATABASE_URL: store.database.url,
          AGENTSPAN_TEST_OTLP_URL: `${collector.collector.url}v1/traces`,
          AGENTSPAN_TEST_OTLP_PROTOCOL: OTLP_JSON_SETUPS.has(setup) ? 'http/json' : 'http/protobuf',
        },
        [setup],
      );
      const traces = await firstJsonLine<Record<string, string>>(child, 90_000);
      await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
      await collector.flush(30_000);
      const runs: Record<string, StoredRun> = {};
      const collected: Record<string, StoredRun> = {};
      for (const [variant, traceId] of Object.entries(traces)) {
        runs[variant] = await storedRunOf(repository, traceId, variant);
        collected[variant] = await storedRunOf(collectorRepository, traceId, `${variant} (collected)`);
      }
      return { runs, collected };
    },
    async close() {
      await collector.close();
      await Promise.all([store.close(), collectorStore.close()]);
    },
  };
}

async function storedRunOf(repository: AgentRunRepository, traceId: string, variant: string): Promise<StoredRun> {
  const tree = await repository.getRun(traceId);
  if (tree === null) throw new Error(`no run stored for ${variant}`);
  return storedRun(tree.roots);
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
 * `run(variant)` is the stored run of one variant. Also registers the test that `agentspan collect`, sent the same
 * spans over OTLP (protobuf or JSON), stores every variant's run exactly as the in-process processor did.
 */
export function storedRunsOf(setup: string): { run(variant: string): StoredRun; repository(): AgentRunRepository } {
  let fixture: WorksWithFixture | undefined;
  let runs: Record<string, StoredRun> = {};
  let collected: Record<string, StoredRun> = {};
  beforeAll(async () => {
    fixture = await createWorksWithFixture();
    ({ runs, collected } = await fixture.run(setup));
  }, 120_000);
  afterAll(() => fixture?.close());
  it('stores the same runs when the spans come over OTLP to agentspan collect (every variant)', () => {
    expect(Object.keys(collected).sort()).toEqual(Object.keys(runs).sort());
    for (const variant of Object.keys(runs)) {
      expect([variant, sameFigures(collected[variant]!)]).toEqual([variant, sameFigures(runs[variant]!)]);
    }
  });
  return {
    run(variant) {
      const stored = runs[variant];
      if (stored === undefined) throw new Error(`no variant ${variant} in ${setup}`);
      return stored;
    },
    repository: () => fixture!.repository,
  };
}

/**
 * What a run stored in process and the same run collected over OTLP must share: the totals, the agents, every stored
 * execution with its figures, and the figures of the calls that count. Not where a span hangs or which of two equal
 * twins counts: in process those are decided when a span starts, from the attributes it has then; the collector sees
 * spans only once they ended, with all their attributes (an OpenInference chain that names its kind late is a parent
 * there; of an SDK span and an instrumentation's span reporting the same usage, the innermost counts, as the rule says).
 */
function sameFigures(run: StoredRun) {
  const figures = ({ parentName: _parent, counted: _counted, ...rest }: StoredCall) => rest;
  const sorted = <T>(items: T[]) => items.map((item) => JSON.stringify(item)).sort();
  const callFigures = ({ name: _name, ...rest }: ReturnType<typeof figures>) => rest;
  return {
    agentName: run.agentName,
    totals: run.totals,
    agents: [...run.agents].sort(),
    executions: sorted(run.executions.map(figures)),
    calls: sorted(run.calls.map((call) => callFigures(figures(call)))),
  };
}
