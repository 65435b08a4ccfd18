import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

/**
 * The layout of src/ as docs/ARCHITECTURE.md ("Source layout") draws it, held against the code: which folder may
 * import which (imports point down the data flow, type-only imports included), no import cycle between files at run
 * time, and no file over 300 lines.
 */
const SRC = join(__dirname, '../../src');
const MAX_LINES = 300;

/** For each folder (or top-level file) of src/, the folders it may import. Anything not listed may not be imported. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  internal: [],
  model: [],
  semconv: [],
  version: [],
  capture: ['internal'],
  cost: ['internal', 'model'],
  context: ['capture', 'cost', 'internal', 'semconv'],
  decorators: ['capture', 'context', 'cost', 'internal', 'semconv', 'version'],
  instrument: ['capture', 'context', 'cost', 'decorators', 'semconv', 'version'],
  mapping: ['capture', 'cost', 'internal', 'model', 'semconv'],
  pipeline: ['internal'],
  store: ['capture', 'cost', 'internal', 'model', 'semconv'],
  rollups: ['capture', 'internal', 'model', 'semconv', 'store'],
  export: ['capture', 'context', 'cost', 'internal', 'mapping', 'model', 'pipeline', 'semconv', 'store', 'version'],
  query: ['capture', 'cost', 'internal', 'model', 'rollups', 'semconv', 'store'],
  setup: ['capture', 'export', 'internal', 'model', 'pipeline', 'query', 'rollups', 'semconv', 'store', 'ui'],
  collect: ['export', 'internal', 'semconv', 'store'],
  ui: ['capture', 'internal', 'model', 'query', 'rollups', 'store', 'version'],
  mcp: ['capture', 'internal', 'model', 'query', 'rollups', 'store', 'version'],
  cli: ['capture', 'collect', 'internal', 'mcp', 'model', 'query', 'rollups', 'setup', 'store', 'ui'],
};
const ENTRY_POINTS = new Set(['index']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** The src files a file imports: static imports and re-exports; `types` says whether type-only ones count. */
function importsOf(file: string, types: boolean): string[] {
  const text = readFileSync(file, 'utf8');
  const targets: string[] = [];
  for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\b([^;'"]*?)from\s+'(\.[^']+)'/g)) {
    if (!types && /^\s*type\b/.test(match[1]!)) continue;
    const target = normalize(join(dirname(file), match[2]!));
    const resolved = [`${target}.ts`, join(target, 'index.ts')].find((candidate) => files.includes(candidate));
    if (resolved) targets.push(resolved);
  }
  return targets;
}

const files = sourceFiles(SRC);
const graph = new Map(files.map((file) => [file, importsOf(file, true)]));
// What runs: type-only imports are erased by the compiler (the entities name each other's classes for their relations).
const runtimeGraph = new Map(files.map((file) => [file, importsOf(file, false)]));
const folderOf = (file: string): string => relative(SRC, file).split(/[\\/]/)[0]!.replace(/\.ts$/, '');
const shown = (file: string): string => relative(join(SRC, '..'), file);

it('every folder of src/ is in the layout', () => {
  const unknown = [...new Set(files.map(folderOf))].filter(
    (folder) => !(folder in MAY_IMPORT) && !ENTRY_POINTS.has(folder),
  );
  expect(unknown).toEqual([]);
});

it('imports point down: each folder imports only the folders below it', () => {
  const wrong: string[] = [];
  for (const [file, targets] of graph) {
    const from = folderOf(file);
    if (ENTRY_POINTS.has(from)) continue;
    for (const target of targets) {
      const to = folderOf(target);
      if (to !== from && !(MAY_IMPORT[from] ?? []).includes(to)) wrong.push(`${shown(file)} -> ${shown(target)}`);
    }
  }
  expect(wrong).toEqual([]);
});

it('no import cycle between files at run time', () => {
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    path.push(file);
    for (const target of runtimeGraph.get(file) ?? []) {
      if (state.get(target) === 'open')
        cycles.push([...path.slice(path.indexOf(target)), target].map(shown).join(' -> '));
      else if (!state.has(target)) visit(target);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  expect(cycles).toEqual([]);
});

it(`no source file is over ${MAX_LINES} lines`, () => {
  const long = files
    .map((file) => [shown(file), readFileSync(file, 'utf8').split('\n').length - 1] as const)
    .filter(([, lines]) => lines > MAX_LINES)
    .map(([file, lines]) => `${file}: ${lines}`);
  expect(long).toEqual([]);
});
