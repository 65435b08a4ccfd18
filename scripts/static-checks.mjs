// The checks `npm test` runs before jest — the type checks (library both ways, the dashboard page), eslint and prettier — started at once: each is one
// single-threaded process, so on a machine with cores to spare they take as long as the slowest instead of the sum.
// Each one's output is printed whole, in order, once all have ended; the exit code is 1 if any failed.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const bin = (name) => resolve('node_modules', '.bin', name);
const checks = [
  ['typecheck (legacy decorators)', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']],
  ['typecheck (standard decorators)', bin('tsc'), ['-p', 'tsconfig.standard.json', '--noEmit']],
  ['typecheck (dashboard page)', bin('tsc'), ['-p', 'tsconfig.web.json', '--noEmit']],
  ['eslint', bin('eslint'), ['.']],
  ['prettier', bin('prettier'), ['--check', '.']],
];

const run = ([label, command, args]) =>
  new Promise((done) => {
    const started = Date.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => done({ label, code: 1, output: String(error), seconds: 0 }));
    child.on('close', (code) => done({ label, code, output, seconds: (Date.now() - started) / 1000 }));
  });

const results = await Promise.all(checks.map(run));
for (const { label, code, output, seconds } of results) {
  console.log(`${code === 0 ? 'ok  ' : 'FAIL'} ${label} (${seconds.toFixed(1)} s)`);
  if (code !== 0 || output.trim() !== '') console.log(output.trimEnd());
}
process.exitCode = results.every((result) => result.code === 0) ? 0 : 1;
