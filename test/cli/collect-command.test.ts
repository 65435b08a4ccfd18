import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { ChildProcess } from 'node:child_process';
import { AgentRunRepository } from '../../src/query/agent-run-repository';
import { spawnTypeScript } from '../support/child-process';
import { agentspan, serveCli } from '../support/cli-process';
import { endedRuns } from '../support/ended-runs';
import { createStoreFixture, type StoreFixture } from '../support/store-fixture';

/**
 * `agentspan collect`: an OTLP/HTTP endpoint until stopped; stateless, so several may run behind a load balancer and
 * a span delivered to two of them is stored once.
 */
let store: StoreFixture;

beforeAll(async () => {
  store = await createStoreFixture();
});

afterAll(async () => {
  await store?.close();
});

/** OpenInference spans, as its Python instrumentations send them: an agent and a model call per run. */
const agentRuns = (count: number, agentName: string): ReadableSpan[] =>
  endedRuns(count, {
    scope: 'openinference.instrumentation.openai',
    agentSpanName: 'planner',
    agent: { 'openinference.span.kind': 'AGENT', 'agent.name': agentName },
    callSpanName: 'ChatCompletion',
    call: {
      'openinference.span.kind': 'LLM',
      'llm.model_name': 'gpt-4o-mini',
      'llm.token_count.prompt': 100,
      'llm.token_count.completion': 10,
    },
  });

const exportTo = (url: string, spans: ReadableSpan[]) => {
  const exporter = new OTLPTraceExporter({ url: `${url}v1/traces` });
  return new Promise<ExportResult>((resolve) => exporter.export(spans, resolve)).finally(() => exporter.shutdown());
};

/** The URL the collector prints once it listens. */
function urlOf(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const url = /agentspan collector on (http:\/\/127\.0\.0\.1:\d+\/)v1\/traces/.exec(stdout)?.[1];
      if (url) resolve(url);
    });
    child.once('exit', (code) => reject(new Error(`collect exited with ${code}: ${stderr}`)));
  });
}

function exited(child: ChildProcess): Promise<{ code: number | null; stdout: string }> {
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout })));
}

it('two collector processes sent the same spans store each span once, with the run totals counted once', async () => {
  const collectors = [0, 1].map(() =>
    spawnTypeScript('src/cli/main.ts', { DATABASE_URL: '' }, [
      'collect',
      '--port',
      '0',
      '--database',
      store.database.url,
    ]),
  );
  try {
    const urls = await Promise.all(collectors.map(urlOf));
    const spans = agentRuns(50, 'Replicated');
    // An exporter that timed out on one instance and sent the batch again to the other, both times in full.
    const results = await Promise.all(urls.map((url) => exportTo(url, spans)));
    expect(results.map((result) => result.code)).toEqual([ExportResultCode.SUCCESS, ExportResultCode.SUCCESS]);
    const stopped = collectors.map(exited);
    for (const child of collectors) child.kill('SIGTERM');
    const ends = await Promise.all(stopped);
    // Shutdown writes what each holds: both exit 0 having written their 100 records.
    expect(ends.map((end) => end.code)).toEqual([0, 0]);
    for (const end of ends) expect(end.stdout).toMatch(/stopped: 100 record\(s\) written, 0 dropped/);
    const rows = (await store.dataSource.query(
      `SELECT count(*)::int AS n FROM agent_executions WHERE span_id = ANY($1)`,
      [spans.map((span) => span.spanContext().spanId)],
    )) as Array<{ n: number }>;
    expect(rows[0]!.n).toBe(100);
    const repository = new AgentRunRepository(store.dataSource);
    const tree = await repository.getRun(spans[0]!.spanContext().traceId);
    expect(tree!.roots[0]!.performance!.totals).toMatchObject({ llmCalls: 1, inputTokens: 100, outputTokens: 10 });
  } finally {
    for (const child of collectors) if (child.exitCode === null) child.kill('SIGKILL');
  }
}, 60_000);

it('serves until stopped and exits 0, saying what it wrote', async () => {
  const collector = serveCli('collect', '--port', '0', '--tenant', 'acme', '--database', store.database.url);
  const url = await collector.url;
  expect(collector.stdout()).toMatch(
    /^agentspan collector on http:\/\/127\.0\.0\.1:\d+\/v1\/traces \(writing to postgres:\/\//,
  );
  const spans = agentRuns(1, 'Pinned');
  expect((await exportTo(url, spans)).code).toBe(ExportResultCode.SUCCESS);
  expect(await collector.stop()).toBe(0);
  expect(collector.stdout()).toContain('agentspan collector stopped: 2 record(s) written, 0 dropped');
  const tree = await new AgentRunRepository(store.dataSource).getRun(spans[0]!.spanContext().traceId);
  expect(tree!.roots[0]!.execution.tenantId).toBe('acme');
});

it('refuses another address without a token, and a short token, with exit code 2 and the reason', async () => {
  const open = await agentspan('collect', '--host', '0.0.0.0', '--database', store.database.url);
  expect(open.code).toBe(2);
  expect(open.stderr).toMatch(/binds to 0\.0\.0\.0.*only with a token/);
  const short = await agentspan('collect', '--token', 'short', '--database', store.database.url);
  expect(short.code).toBe(2);
  expect(short.stderr).toMatch(/at least 16 characters/);
});
