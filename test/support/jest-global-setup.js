'use strict';
/**
 * jest globalSetup: without DATABASE_URL, one embedded database pool process per jest worker
 * (embedded-pool-process.ts), so the test files of a worker get their fresh PGlite databases from a process that is
 * already warm. Their socket paths go to the workers in AGENTSPAN_TEST_PGLITE_POOLS (a worker uses the one of its
 * JEST_WORKER_ID; see database.ts). Nothing is waited for here: the pools start while jest starts its workers, and
 * a test that asks before its pool listens waits for it.
 */
const { execFileSync, spawn } = require('node:child_process');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');

const ROOT = resolve(__dirname, '../..');

module.exports = async function globalSetup(globalConfig) {
  // The dashboard's page, as `npm run build` makes it: the UI server serves it and the browser tests open it.
  execFileSync(process.execPath, [join(ROOT, 'scripts/build-web.mjs'), '--if-missing'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (process.env.DATABASE_URL) return;
  const count = Math.max(1, globalConfig.maxWorkers || 1);
  const pools = [];
  for (let i = 1; i <= count; i += 1) {
    const path = join(tmpdir(), `agentspan-pglite-${process.pid}-${i}.sock`);
    const child = spawn(
      process.execPath,
      ['-r', join(__dirname, 'transpile-register.js'), join(__dirname, 'embedded-pool-process.ts'), path],
      {
        cwd: ROOT,
        // The first pool warms up at once (every run uses it); the others on their worker's first database, so a
        // run jest keeps in one process (a single test file, say) does not compile PGlite for workers it never starts.
        env: {
          ...process.env,
          TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
          AGENTSPAN_TEST_POOL_EAGER: i === 1 ? '1' : '0',
        },
        // stdin: the pool exits when it closes (teardown, or jest died); its failures show in jest's output.
        stdio: ['pipe', 'ignore', 'inherit'],
      },
    );
    pools.push({ path, child });
  }
  globalThis.__AGENTSPAN_PGLITE_POOLS__ = pools;
  process.env.AGENTSPAN_TEST_PGLITE_POOLS = pools.map((pool) => pool.path).join(',');
};
