import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');

it('agentspan/instrument loads no database code: no TypeORM, no pg, no PGlite', () => {
  const script = `
    require(${JSON.stringify(join(ROOT, 'src/instrument.ts'))});
    const loaded = Object.keys(require.cache).filter((f) => /node_modules\\/(typeorm|pg|@electric-sql)\\//.test(f));
    process.stdout.write(JSON.stringify(loaded));
  `;
  const output = execFileSync(
    process.execPath,
    ['-r', require.resolve('ts-node/register/transpile-only'), '-e', script],
    {
      cwd: ROOT,
      env: { ...process.env, TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') },
      encoding: 'utf8',
    },
  );
  expect(JSON.parse(output)).toEqual([]);
});
