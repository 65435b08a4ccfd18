import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { PipelineStats } from '../../src/pipeline';

const REPO_ROOT = path.resolve(__dirname, '../..');
const CHILD = path.join(__dirname, 'fixtures', 'exit-child.ts');
// The child's timers are 60 s long and shutdown's default time box 30 s: a child still running after this long is
// being held open by the pipeline. ts-node start-up takes well under a second.
const KILL_AFTER_MS = 15_000;

interface ChildOutcome {
  code: number | null;
  killed: boolean;
  stats: PipelineStats | null;
  stderr: string;
}

function runChild(mode: string): Promise<ChildOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', CHILD, mode], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const deadline = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, KILL_AFTER_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(deadline);
      let stats: PipelineStats | null = null;
      try {
        stats = JSON.parse(stdout) as PipelineStats;
      } catch {
        // left null: the assertion below shows stdout and stderr
      }
      resolve({ code, killed, stats, stderr });
    });
  });
}

describe('BatchPipeline and process exit', () => {
  let outcomes: ChildOutcome[] = [];
  beforeAll(async () => {
    // The three children run in parallel to keep the suite quick.
    outcomes = await Promise.all(['idle', 'failing', 'shutdown'].map((mode) => runChild(mode)));
  }, KILL_AFTER_MS + 5_000);

  it('does not keep the process alive with records queued for a later interval', () => {
    const [idle] = outcomes;
    expect(idle).toMatchObject({ killed: false, code: 0, stderr: '' });
    // The two full batches were written on the next turn; the other five were waiting for the interval.
    expect(idle!.stats).toMatchObject({ enqueued: 25, written: 20, queueDepth: 5 });
  });

  it('does not keep the process alive while backing off from a failed write', () => {
    const [, failing] = outcomes;
    expect(failing).toMatchObject({ killed: false, code: 0, stderr: '' });
    expect(failing!.stats).toMatchObject({ enqueued: 25, written: 0, retried: 1, inFlight: 10 });
  });

  it('keeps the process alive during an explicit shutdown just until the last write lands', () => {
    const [, , shutdown] = outcomes;
    expect(shutdown).toMatchObject({ killed: false, code: 0, stderr: '' });
    expect(shutdown!.stats).toMatchObject({ enqueued: 25, written: 25, droppedTotal: 0 });
  });
});
