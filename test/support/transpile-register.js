'use strict';
/**
 * `node -r ./test/support/transpile-register.js file.ts`: runs this repository's TypeScript the way
 * `ts-node/register/transpile-only` does (no type check: `npm run typecheck` does that), with the output cached on
 * disk by content. Projects with legacy decorators (tsconfig.json) are transpiled by swc with the options jest uses
 * (jest.config.js), a fraction of TypeScript's CPU; others (standard decorators) by TypeScript's transpileModule. A test's child process then
 * starts almost as fast as plain node: TypeScript itself (a large module) is only loaded when a file changed.
 *
 * The project is TS_NODE_PROJECT (as for ts-node), default ./tsconfig.json. The cache lives in
 * AGENTSPAN_TRANSPILE_CACHE, default <tmpdir>/agentspan-transpile-cache; an entry is keyed by the file's path and
 * text, the project file's text and TypeScript's version, and written atomically, so concurrent processes share it.
 * Files under node_modules are left to node, as ts-node leaves them.
 */
const { createHash } = require('node:crypto');
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { tmpdir } = require('node:os');
const { dirname, join, resolve, sep } = require('node:path');

const ROOT = resolve(__dirname, '../..');
const PROJECT = resolve(ROOT, process.env.TS_NODE_PROJECT || 'tsconfig.json');
const CACHE_DIR = process.env.AGENTSPAN_TRANSPILE_CACHE || join(tmpdir(), 'agentspan-transpile-cache');
const TYPESCRIPT = require.resolve('typescript', { paths: [ROOT] });

/** Legacy decorators unless the project (or the one it extends) turns them off. */
const USE_SWC = !/"experimentalDecorators"\s*:\s*false/.test(projectText(PROJECT));
const SWC_OPTIONS = require('./swc-options');

/** What else decides the output besides a file's own text. */
const SALT = createHash('sha256')
  .update(`transpile-register 2 ${USE_SWC ? 'swc' : 'typescript'}\0`)
  .update(JSON.parse(readFileSync(join(dirname(TYPESCRIPT), '../package.json'), 'utf8')).version)
  .update(USE_SWC ? `\0${JSON.stringify(SWC_OPTIONS)}\0${require('@swc/core/package.json').version}` : '')
  .update('\0')
  .update(projectText(PROJECT))
  .digest('hex');

function projectText(file) {
  const text = readFileSync(file, 'utf8');
  // One level of "extends" (a relative path), enough for this repository's projects.
  const parent = /"extends"\s*:\s*"([^"]+)"/.exec(text);
  return parent && parent[1].startsWith('.') ? `${text}\0${projectText(resolve(dirname(file), parent[1]))}` : text;
}

let compilerOptions;
function transpile(source, filename) {
  if (USE_SWC) return require('@swc/core').transformSync(source, { ...SWC_OPTIONS, filename }).code;
  const ts = require(TYPESCRIPT);
  if (compilerOptions === undefined) {
    const parsed = ts.getParsedCommandLineOfConfigFile(
      PROJECT,
      {},
      { ...ts.sys, onUnRecoverableConfigFileDiagnostic() {} },
    );
    if (parsed === undefined) throw new Error(`transpile-register: cannot read ${PROJECT}`);
    // As ts-node: no declarations; source maps inline, for `node --enable-source-maps` (not turned on here: node would
    // then read the source maps of every package it loads, which costs each child process more than it saves).
    compilerOptions = {
      ...parsed.options,
      declaration: false,
      declarationMap: false,
      sourceMap: false,
      inlineSourceMap: true,
      inlineSources: true,
      noEmit: false,
    };
  }
  return ts.transpileModule(source, { fileName: filename, compilerOptions, reportDiagnostics: false }).outputText;
}

function compiled(source, filename) {
  const key = createHash('sha256').update(SALT).update('\0').update(filename).update('\0').update(source).digest('hex');
  const cached = join(CACHE_DIR, key.slice(0, 2), `${key}.js`);
  try {
    return readFileSync(cached, 'utf8');
  } catch {
    const output = transpile(source, filename);
    try {
      mkdirSync(dirname(cached), { recursive: true });
      const partial = `${cached}.${process.pid}.${Date.now()}.tmp`;
      writeFileSync(partial, output);
      renameSync(partial, cached);
    } catch {
      // An unwritable cache only costs speed.
    }
    return output;
  }
}

const plainJs = Module._extensions['.js'];
Module._extensions['.ts'] = function loadTypeScript(module, filename) {
  if (filename.includes(`${sep}node_modules${sep}`)) {
    return plainJs(module, filename);
  }
  module._compile(compiled(readFileSync(filename, 'utf8'), filename), filename);
};
