import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { runCli } from '../../src/cli/run-cli';
import type { CliIo } from '../../src/cli/context/cli-io';
import type { SpanRecord } from '../../src/model/records';
import { SpanWriter } from '../../src/store/write/span-writer';
import { finalSpan, llmSpan, newTraceId, runningSpan } from '../support/span-records';
import { createStoreFixture, type StoreFixture } from '../support/store-fixture';

/**
 * `agentspan tail` and `agentspan runs --follow`, in process (runCli): the table of runs, then the changes as they
 * commit — a line each when stdout is not a terminal, the table redrawn in place when it is — until Ctrl-C (SIGINT,
 * or the io's signal in a test), which ends the command with exit code 0.
 */

let store: StoreFixture;
let writer: SpanWriter;
/** Stops whatever a test left following (a failed test). */
const stops: AbortController[] = [];

beforeAll(async () => {
  store = await createStoreFixture();
  writer = new SpanWriter(store.dataSource);
}, 60_000);

afterEach(() => {
  for (const stop of stops.splice(0)) stop.abort();
});

afterAll(() => store?.close());

interface Following {
  output(): string;
  /** Resolves once stdout holds `text` (or matches it). */
  printed(text: string | RegExp, timeoutMs?: number): Promise<void>;
  exitCode: Promise<number>;
}

function follow(args: string[], io: Partial<CliIo> = {}): Following {
  let stdout = '';
  let stderr = '';
  const exitCode = runCli(['--database', store.database.url, ...args], {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    env: {},
    ...io,
  });
  return {
    output: () => stdout,
    exitCode,
    async printed(text, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (typeof text === 'string' ? !stdout.includes(text) : !text.test(stdout)) {
        if (Date.now() > deadline)
          throw new Error(`not printed: ${String(text)}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}

const uniqueName = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

/** A run of `agent` starting now (the table shows how long it has been running). */
function run(agent: string): SpanRecord {
  return runningSpan({ traceId: newTraceId(), kind: 'agent', execution: { agentName: agent, startedAt: new Date() } });
}

function end(started: SpanRecord): SpanRecord {
  const { traceId, spanId, agentName, startedAt } = started.execution;
  return finalSpan({ traceId, spanId, execution: { agentName, startedAt } });
}

describe('agentspan tail', () => {
  it('prints the table, then one line per change when stdout is not a terminal; stops with exit code 0', async () => {
    const agent = uniqueName('Tailed');
    const stop = new AbortController();
    stops.push(stop);
    const tail = follow(['tail', '--agent', agent], { signal: stop.signal });
    // The table first (empty: this agent has no runs yet); the watch is placed before it is read.
    await tail.printed('(no runs yet)');
    const started = run(agent);
    await writer.write([started]);
    await tail.printed(/ started\s+\S+\s+running /);
    await writer.write([llmSpan(started.execution.traceId, started.execution.spanId, { costUsd: '0.0012500000' })]);
    await tail.printed(/ step\s+\S+\s+running\s.*steps 1\s+cost 0\.00125/);
    await writer.write([end(started)]);
    await tail.printed(/ completed\s+\S+\s+completed\s/);
    stop.abort();
    expect(await tail.exitCode).toBe(0);
    const lines = tail
      .output()
      .split('\n')
      .filter((line) => line.includes(started.execution.traceId));
    expect(lines.map((line) => line.split(/\s+/)[1])).toEqual(['started', 'step', 'completed']);
    expect(tail.output()).not.toContain('\x1b[');
  });

  it('runs --follow on a terminal redraws the table in place, with running runs’ elapsed time, steps and cost', async () => {
    const agent = uniqueName('Followed');
    const earlier = run(agent);
    await writer.write([earlier, end(earlier)]);
    const stop = new AbortController();
    stops.push(stop);
    const follower = follow(['runs', '--follow', '--agent', agent], { signal: stop.signal, isTTY: true });
    await follower.printed(/elapsed\s+steps/);
    await follower.printed(/completed/);
    const live = run(agent);
    await writer.write([live, llmSpan(live.execution.traceId, live.execution.spanId, { costUsd: '0.0012500000' })]);
    // Redrawn: the cursor goes back up over the table drawn before, which is cleared, and the new run is on top.
    const ESC = String.fromCharCode(27);
    await follower.printed(
      new RegExp(`${ESC}\\[\\d+A\\r${ESC}\\[J[^${ESC}]*running\\s+\\d+\\.\\d s\\s+1\\s+.*0\\.00125`),
    );
    stop.abort();
    expect(await follower.exitCode).toBe(0);
    const last = follower.output().split('\x1b[J').pop()!;
    const rows = last.split('\n').filter((line) => line.includes(agent));
    expect(rows.map((line) => line.split(/\s+/)[2])).toEqual(['running', 'completed']);
  });

  it('prints each change as a JSON line with --json', async () => {
    const agent = uniqueName('Json');
    const stop = new AbortController();
    stops.push(stop);
    const tail = follow(['--json', 'tail', '--agent', agent], { signal: stop.signal });
    // The runs first, as one line (none yet), once the watch's cursor is taken.
    await tail.printed('{"runs":[]}');
    const started = run(agent);
    await writer.write([started, end(started)]);
    await tail.printed('"type":"completed"');
    stop.abort();
    expect(await tail.exitCode).toBe(0);
    const changes = tail
      .output()
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => JSON.parse(line) as { type: string; run: { agentName: string }; cursor: string });
    expect(changes.map((change) => [change.type, change.run.agentName])).toEqual([
      ['started', agent],
      ['completed', agent],
    ]);
    expect(typeof changes[0]!.cursor).toBe('string');
  });

  it('stops on SIGINT (Ctrl-C) with exit code 0', async () => {
    const others = process.listeners('SIGINT');
    process.removeAllListeners('SIGINT');
    try {
      const tail = follow(['tail', '--agent', uniqueName('Interrupted')]);
      await tail.printed('(no runs yet)');
      expect(process.listenerCount('SIGINT')).toBe(1);
      process.emit('SIGINT');
      expect(await tail.exitCode).toBe(0);
      expect(process.listenerCount('SIGINT')).toBe(0);
    } finally {
      for (const listener of others) process.on('SIGINT', listener);
    }
  });
});
