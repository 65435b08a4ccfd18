import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runExample } from '../../support/example-process';

/**
 * The examples of issue 14 — one per setup (OpenAI SDK, Anthropic SDK, Vercel AI SDK, LangChain.js, Langfuse) — run as
 * a user runs them: `ts-node --transpile-only examples/<name>.ts` in a fresh directory, no DATABASE_URL (embedded
 * PostgreSQL), in a node process of their own (PGlite, `ai` and `@ai-sdk/otel` do not load inside jest's sandbox).
 * Each prints the run agentspan stored and the figures its fake provider reported; the stored figures are asserted
 * against what the provider sent.
 */
interface Printed {
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
      const match = /^(input|cache read|cache write|output|reasoning|cost|llm calls|unknown-cost calls) (.+)$/.exec(part.trim());
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
    calls.push(`${node[2]} | ${model.replace(/ {2}— not counted.*$/, '')} | ${lines[index + 2].trim()}${counted ? '' : ' | not counted'}`);
  });
  const after = (prefix: string) => {
    const line = lines.find((candidate) => candidate.startsWith(prefix));
    if (line === undefined) throw new Error(`no line "${prefix}" in:\n${stdout}`);
    return line.slice(prefix.length).trim();
  };
  return { calls, tree, run: figures(after('run totals')), provider: figures(after('provider totals')), agentRuns: after('agent runs in the trace:') };
}

const cwds: string[] = [];
afterAll(() => {
  for (const cwd of cwds) rmSync(cwd, { recursive: true, force: true });
});

/** Runs the example in a new directory: exit 0, nothing on stderr but Node's own warnings, its own data directory. */
async function run(name: string): Promise<Printed> {
  const cwd = mkdtempSync(join(tmpdir(), `agentspan-example-${name}-`));
  cwds.push(cwd);
  const { code, stdout, stderr } = await runExample(name, cwd);
  const unexpected = stderr.split('\n').filter((line) => !/ExperimentalWarning|--trace-warnings|nodedir/.test(line) && line.trim());
  expect({ code, stderr: unexpected.join('\n'), stdout: code === 0 ? '' : stdout }).toEqual({ code: 0, stderr: '', stdout: '' });
  expect(stdout).toContain('Stored in embedded PostgreSQL');
  expect(existsSync(join(cwd, '.agentspan/examples', name))).toBe(true);
  return parse(stdout);
}

const BUCKETS = ['input', 'cache read', 'cache write', 'output', 'reasoning'] as const;
const pick = (from: Record<string, string>, keys: readonly string[]) => Object.fromEntries(keys.map((key) => [key, from[key]]));

// Costs are the seeded list prices (USD per million tokens): gpt-4o-mini input 0.15, cached input 0.075, output 0.6
// (cache writes and reasoning at the input and output price); claude-haiku-4-5 input 1, cache read 0.1, cache write
// 1.25, output 5.

it('OpenAI SDK + Traceloop: direct calls with what Traceloop reports, @LLM-wrapped calls exact and counted once', async () => {
  const printed = await run('openai-sdk');
  const models = 'gpt-4o-mini → gpt-4o-mini-2024-07-18 (openai)';
  const exact = 'input 200 · cache read 1000 · cache write – · output 300 · reasoning 0 · cost $0.000285 (calculated)';
  expect(printed.calls).toEqual([
    // Traceloop's span reports prompt_tokens without the cached part: all 1,200 are stored as fresh input.
    `chat gpt-4o-mini | ${models} | input 1200 · cache read – · cache write – · output 300 · reasoning – · cost $0.000360 (calculated)`,
    // Traceloop records no usage for a chat stream, even with include_usage.
    `chat gpt-4o-mini | ${models} | input – · cache read – · cache write – · output – · reasoning – · cost unknown (unknown)`,
    `chat gpt-4o-mini | ${models} | ${exact}`,
    `chat gpt-4o-mini | ${models} | input 1200 · cache read – · cache write – · output 300 · reasoning – · cost $0.000360 (calculated) | not counted`,
    `chat gpt-4o-mini | ${models} | ${exact}`,
    `chat gpt-4o-mini | ${models} | input – · cache read – · cache write – · output – · reasoning – · cost unknown (unknown) | not counted`,
  ]);
  expect(printed.run).toEqual({
    input: '1600',
    'cache read': '2000',
    'cache write': '–',
    output: '900',
    reasoning: '0',
    cost: '$0.000930',
    'llm calls': '4',
    'unknown-cost calls': '1',
  });
  expect(printed.provider['llm calls']).toBe('4');
  expect(printed.agentRuns).toBe('OpenAISupportAgent');
}, 120_000);

