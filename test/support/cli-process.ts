import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { runCli } from '../../src/cli/run-cli';
import { typeScriptArgs } from './child-process';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The agentspan command run in this process (runCli): its output and exit code, as a spawned command gives them
 * (test/cli/run-cli.test.ts compares the two), without starting a process and transpiling the CLI per command.
 * DATABASE_URL is empty, as for the spawned command: tests say `--database`.
 */
export async function agentspan(...args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    env: { ...process.env, DATABASE_URL: '' },
  });
  return { code, stdout, stderr };
}

/** The agentspan command, run as a user runs it: a separate process, its output and exit code. */
export function spawnAgentspan(...args: string[]): Promise<CliRun> {
  const root = resolve(__dirname, '../..');
  // src/cli/main.ts transpiled as `npm run agentspan` (ts-node --transpile-only) does, from a cache.
  const child = spawn(process.execPath, typeScriptArgs('src/cli/main.ts', args), {
    cwd: root,
    env: { ...process.env, DATABASE_URL: '', TS_NODE_PROJECT: resolve(root, 'tsconfig.json') },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

/** A serving command (ui, collect) run in this process until stopped: what it printed, and its exit code. */
export interface ServingCli {
  /** Everything printed on stdout so far. */
  stdout(): string;
  /** The first http://127.0.0.1:<port>/ it printed (resolves once it listens). */
  url: Promise<string>;
  /** Stops it as Ctrl-C would; resolves with its exit code. */
  stop(): Promise<number>;
}

export function serveCli(...args: string[]): ServingCli {
  const abort = new AbortController();
  let stdout = '';
  const code = runCli(args, {
    stdout: (text) => (stdout += text),
    stderr: () => undefined,
    env: { ...process.env, DATABASE_URL: '' },
    signal: abort.signal,
  });
  const url = (async () => {
    for (let waited = 0; waited < 20_000; waited += 50) {
      const found = /http:\/\/127\.0\.0\.1:\d+\//.exec(stdout)?.[0];
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`agentspan ${args.join(' ')} printed no address: ${stdout}`);
  })();
  return {
    stdout: () => stdout,
    url,
    stop() {
      abort.abort();
      return code;
    },
  };
}
