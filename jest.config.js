// Two projects: the whole suite compiled with legacy decorators (experimentalDecorators, as TypeORM projects use),
// and the decorator suite again with its test files compiled as standard TC39 decorators. In the standard project the
// library itself is still compiled the way it ships (legacy), exactly as a user's standard-decorator code meets it.
const legacy = ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }];
const standard = ['ts-jest', { tsconfig: '<rootDir>/tsconfig.standard.json' }];

module.exports = {
  testTimeout: 60_000,
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
