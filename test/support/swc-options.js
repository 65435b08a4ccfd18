'use strict';
/**
 * How swc transpiles this repository's legacy-decorator TypeScript, for jest (jest.config.js) and for the tests' child
 * processes (transpile-register.js): what tsc emits for tsconfig.json — legacy decorators with metadata, ES2022, no
 * define-semantics class fields, CommonJS — at a fraction of its CPU.
 */
module.exports = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};