it("Anthropic SDK's own tracing: fresh input, cache reads and cache writes apart, plain and streamed, as sent", async () => {
  const printed = await run('anthropic-sdk');
  const call =
    'anthropic.messages.create | claude-haiku-4-5 → claude-haiku-4-5-20251001 (anthropic) | ' +
    'input 100 · cache read 1000 · cache write 200 · output 300 · reasoning – · cost $0.001950 (calculated)';
  expect(printed.calls).toEqual([call, call]);
  expect(printed.provider).toEqual({ input: '200', 'cache read': '2000', 'cache write': '400', output: '600', reasoning: '–', 'llm calls': '2' });
  expect(pick(printed.run, [...BUCKETS, 'llm calls'])).toEqual(printed.provider);
  expect(pick(printed.run, ['cost', 'unknown-cost calls'])).toEqual({ cost: '$0.003900', 'unknown-cost calls': '0' });
  expect(printed.agentRuns).toBe('AnthropicSupportAgent');
}, 120_000);

it('Vercel AI SDK + @ai-sdk/otel: each call counted once on its chat span, no run of an agent named after the model', async () => {
  const printed = await run('vercel-ai-sdk');
  const call =
    'chat gpt-4o-mini | gpt-4o-mini → gpt-4o-mini-2024-07-18 (openai) | ' +
    'input 100 · cache read 1000 · cache write 200 · output 250 · reasoning 50 · cost $0.000300 (calculated)';
  expect(printed.calls).toEqual([call, call]);
  expect(printed.tree.filter((line) => line.trim().startsWith('invoke_agent'))).toEqual([
    'invoke_agent VercelAISupportAgent [agent]',
    '  invoke_agent gpt-4o-mini [task]',
    '  invoke_agent gpt-4o-mini [task]',
  ]);
  expect(printed.provider).toEqual({ input: '200', 'cache read': '2000', 'cache write': '400', output: '500', reasoning: '100', 'llm calls': '2' });
  expect(pick(printed.run, [...BUCKETS, 'llm calls'])).toEqual(printed.provider);
  expect(pick(printed.run, ['cost', 'unknown-cost calls'])).toEqual({ cost: '$0.000600', 'unknown-cost calls': '0' });
  expect(printed.agentRuns).toBe('VercelAISupportAgent');
}, 120_000);

it('LangChain ChatOpenAI + OpenInference: invoke and stream with the cached prompt apart', async () => {
  const printed = await run('langchain');
  // OpenInference's LangChain span names the request model only (the response model is inside its output JSON) and
  // no reasoning figure.
  const call = 'ChatOpenAI | gpt-4o-mini → ? (openai) | input 200 · cache read 1000 · cache write – · output 300 · reasoning – · cost $0.000285 (calculated)';
  expect(printed.calls).toEqual([call, call]);
  expect(printed.provider).toEqual({ input: '400', 'cache read': '2000', 'cache write': '–', output: '600', reasoning: '0', 'llm calls': '2' });
  const known = ['input', 'cache read', 'cache write', 'output', 'llm calls'];
  expect(pick(printed.run, known)).toEqual(pick(printed.provider, known));
  expect(pick(printed.run, ['reasoning', 'cost', 'unknown-cost calls'])).toEqual({ reasoning: '–', cost: '$0.000570', 'unknown-cost calls': '0' });
  expect(printed.agentRuns).toBe('LangChainSupportAgent');
}, 120_000);

it("Langfuse generations: usageDetails in OpenAI's names, costDetails kept as the provided cost", async () => {
  const printed = await run('langfuse');
  const figuresOf = 'input 1200 · cache read – · cache write – · output 300 · reasoning – · cost $0.000360 (provided)';
  expect(printed.calls).toEqual([
    `draft-answer | gpt-4o-mini-2024-07-18 → ? (provider unknown) | ${figuresOf}`,
    `polish-answer | gpt-4o-mini-2024-07-18 → ? (provider unknown) | ${figuresOf}`,
  ]);
  expect(printed.provider).toEqual({ input: '2400', 'cache read': '–', 'cache write': '–', output: '600', reasoning: '–', 'llm calls': '2' });
  expect(pick(printed.run, [...BUCKETS, 'llm calls'])).toEqual(printed.provider);
  expect(pick(printed.run, ['cost', 'unknown-cost calls'])).toEqual({ cost: '$0.000720', 'unknown-cost calls': '0' });
  expect(printed.agentRuns).toBe('LangfuseSupportAgent');
}, 120_000);
