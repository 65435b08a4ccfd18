import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runExample } from '../../support/example-process';

/**
 * The README's first command, as a newcomer runs it: the quickstart on the embedded database (no DATABASE_URL),
 * in a directory of its own.
 */
const runQuickstart = (cwd: string) => runExample('quickstart', cwd);

let cwd: string;
beforeAll(() => {
  cwd = mkdtempSync(join(tmpdir(), 'agentspan-quickstart-'));
});
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

it('runs three agents on the embedded database and prints the persisted runs, the failed run and a decision', async () => {
  const { code, stdout, stderr } = await runQuickstart(cwd);
  expect({
    code,
    stderr: stderr
      .split('\n')
      .filter((line) => !/ExperimentalWarning|--trace-warnings|nodedir/.test(line) && line.trim())
      .join('\n'),
  }).toEqual({ code: 0, stderr: '' });
  expect(stdout).toContain('runs are stored in embedded PostgreSQL');
  expect(stdout).toMatch(/agent\s+status\s+duration\s+tokens in\s+tokens out\s+cost \$\s+llm\s+tools\s+error/);
  const runLines = stdout.split('\n').filter((line) => /^(ResearchAgent|PlannerAgent|WriterAgent)\s/.test(line));
  expect(runLines).toHaveLength(6);
  expect(runLines.filter((line) => /\scompleted\s/.test(line))).toHaveLength(5);
  expect(runLines.filter((line) => /\sfailed\s/.test(line) && line.includes('CMS rejected the post'))).toHaveLength(1);
  for (const line of runLines) expect(line).toMatch(/\s\d+ ms\s+[\d,]+\s+[\d,]+\s+0\.\d{5}\s+1\s+\d\s/);
  expect(stdout).toContain('execute_tool publish_post [tool, failed]');
  expect(stdout).toMatch(/Latest decision of PlannerAgent: channel = "linkedin" \(confidence 0\.82\)/);
  expect(stdout).toMatch(
    /^ {2}ResearchAgent: 2 run\(s\), 100 % succeeded, p95 \d+ ms, \$0\.\d{5}, competitors_analysed avg \d+(\.\d+)?, sources_found avg 9$/m,
  );
  expect(stdout).toMatch(/^ {2}WriterAgent: 2 run\(s\), 50 % succeeded, /m);
  expect(stdout).toMatch(/^ {2}gpt-4o-mini: 4 call\(s\), \$0\.\d{5}$/m);
  expect(stdout).toMatch(/^ {2}gpt-4o: 2 call\(s\), \$0\.\d{5}$/m);
  // Every figure says what it is: the model call's tokens with their cached part, a legend under the table, and the
  // pipeline's counters in words rather than a JSON line.
  expect(stdout).toMatch(
    /^ {2}chat gpt-4o-mini \[llm, completed\] \d+ ms tokens [\d,]+ in \(256 cached\), [\d,]+ out$/m,
  );
  expect(stdout).toContain('tokens in: prompt tokens, cached ones included');
  const telemetry =
    /^Telemetry \(telemetry\.stats\(\)\): (\d+) records captured, (\d+) written to the database, 0 dropped, 0 still queued\.$/m.exec(
      stdout,
    );
  expect(telemetry).not.toBeNull();
  expect(telemetry![1]).toBe(telemetry![2]);
  expect(stdout).not.toMatch(/[{}]/);

  // A second run in the same directory adds its runs to the same database; the table shows this session's only.
  const again = await runQuickstart(cwd);
  expect(again.code).toBe(0);
  expect(
    again.stdout.split('\n').filter((line) => /^(ResearchAgent|PlannerAgent|WriterAgent)\s/.test(line)),
  ).toHaveLength(6);
}, 120_000);
