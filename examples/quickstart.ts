/**
 * Three cooperating agents — research → plan → write — on agentspan's embedded PostgreSQL, then the persisted runs.
 *
 *   npm install && npm run demo
 *
 * The model is simulated (no network, no API key): it answers like the OpenAI chat completions API, token usage
 * included, so @LLM reads the usage off the response as it would with the real client.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import {
  Agent,
  Decision,
  LLM,
  Tool,
  Trace,
  log,
  recordMetrics,
  recordQuality,
  recordUsage,
  startAgentTelemetry,
  withAgentContext,
  type RunNode,
  type RunSummary,
} from '../src';

/** List prices per million tokens (input, cached input, output), to report a cost as a provider would. */
const PRICES: Record<string, { input: number; cached: number; output: number }> = {
  'gpt-4o-mini': { input: 0.15, cached: 0.075, output: 0.6 },
  'gpt-4o': { input: 2.5, cached: 1.25, output: 10 },
};

/** A deterministic stand-in for a chat model. */
async function simulatedChat(model: string, prompt: string) {
  await new Promise((resolve) => setTimeout(resolve, 20 + (prompt.length % 30)));
  const promptTokens = 400 + prompt.length * 3;
  const cachedTokens = prompt.length > 60 ? 256 : 0;
  const completionTokens = 120 + (prompt.length % 97);
  return {
    id: `chatcmpl-${randomUUID().slice(0, 8)}`,
    object: 'chat.completion',
    model: `${model}-2024-08-06`,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: `(${model}) ${prompt.slice(0, 60)}…` },
        finish_reason: 'stop',
      },
    ],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: cachedTokens },
    },
  };
}

function priceOf(
  model: string,
  usage: { prompt_tokens: number; completion_tokens: number; prompt_tokens_details: { cached_tokens: number } },
) {
  const price = PRICES[model];
  const cached = usage.prompt_tokens_details.cached_tokens;
  return (
    ((usage.prompt_tokens - cached) * price.input + cached * price.cached + usage.completion_tokens * price.output) /
    1e6
  );
}

@Agent({ name: 'ResearchAgent', version: '1.0', description: 'gathers facts about a market' })
class ResearchAgent {
  @Trace()
  async research(topic: string): Promise<string> {
    log('info', 'researching', { topic });
    const findings = await Promise.all([
      this.webSearch(`${topic} market size`),
      this.webSearch(`${topic} competitors`),
      this.webSearch(`${topic} customer pain points`),
    ]);
    const summary = await this.complete(`Summarise for a marketer: ${findings.join(' | ')}`);
    recordQuality(86);
    recordMetrics({ sources_found: findings.length * 3, competitors_analysed: topic.length % 7 });
    return summary.choices[0].message.content;
  }

  @Tool({ name: 'web_search', description: 'searches the web' })
  async webSearch(query: string): Promise<string> {
    await new Promise((resolve) => setTimeout(resolve, 5 + query.length));
    return `3 sources on "${query}"`;
  }

  @LLM({ provider: 'openai', model: 'gpt-4o-mini' })
  async complete(prompt: string) {
    const response = await simulatedChat('gpt-4o-mini', prompt);
    recordUsage({ costUsd: priceOf('gpt-4o-mini', response.usage) });
    return response;
  }
}

@Agent({ name: 'PlannerAgent', version: '1.0', description: 'turns research into a campaign plan' })
class PlannerAgent {
  @Trace()
  async plan(research: string): Promise<{ channel: string; plan: string }> {
    const channel = await this.chooseChannel(['linkedin', 'email', 'paid search']);
    const draft = await this.complete(`Plan a ${channel.choice} campaign from: ${research}`);
    return { channel: channel.choice, plan: draft.choices[0].message.content };
  }

  @Decision({ name: 'channel' })
  async chooseChannel(options: string[]) {
    return {
      choice: options[0],
      alternatives: options,
      reasoning: 'B2B buyers research on LinkedIn; email list is small; search is expensive for this niche',
      confidence: 0.82,
    };
  }

