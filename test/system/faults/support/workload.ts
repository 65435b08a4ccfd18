import { Agent, Decision, LLM, log, recordUsage, Tool, Trace } from '../../../../src/instrument';

/**
 * The application of the fault suite: an agent that searches (a tool with a log line), drafts (an LLM call with
 * token usage), decides (a decision) and, for every tenth task, fails on purpose. Four spans and five records (the
 * agent's start and four ends) per run. Its results are compared with the same calls made without telemetry.
 */
@Agent({ name: 'FaultAgent', version: '1' })
export class FaultAgent {
  @Trace() async run(task: number): Promise<RunResult> {
    const found = await this.search(task);
    const draft = await this.draft(task);
    const pick = await this.choose(task);
    if (task % 10 === 7) throw new Error(`task ${task} failed on purpose`);
    return { task, found, draft, pick: pick.choice };
  }

  @Tool() async search(task: number): Promise<number[]> {
    log('info', 'searching', { task });
    return [task, task * 2];
  }

  @LLM({ provider: 'openai', model: 'fault-model' }) async draft(task: number): Promise<string> {
    recordUsage({ inputTokens: 10, outputTokens: 5 });
    return `draft ${task}`;
  }

  @Decision() async choose(task: number): Promise<{ choice: string; alternatives: string[]; confidence: number }> {
    return { choice: task % 2 === 0 ? 'even' : 'odd', alternatives: ['even', 'odd'], confidence: 0.9 };
  }
}

export interface RunResult {
  task: number;
  found: number[];
  draft: string;
  pick: string;
}

/** What a call did: its value, or the message of what it threw. */
export type Outcome = { value: RunResult } | { error: string };

export const SPANS_PER_RUN = 4;
export const RECORDS_PER_RUN = 5;
export const INPUT_TOKENS_PER_RUN = 10;

const agent = new FaultAgent();

/** Runs the tasks, `concurrency` at a time, and returns every outcome in task order. */
export async function runTasks(tasks: readonly number[], concurrency = 1): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      outcomes[index] = await agent.run(tasks[index]!).then(
        (value): Outcome => ({ value }),
        (error: unknown): Outcome => ({ error: error instanceof Error ? error.message : String(error) }),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, worker));
  return outcomes;
}

export function range(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => from + i);
}
