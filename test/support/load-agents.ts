import { trace } from '@opentelemetry/api';
import { Agent, LLM, recordUsage, Tool, Trace } from '../../src/instrument';

/**
 * The decorated application of the Citus load test (test/system/citus-load.test.ts), run by load-app-process.ts: an
 * orchestrating agent that plans (a model call), hands research to a nested agent (two searches, two model calls),
 * looks things up (one to three tool calls) and answers (a model call). Every model call reports a token usage that
 * follows from (app, run, call), so the test knows each run's totals without asking the process.
 */

/** The token usage of model call `call` of run `run` of application process `app`. */
export function loadUsage(app: number, run: number, call: number): { inputTokens: number; outputTokens: number } {
  return { inputTokens: 100 + 10 * app + (run % 17) + 3 * call, outputTokens: 20 + (run % 5) + call + app };
}

/** Tool calls of the orchestrator itself (the researcher makes two more). */
export const lookupsOf = (run: number): number => 1 + (run % 3);

/** An agent's subtree totals, as agent_performance stores them. */
export interface AgentTotals {
  inputTokens: number;
  outputTokens: number;
  llmCalls: number;
  toolCalls: number;
}

/** Model calls of the researcher (1, 2) and of the orchestrator (0: plan, 3: answer), by their `call` number. */
const RESEARCH_CALLS = [1, 2];
const ORCHESTRATOR_CALLS = [0, 3];

/** What run `run` of process `app` stores: its spans, and each agent's totals (the orchestrator's include the researcher's). */
export function expectedAppRun(
  app: number,
  run: number,
): { spans: number; orchestrator: AgentTotals; researcher: AgentTotals } {
  const sum = (calls: number[]) =>
    calls.reduce(
      (total, call) => {
        const usage = loadUsage(app, run, call);
        return {
          inputTokens: total.inputTokens + usage.inputTokens,
          outputTokens: total.outputTokens + usage.outputTokens,
        };
      },
      { inputTokens: 0, outputTokens: 0 },
    );
  const researcher = { ...sum(RESEARCH_CALLS), llmCalls: 2, toolCalls: 2 };
  const own = sum(ORCHESTRATOR_CALLS);
  const orchestrator = {
    inputTokens: own.inputTokens + researcher.inputTokens,
    outputTokens: own.outputTokens + researcher.outputTokens,
    llmCalls: 2 + researcher.llmCalls,
    toolCalls: lookupsOf(run) + researcher.toolCalls,
  };
  // Orchestrator, its two model calls and its lookups; the researcher, its two searches and two model calls.
  return { spans: 1 + 2 + lookupsOf(run) + 1 + 2 + 2, orchestrator, researcher };
}

/** Records the processor queues per run: a final record per span, and a start record per agent (two agents). */
export const recordsOfAppRun = (app: number, run: number): number => expectedAppRun(app, run).spans + 2;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

@Agent({ name: 'LoadResearcher', version: '1' })
export class LoadResearcher {
  @Trace() async research(app: number, run: number): Promise<string> {
    const found = await Promise.all([this.search(`${app}/${run} sources`), this.search(`${app}/${run} prices`)]);
    const first = await this.summarise(app, run, RESEARCH_CALLS[0]!, found.join('; '));
    const second = await this.summarise(app, run, RESEARCH_CALLS[1]!, first);
    return second;
  }

  @Tool({ name: 'search' }) async search(query: string): Promise<string> {
    await pause(2 + (query.length % 5));
    return `2 hits for ${query}`;
  }

  @LLM({ provider: 'openai', model: 'load-mini' }) async summarise(
    app: number,
    run: number,
    call: number,
    text: string,
  ): Promise<string> {
    await pause(5 + (run % 7));
    recordUsage(loadUsage(app, run, call));
    return `summary ${call} of ${text.length} characters`;
  }
}

@Agent({ name: 'LoadOrchestrator', version: '1' })
export class LoadOrchestrator {
  private readonly researcher = new LoadResearcher();

  /** One run; resolves with the run's trace id. */
  @Trace() async handle(app: number, run: number): Promise<string> {
    const traceId = trace.getActiveSpan()?.spanContext().traceId ?? '';
    const plan = await this.complete(app, run, ORCHESTRATOR_CALLS[0]!, 'plan');
    const research = await this.researcher.research(app, run);
    const facts: string[] = [];
    for (let lookup = 0; lookup < lookupsOf(run); lookup++) facts.push(await this.lookup(run, lookup));
    await this.complete(app, run, ORCHESTRATOR_CALLS[1]!, `${plan} ${research} ${facts.join(',')}`);
    return traceId;
  }

  @Tool({ name: 'lookup' }) async lookup(run: number, lookup: number): Promise<string> {
    await pause(1 + lookup);
    return `fact ${run}.${lookup}`;
  }

  @LLM({ provider: 'openai', model: 'load-large' }) async complete(
    app: number,
    run: number,
    call: number,
    prompt: string,
  ): Promise<string> {
    await pause(5 + (run % 11));
    recordUsage(loadUsage(app, run, call));
    return `answer ${call}: ${prompt.slice(0, 40)}`;
  }
}
