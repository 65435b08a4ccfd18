import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { typeScriptArgs } from './child-process';

const ROOT = resolve(__dirname, '../..');

/**
 * An example of examples/ run as a newcomer runs it: `ts-node --transpile-only examples/<name>.ts` in the directory
 * `cwd`, with no DATABASE_URL (embedded PostgreSQL) and no OTLP endpoint, in a node process of its own (PGlite and
 * some SDKs do not load inside jest's module sandbox). With `transpileCache`, the example is transpiled the same way
 * (TypeScript's transpileModule, the project's options) from the tests' transpile cache instead of by ts-node itself,
 * which saves the child loading the compiler: for the examples whose subject is the example, not the command that
 * starts it (the quickstart test runs the README's command itself).
 */
export function runExample(
  name: string,
  cwd: string,
  options: { transpileCache?: boolean } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') };
  delete env.DATABASE_URL;
  delete env.OTEL_EXPORTER_OTLP_ENDPOINT;
  delete env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const file = join(ROOT, `examples/${name}.ts`);
  const args = options.transpileCache
    ? typeScriptArgs(file)
    : ['-r', require.resolve('ts-node/register/transpile-only'), file];
  const child = spawn(process.execPath, args, {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolvePromise) => child.on('exit', (code) => resolvePromise({ code, stdout, stderr })));
}
