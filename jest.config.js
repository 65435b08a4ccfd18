// Two projects: the whole suite compiled with legacy decorators (experimentalDecorators, as TypeORM projects use),
// and the decorator suite again with its test files compiled as standard TC39 decorators. In the standard project the
// library itself is still compiled the way it ships (legacy), exactly as a user's standard-decorator code meets it.
// Standard decorators stay with ts-jest (TypeScript's own TC39 decorator transform, as a user's tsc compiles them).
const { availableParallelism } = require('node:os');

// The legacy-decorator code (the library, and every test but the standard-decorator ones) through swc, with the
// options in test/support/swc-options.js, at a fraction of ts-jest's CPU. `npm test` from a fresh clone on 2 cores:
// 4 min 38 s with ts-jest and 3 workers, 4 min 7 s with swc and 4, 3 min 43 s with the child processes' transpiling
// on swc too. Types are checked by tsc before jest runs.
const legacy = ['@swc/jest', require('./test/support/swc-options')];
const standard = ['ts-jest', { tsconfig: '<rootDir>/tsconfig.standard.json' }];

module.exports = {
  testTimeout: 60_000,
  // Most test files spend their time waiting — on fault scenarios (outages, slow and hung databases), on child
  // processes, on the embedded database in its own process — so two workers more than there are cores (jest's
  // default is one less, which on a 2-core machine runs every file one after the other; on this 2-core machine 4
  // workers took the suite from 242 to 226 s against 3); at most 6, as each worker has an embedded database process.
  maxWorkers: Math.min(6, Math.max(3, availableParallelism() + 2)),
  // Embedded PostgreSQL for the tests without DATABASE_URL: one warm database pool process per worker, handing each
  // test a fresh in-memory PGlite (test/support/embedded-pool-process.ts).
  globalSetup: '<rootDir>/test/support/jest-global-setup.js',
  globalTeardown: '<rootDir>/test/support/jest-global-teardown.js',
  projects: [
    {
      displayName: 'legacy-decorators',
      testEnvironment: 'node',
      globals: { DECORATOR_DIALECT: 'legacy' },
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      transform: { '^.+\\.ts$': legacy },
    },
    {
      displayName: 'standard-decorators',
      testEnvironment: 'node',
      globals: { DECORATOR_DIALECT: 'standard' },
      testMatch: ['<rootDir>/test/decorators/**/*.test.ts'],
      transform: {
        '^.+/test/(decorators|support)/.+\\.ts$': standard,
        '^.+\\.ts$': legacy,
      },
    },
  ],
};
