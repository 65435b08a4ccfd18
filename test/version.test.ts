import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VERSION } from '../src/version';

it('reports the package version as the tracer scope version', () => {
  const manifest = JSON.parse(readFileSync(join(__dirname, '../package.json'), 'utf8')) as { version: string };
  expect(VERSION).toBe(manifest.version);
});
