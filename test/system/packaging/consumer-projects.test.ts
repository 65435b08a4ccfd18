import { execFile, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { createTestDatabase } from '../../support/database';

/**
 * agentspan as an application gets it: built and packed (`npm run build && npm pack`, staged outside the working
 * tree), installed from the tarball with `npm install --prefer-offline` (the tarball's dependencies come from npm's cache
 * where it has them — `npm ci` fills it with the packages but not with the registry's version lists, which a range
 * needs — and from the registry otherwise), then used from three kinds of project, each running an
 * agent on the embedded database and reading its run back:
 * - ESM, `module: nodenext`, standard decorators, compiled with tsc (type-checked against our .d.ts);
 * - CommonJS, legacy decorators (`experimentalDecorators`, as TypeORM projects), compiled with tsc;
 * - tsx (esbuild), standard decorators, run from source.
 */
const ROOT = resolve(__dirname, '../../..');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const TSX = join(ROOT, 'node_modules/tsx/dist/cli.mjs');
const run = promisify(execFile);

/** An environment without our database or collector: the programs use the embedded database in memory. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of [
    'DATABASE_URL',
    'OTEL_EXPORTER_OTLP_ENDPOINT',
    'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    'NODE_OPTIONS',
  ]) {
    delete env[name];
  }
  return env;
}

async function sh(file: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await run(file, args, { cwd, env: cleanEnv(), maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${file} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`, { cause: error });
  }
}

/** The program every project runs; `agentspan/instrument` is the decorators-only entry. */
const program = (agent: string, imports: string) => `${imports}

@Agent({ name: '${agent}' })
class ${agent} {
  @Trace()
  async run(topic: string): Promise<string> {
    log('info', 'looking up', { topic });
    return this.lookup(topic);
  }

  @Tool({ name: 'lookup' })
  async lookup(topic: string): Promise<string> {
    return 'facts about ' + topic;
  }
}

async function main(): Promise<void> {
  const telemetry = await startAgentTelemetry({ embeddedDataDir: 'memory://', otlp: false });
  const output = await new ${agent}().run('retail');
  const { runs } = await telemetry.runs.history({ agent: '${agent}' });
  console.log(JSON.stringify({ output, runs: runs.map((r) => [r.agentName, r.status, r.totals.toolCalls]) }));
  await telemetry.shutdown();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
`;

const ESM_IMPORTS = `import { Agent, Tool, Trace, startAgentTelemetry } from 'agentspan';
import { log } from 'agentspan/instrument';`;
const CJS_IMPORTS = `import 'reflect-metadata';
${ESM_IMPORTS}`;

function project(dir: string, files: Record<string, unknown>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
}

const compilerOptions = { target: 'ES2022', strict: true, skipLibCheck: true, outDir: 'dist', types: ['node'] };

let work: string;
let consumers: string;
let installOutput: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'agentspan-consumers-'));
  const stage = join(work, 'package');
  // What `npm run build` does: the library, then the dashboard's page into dist/web.
  await sh(process.execPath, [TSC, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(stage, 'dist')], ROOT);
  await sh(process.execPath, [join(ROOT, 'scripts/build-web.mjs'), '--out', join(stage, 'dist/web')], ROOT);
  for (const file of ['package.json', 'README.md', 'LICENSE']) copyFileSync(join(ROOT, file), join(stage, file));
  await sh('npm', ['pack', stage, '--pack-destination', work, '--silent'], work);
  const tarball = readdirSync(work).find((file) => file.endsWith('.tgz'))!;

  // One install shared by the four projects below it (node resolves upwards), from npm's cache where it can: an
  // application on @opentelemetry/api 1.10 with the README's override line (OpenTelemetry's SDK 2.x packages declare
  // api <1.10; the override gives them the application's). npm prints its warnings on stderr.
  consumers = join(work, 'consumers');
  const { devDependencies } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  project(consumers, {
    'package.json': {
      name: 'consumers',
      private: true,
      dependencies: {
        '@opentelemetry/api': '1.10.0',
        agentspan: `file:${join(work, tarball)}`,
        '@types/node': devDependencies['@types/node'],
      },
      overrides: { '@opentelemetry/api': '$@opentelemetry/api' },
    },
  });
  const { stdout, stderr } = await run(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      '--no-package-lock',
      '--loglevel=warn',
    ],
    { cwd: consumers, env: cleanEnv() },
  );
  installOutput = `${stdout}${stderr}`;
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Runs a project's program and returns what it printed. */
async function output(file: string, args: string[], cwd: string): Promise<unknown> {
  return JSON.parse((await sh(file, args, cwd)).trim().split('\n').pop()!);
}

const expected = (agent: string) => ({ output: 'facts about retail', runs: [[agent, 'completed', 1]] });

