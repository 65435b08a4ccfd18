import { VERSION } from '../../src/version';

it('reports the package version as the tracer scope version', () => {
  expect(VERSION).toBe((require('../../package.json') as { version: string }).version);
});
