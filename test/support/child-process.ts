import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

/**
 * node's arguments to run a TypeScript file of this repository: transpiled as `ts-node --transpile-only` does, with
 * the output cached on disk (transpile-register.js), so a child process does not load and run the TypeScript
 * compiler each time. Types are checked by `npm run typecheck`, not here.
 */
export function typeScriptArgs(file: string, args: string[] = []): string[] {
  return ['-r', resolve(__dirname, 'transpile-register.js'), resolve(ROOT, file), ...args];
}

/** A TypeScript file of this repository run by a fresh node (transpile only, see typeScriptArgs). */
export function spawnTypeScript(file: string, env: Record<string, string> = {}, args: string[] = []): ChildProcess {
  const node = typeScriptArgs(file, args);
  return spawn(process.execPath, node, {
    cwd: ROOT,
    env: { ...process.env, TS_NODE_PROJECT: resolve(ROOT, 'tsconfig.json'), ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Resolves with the first JSON line the child prints on stdout; rejects if it exits or times out first. */
export function firstJsonLine<T>(child: ChildProcess, timeoutMs = 30_000): Promise<T> {
  return new Promise<T>((resolvePromise, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(
      () => fail(new Error(`child printed nothing within ${timeoutMs} ms: ${stderr}`)),
      timeoutMs,
    );
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const newline = stdout.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      try {
        resolvePromise(JSON.parse(stdout.slice(0, newline)) as T);
      } catch (error) {
        reject(error as Error);
      }
    });
    child.once('exit', (code) => fail(new Error(`child exited with ${code} before answering: ${stderr}`)));
    child.once('error', fail);
  });
}

/** Closes the child's stdin (its signal to stop) and waits for it to exit; kills it if it does not. */
export function stopChild(child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolvePromise) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolvePromise();
    });
    child.stdin?.end();
  });
}
