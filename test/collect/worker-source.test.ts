import { workerSource } from '../../src/collect/worker-lane';

/** How a worker of the collector loads its code: compiled JavaScript as it is, TypeScript behind a loader. */
it('runs the compiled worker as it is', () => {
  const { source, execArgv } = workerSource('.js', ['--inspect']);
  expect(source).toMatch(/intake-worker\.js"\);$/);
  expect(execArgv).toBeUndefined();
});

it('lets a worker inherit the TypeScript loader this process was started with', () => {
  for (const argv of [
    ['-r', '/repo/test/support/transpile-register.js'],
    ['--require', 'ts-node/register/transpile-only'],
    ['--require=ts-node/register'],
  ]) {
    expect(workerSource('.ts', argv).execArgv).toBeUndefined();
  }
});

it('gives a worker ts-node’s loader when this process has none it can pass on (the ts-node command, jest)', () => {
  for (const argv of [
    ['/repo/node_modules/ts-node/dist/bin.js', '--transpile-only'],
    ['--experimental-vm-modules'],
    [],
  ]) {
    const { source, execArgv } = workerSource('.ts', argv);
    expect(source).toMatch(/intake-worker\.ts"\);$/);
    expect(execArgv).toEqual(['-r', require.resolve('ts-node/register/transpile-only')]);
  }
});