it('works from ESM (nodenext, standard decorators), CommonJS (legacy decorators) and tsx', async () => {
  const esm = join(consumers, 'esm');
  project(esm, {
    'package.json': { type: 'module' },
    'tsconfig.json': { compilerOptions: { ...compilerOptions, module: 'nodenext', moduleResolution: 'nodenext' } },
    'app.ts': program('EsmAgent', ESM_IMPORTS),
  });
  const cjs = join(consumers, 'cjs');
  project(cjs, {
    'package.json': { type: 'commonjs' },
    'tsconfig.json': {
      compilerOptions: {
        ...compilerOptions,
        module: 'node16',
        moduleResolution: 'node16',
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
      },
    },
    'app.ts': program('CjsAgent', CJS_IMPORTS),
  });
  const tsx = join(consumers, 'tsx');
  project(tsx, { 'package.json': { type: 'module' }, 'app.ts': program('TsxAgent', ESM_IMPORTS) });

  const results = await Promise.all([
    sh(process.execPath, [TSC, '-p', '.'], esm).then(() => output(process.execPath, ['dist/app.js'], esm)),
    sh(process.execPath, [TSC, '-p', '.'], cjs).then(() => output(process.execPath, ['dist/app.js'], cjs)),
    // tsx is a devDependency: missing, it is an install to redo (`npm install`), not a reason to skip.
    existsSync(TSX) ? output(process.execPath, [TSX, 'app.ts'], tsx) : Promise.resolve(`no tsx at ${TSX}`),
  ]);
  expect(results).toEqual([expected('EsmAgent'), expected('CjsAgent'), expected('TsxAgent')]);
}, 180_000);

it('installs without a warning into an application on @opentelemetry/api 1.10 with the README’s override, dashboard included', async () => {
  // OpenTelemetry's SDK 2.x packages declare api <1.10 (see dependencies.test.ts); the README's one-line override
  // tells npm to give them the application's api. The install must print no peer warning, and tracing must work.
  const app = join(consumers, 'api-1.10');
  project(app, {
    'app.js': `const { startAgentTelemetry, traced } = require('agentspan');
async function main() {
  const telemetry = await startAgentTelemetry({ embeddedDataDir: 'memory://', otlp: false, ui: { port: 0 } });
  const page = await (await fetch(telemetry.ui.url)).text();
  const script = await fetch(new URL('/assets/app.js', telemetry.ui.url));
  const lookup = traced(async (topic) => 'facts about ' + topic, { name: 'ApiTenAgent', kind: 'agent' });
  const output = await lookup('retail');
  const { runs } = await telemetry.runs.history({ agent: 'ApiTenAgent' });
  console.log(JSON.stringify({ dashboard: [page.includes('/assets/app.js'), script.status], api: JSON.parse(require('fs').readFileSync('../node_modules/@opentelemetry/api/package.json', 'utf8')).version, copies: new Set([require.resolve('@opentelemetry/api'), require.resolve('@opentelemetry/api', { paths: [require.resolve('agentspan')] })]).size, output, runs: runs.map((r) => [r.agentName, r.status]) }));
  await telemetry.shutdown();
}
main().catch((error) => { console.error(error); process.exitCode = 1; });
`,
  });
  expect(installOutput).not.toMatch(/ERESOLVE|peer dep/i);
  expect(await output(process.execPath, ['app.js'], app)).toEqual({
    // The dashboard's page ships in the package and is served from it.
    dashboard: [true, 200],
    api: '1.10.0',
    copies: 1,
    output: 'facts about retail',
    runs: [['ApiTenAgent', 'completed']],
  });
}, 120_000);

it('runs the collector with its worker threads from the compiled package', async () => {
  // The workers load dist/…/intake-worker.js next to the collector: what the package must ship.
  const database = await createTestDatabase();
  const cli = join(consumers, 'node_modules/agentspan/dist/src/cli/main.js');
  const child = spawn(process.execPath, [cli, 'collect', '--port', '0', '--workers', '2', '--database', database.url], {
    cwd: consumers,
    env: cleanEnv(),
  });
  try {
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    for (let waited = 0; !/collector on (\S+)v1\/traces/.test(stdout) && waited < 60_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const url = /collector on (\S+)v1\/traces/.exec(stdout)?.[1];
    if (url === undefined) throw new Error(`the collector did not start: ${stdout}`);
    const now = BigInt(Date.now()) * 1_000_000n;
    const span = {
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: 'eee19b7ec3c1b174',
      name: 'invoke_agent packaged',
      startTimeUnixNano: String(now),
      endTimeUnixNano: String(now + 1_000_000n),
      attributes: [
        { key: 'gen_ai.operation.name', value: { stringValue: 'invoke_agent' } },
        { key: 'gen_ai.agent.name', value: { stringValue: 'PackagedCollector' } },
      ],
    };
    const body = {
      resourceSpans: [{ scopeSpans: [{ scope: { name: 'opentelemetry.instrumentation.openai_v2' }, spans: [span] }] }],
    };
    const posted = await fetch(`${url}v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(posted.status).toBe(200);
    let health: { counters: { written: number }; workers: unknown[] } | undefined;
    for (let waited = 0; (health?.counters.written ?? 0) < 1 && waited < 30_000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      health = (await (await fetch(`${url}healthz`)).json()) as typeof health;
    }
    expect(health).toMatchObject({ counters: { written: 1 }, workers: [expect.anything(), expect.anything()] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/1 record\(s\) written, 0 dropped/);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await database.close();
  }
}, 120_000);
