import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentSpanProcessor } from '../../src/export/agent-span-processor';
import type { AgentSpanProcessorOptions } from '../../src/export/types';
import { StoreConnection } from '../../src/store/connection/store-connection';

// Option checks happen before anything connects: a connection that is never opened is enough.
const connection = new StoreConnection(() => Promise.reject(new Error('never opened')), { migrate: false });
const build = (options: Partial<AgentSpanProcessorOptions>) =>
  new AgentSpanProcessor({ connection, staleRuns: false, ...options });

describe('AgentSpanProcessor reliability options', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'agentspan-options-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it.each<[string, Partial<AgentSpanProcessorOptions>, RegExp]>([
    ['breaker', { breaker: 'on' as never }, /option breaker must be an object or false/],
    [
      'breaker.failureThreshold',
      { breaker: { failureThreshold: 0 } },
      /option breaker\.failureThreshold must be a positive integer, got 0/,
    ],
    [
      'breaker.cooldownMs',
      { breaker: { cooldownMs: -5 } },
      /option breaker\.cooldownMs must be a number of milliseconds/,
    ],
    [
      'breaker.maxCooldownMs',
      { breaker: { cooldownMs: 5_000, maxCooldownMs: 1_000 } },
      /maxCooldownMs \(1000\) must not be below cooldownMs \(5000\)/,
    ],
    ['spill', { spill: 'dir' as never }, /option spill must be an object with a directory, or false/],
    ['spill.directory', { spill: { directory: '' } }, /option spill\.directory must be a non-empty string/],
    [
      'spill.maxBytes',
      { spill: { directory: '/tmp/x', maxBytes: 0 } },
      /option spill\.maxBytes must be a positive integer number of bytes/,
    ],
    ['spill.segmentBytes', { spill: { directory: '/tmp/x', segmentBytes: 1.5 } }, /option spill\.segmentBytes/],
    [
      'spill.fsync',
      { spill: { directory: '/tmp/x', fsync: 'sometimes' as never } },
      /option spill\.fsync must be 'always', 'interval' or 'never', got "sometimes"/,
    ],
    ['spill.fsyncIntervalMs', { spill: { directory: '/tmp/x', fsyncIntervalMs: 0 } }, /option spill\.fsyncIntervalMs/],
    ['staleRuns', { staleRuns: 3 as never }, /option staleRuns must be an object or false/],
    ['staleRuns.abandonAfterMs', { staleRuns: { abandonAfterMs: Number.NaN } }, /option staleRuns\.abandonAfterMs/],
    ['staleRuns.checkIntervalMs', { staleRuns: { checkIntervalMs: 2 ** 31 } }, /option staleRuns\.checkIntervalMs/],
    ['meterProvider', { meterProvider: {} as never }, /option meterProvider must be an OpenTelemetry MeterProvider/],
  ])('rejects a bad %s with a TypeError that names it', (_name, options, message) => {
    expect(() => build(options)).toThrow(TypeError);
    expect(() => build(options)).toThrow(message);
  });

  it('checks the queue before touching the spill directory', () => {
    const directory = join(dir, 'spill');
    expect(() => build({ spill: { directory }, queue: { maxQueueSize: 0 } })).toThrow(
      /maxQueueSize must be a positive integer/,
    );
    expect(existsSync(directory)).toBe(false);
  });

  it('reports a spill directory it cannot use when it is built, not later', () => {
    writeFileSync(join(dir, 'a-file'), '');
    expect(() => build({ spill: { directory: join(dir, 'a-file', 'spill', 'deeper') } })).toThrow(
      /agentspan: the spill directory .*a-file\/spill\/deeper cannot be used: ENOTDIR/,
    );
  });

  it('creates a missing spill directory, parents included', async () => {
    const processor = build({ spill: { directory: join(dir, 'one', 'two', 'spill') } });
    expect(existsSync(join(dir, 'one', 'two', 'spill'))).toBe(true);
    await processor.shutdown();
  });

  it('accepts the documented defaults and turns each mechanism off with false', async () => {
    const processor = build({ spill: { directory: join(dir, 'spill') } });
    expect(processor.health()).toMatchObject({
      breaker: { state: 'closed' },
      spill: { enabled: true, directory: join(dir, 'spill') },
    });
    await processor.shutdown();
    const bare = build({ breaker: false, spill: false, staleRuns: false });
    expect(bare.health()).toMatchObject({ breaker: { state: 'disabled' }, spill: { enabled: false, directory: null } });
    await bare.shutdown();
  });
});