  @LLM({ provider: 'openai', model: 'gpt-4o' })
  async complete(prompt: string) {
    const response = await simulatedChat('gpt-4o', prompt);
    recordUsage({ costUsd: priceOf('gpt-4o', response.usage) });
    return response;
  }
}

class CmsUnavailableError extends Error {}

@Agent({ name: 'WriterAgent', version: '1.0', description: 'writes and publishes the post' })
class WriterAgent {
  @Trace()
  async write(topic: string, plan: { channel: string; plan: string }): Promise<string> {
    const post = await this.complete(`Write a ${plan.channel} post about ${topic}: ${plan.plan}`);
    const text = post.choices[0].message.content;
    await this.publish(topic, text);
    return text;
  }

  @Tool({ name: 'publish_post' })
  async publish(topic: string, text: string): Promise<{ url: string }> {
    await new Promise((resolve) => setTimeout(resolve, 15));
    // The simulated CMS is down for one of the two campaigns: the failing step of the demo.
    if (topic.includes('accountants')) throw new CmsUnavailableError('CMS rejected the post: 503 Service Unavailable');
    return { url: `https://cms.example/posts/${text.length}` };
  }

  @LLM({ provider: 'openai', model: 'gpt-4o-mini' })
  async complete(prompt: string) {
    const response = await simulatedChat('gpt-4o-mini', prompt);
    recordUsage({ costUsd: priceOf('gpt-4o-mini', response.usage) });
    return response;
  }
}

async function campaign(topic: string): Promise<void> {
  const research = await new ResearchAgent().research(topic);
  const plan = await new PlannerAgent().plan(research);
  try {
    await new WriterAgent().write(topic, plan);
  } catch (error) {
    console.log(`  ✗ ${topic}: ${(error as Error).message}`);
    return;
  }
  console.log(`  ✓ ${topic}: published on ${plan.channel}`);
}

async function main(): Promise<void> {
  const started = new Date();
  const telemetry = await startAgentTelemetry({ serviceName: 'agentspan-quickstart' });
  const where =
    telemetry.storage === 'embedded' ? 'embedded PostgreSQL in ./.agentspan' : 'the PostgreSQL server in DATABASE_URL';
  console.log(`agentspan quickstart — runs are stored in ${where}\n`);

  for (const [index, topic] of ['solar panels for farms', 'AI agents for accountants'].entries()) {
    await withAgentContext(
      {
        userId: 'demo-user',
        tenantId: 'acme',
        sessionId: `campaign-${index + 1}`,
        metadata: { issueNumber: 100 + index },
      },
      () => campaign(topic),
    );
  }

  // No flush needed: a query first writes what the processor still holds, so it sees the runs that just finished.
  const { runs } = await telemetry.runs.history({ since: started, limit: 20 });
  console.log('\nPersisted agent runs, in the order they ran (runs.history):\n');
  printRuns(runs);
  console.log(
    '\ntokens in: prompt tokens, cached ones included; tokens out: completion tokens; cost: what the simulated\n' +
      'provider charged (recordUsage), in US dollars; llm / tools: model and tool calls of the run.',
  );

  const failed = runs.find((run) => run.status === 'failed');
  if (failed) {
    const tree = await telemetry.runs.getRun(failed.traceId);
    console.log(`\nThe failed run's trace ${failed.traceId}:\n`);
    for (const root of tree?.roots ?? []) printTree(root, '');
  }
  const { decisions } = await telemetry.runs.decisions({ agent: 'PlannerAgent', limit: 1 });
  if (decisions[0]) {
    const d = decisions[0];
    console.log(
      `\nLatest decision of PlannerAgent: ${d.name} = ${JSON.stringify(d.choice)} (confidence ${d.confidence}) — ${d.reasoning}`,
    );
  }
  const byAgent = await telemetry.runs.stats({ groupBy: 'agent', since: started });
  console.log('\nThis session per agent (runs.stats):');
  for (const group of byAgent.groups) {
    const metrics = Object.entries(group.metrics)
      .map(([name, metric]) => `, ${name} avg ${metric.avg}`)
      .join('');
    console.log(
      `  ${group.key}: ${group.count} run(s), ${Math.round((group.successRate ?? 0) * 100)} % succeeded, ` +
        `p95 ${Math.round(group.duration.p95Ms ?? 0)} ms, $${(group.costUsd ?? 0).toFixed(5)}${metrics}`,
    );
  }
  const perModel = await telemetry.runs.costBreakdown({ groupBy: 'model', since: started });
  console.log('Cost per model (runs.costBreakdown):');
  for (const group of perModel.groups)
    console.log(`  ${group.key}: ${group.executions} call(s), $${(group.costUsd ?? 0).toFixed(5)}`);
  const stats = telemetry.stats();
  console.log(
    `\nTelemetry (telemetry.stats()): ${stats.recorded} records captured, ${stats.written} written to the database, ` +
      `${stats.droppedTotal} dropped, ${stats.queueDepth + stats.inFlight} still queued.`,
  );
  await telemetry.shutdown();
}

