import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runExample } from '../../support/example-process';

/**
 * The examples of issue 14 — one per setup (OpenAI SDK, Anthropic SDK, Vercel AI SDK, LangChain.js, Langfuse), one
 * test file each (works-with-<name>.test.ts), so jest runs them side by side — run as a user runs them: the example
 * transpiled as `ts-node --transpile-only examples/<name>.ts` does it (see runExample), in a fresh directory, no
 * DATABASE_URL (embedded PostgreSQL), in a node process of their own (PGlite, `ai` and `@ai-sdk/otel` do not load
 * inside jest's sandbox). Each prints the run agentspan stored and the figures its fake provider reported; the stored
 * figures are asserted against what the provider sent.
 */
export interface Printed {
  /** One line per stored LLM call, in tree order: "name | request → response (provider) | figures[ | not counted]". */
  calls: string[];
  /** Every execution of the tree, "name [kind]", indented two spaces per level. */
  tree: string[];
  run: Record<string, string>;
  provider: Record<string, string>;
  agentRuns: string;
}

/** "input 200 · cache read 1000 · … · llm calls 2" → { input: '200', 'cache read': '1000', …, 'llm calls': '2' } */
function figures(text: string): Record<string, string> {
  return Object.fromEntries(
    text.split(' · ').map((part) => {
      const match = /^(input|cache read|cache write|output|reasoning|cost|llm calls|unknown-cost calls) (.+)$/.exec(
        part.trim(),
      );
      if (!match) throw new Error(`not a figure: ${part}`);
      return [match[1], match[2]];
    }),
  );
}

function parse(stdout: string): Printed {
  const lines = stdout.split('\n');
  const calls: string[] = [];
  const tree: string[] = [];
  lines.forEach((line, index) => {
    const node = /^( +)(.+?) {2}\[(\w+), (\w+)\]$/.exec(line);
    if (!node) return;
    tree.push(`${' '.repeat(node[1].length - 2)}${node[2]} [${node[3]}]`);
    if (node[3] !== 'llm') return;
    const model = /model (.+)$/.exec(lines[index + 1].trim())![1];
    const counted = !model.includes('not counted');
    calls.push(
      `${node[2]} | ${model.replace(/ {2}— not counted.*$/, '')} | ${lines[index + 2].trim()}${counted ? '' : ' | not counted'}`,
    );
  });
  const after = (prefix: string) => {
    const line = lines.find((candidate) => candidate.startsWith(prefix));
    if (line === undefined) throw new Error(`no line "${prefix}" in:\n${stdout}`);
    return line.slice(prefix.length).trim();
  };
  return {
    calls,
    tree,
    run: figures(after('run totals')),
    provider: figures(after('provider totals')),
    agentRuns: after('agent runs in the trace:'),
  };
}

// The directories of the examples a test file ran, removed after the file.
const cwds: string[] = [];
afterAll(() => {
  for (const cwd of cwds) rmSync(cwd, { recursive: true, force: true });
});

/** Runs the example in a new directory: exit 0, nothing on stderr but Node's own warnings, its own data directory. */
export async function run(name: string): Promise<Printed> {
  const cwd = mkdtempSync(join(tmpdir(), `agentspan-example-${name}-`));
  cwds.push(cwd);
  const { code, stdout, stderr } = await runExample(name, cwd, { transpileCache: true });
  const unexpected = stderr
    .split('\n')
    .filter((line) => !/ExperimentalWarning|--trace-warnings|nodedir/.test(line) && line.trim());
  expect({ code, stderr: unexpected.join('\n'), stdout: code === 0 ? '' : stdout }).toEqual({
    code: 0,
    stderr: '',
    stdout: '',
  });
  expect(stdout).toContain('Stored in embedded PostgreSQL');
  expect(existsSync(join(cwd, '.agentspan/examples', name))).toBe(true);
  return parse(stdout);
}

export const BUCKETS = ['input', 'cache read', 'cache write', 'output', 'reasoning'] as const;
export const pick = (from: Record<string, string>, keys: readonly string[]) =>
  Object.fromEntries(keys.map((key) => [key, from[key]]));

// Costs are the seeded list prices (USD per million tokens): gpt-4o-mini input 0.15, cached input 0.075, output 0.6
// (cache writes and reasoning at the input and output price); claude-haiku-4-5 input 1, cache read 0.1, cache write
// 1.25, output 5.
