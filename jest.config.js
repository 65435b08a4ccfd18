// Two projects: the whole suite compiled with legacy decorators (experimentalDecorators, as TypeORM projects use),
// and the decorator suite again with its test files compiled as standard TC39 decorators. In the standard project the
// library itself is still compiled the way it ships (legacy), exactly as a user's standard-decorator code meets it.
// ts-jest transpiles only (tsconfig.json has isolatedModules): `npm run typecheck` checks the types before jest runs.
const { availableParallelism } = require('node:os');

const legacy = ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }];
const standard = ['ts-jest', { tsconfig: '<rootDir>/tsconfig.standard.json' }];

module.exports = {
  testTimeout: 60_000,
  // Most test files spend their time waiting — on fault scenarios (outages, slow and hung databases), on child
  // processes, on the embedded database in its own process — so one worker more than there are cores, at least 3
  // (jest's default is one less, which on a 2-core machine runs every file one after the other); at most 6, as each
  // worker has an embedded database process of its own.
  maxWorkers: Math.min(6, Math.max(3, availableParallelism() + 1)),
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
