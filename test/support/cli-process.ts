import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { typeScriptArgs } from './child-process';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The agentspan command, run as a user runs it: a separate process, its output and exit code. */
export function agentspan(...args: string[]): Promise<CliRun> {
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