/** history() is newest first; the table reads better oldest first. */
function printRuns(runs: RunSummary[]): void {
  const rows = runs
    .slice()
    .reverse()
    .map((run) => ({
      agent: run.agentName ?? run.name,
      status: run.status,
      duration: run.durationMs === null ? '' : `${Math.round(run.durationMs)} ms`,
      'tokens in': formatCount(
        (run.totals.inputTokens ?? 0) + (run.totals.cacheReadTokens ?? 0) + (run.totals.cacheWriteTokens ?? 0),
      ),
      'tokens out': formatCount((run.totals.outputTokens ?? 0) + (run.totals.reasoningTokens ?? 0)),
      'cost $': run.totals.costUsd === null ? 'unknown' : run.totals.costUsd.toFixed(5),
      llm: String(run.totals.llmCalls ?? 0),
      tools: String(run.totals.toolCalls ?? 0),
      error: run.errorMessage ?? '',
    }));
  printTable(rows);
}

function printTree(node: RunNode, indent: string): void {
  const { execution, performance } = node;
  const duration =
    performance?.durationMs === null || performance === null ? '' : ` ${Math.round(performance.durationMs)} ms`;
  // The stored buckets are disjoint (fresh input, cache read, cache write): added up, they are the prompt tokens the
  // table above counts for the whole run.
  const tokens =
    performance?.inputTokens === null || performance === null
      ? ''
      : ` tokens ${formatCount(
          performance.inputTokens + (performance.cacheReadTokens ?? 0) + (performance.cacheWriteTokens ?? 0),
        )} in${performance.cacheReadTokens ? ` (${formatCount(performance.cacheReadTokens)} cached)` : ''}, ` +
        `${formatCount((performance.outputTokens ?? 0) + (performance.reasoningTokens ?? 0))} out`;
  const error = execution.errorMessage ? `  ✗ ${execution.errorType}: ${execution.errorMessage}` : '';
  console.log(`${indent}${execution.name} [${execution.kind}, ${execution.status}]${duration}${tokens}${error}`);
  for (const decision of node.decisions)
    console.log(`${indent}  ↳ decided ${decision.name} = ${JSON.stringify(decision.choice)} (${decision.confidence})`);
  for (const child of node.children) printTree(child, `${indent}  `);
}

function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

function printTable(rows: Array<Record<string, string>>): void {
  if (rows.length === 0) {
    console.log('(no runs)');
    return;
  }
  const columns = Object.keys(rows[0]);
  const width = (column: string) => Math.max(column.length, ...rows.map((row) => row[column].length));
  const line = (cells: Record<string, string>) =>
    columns.map((column) => cells[column].padEnd(width(column))).join('  ');
  console.log(line(Object.fromEntries(columns.map((column) => [column, column]))));
  console.log(columns.map((column) => '─'.repeat(width(column))).join('  '));
  for (const row of rows) console.log(line(row));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
