import { isAbsolute, resolve } from 'node:path';
import { describeValue, milliseconds } from '../../internal/check-option';
import type { FsyncPolicy, ResolvedSpillOptions, SpillOptions } from './types';

export const SPILL_DEFAULTS = {
  maxBytes: 512 * 1024 * 1024,
  segmentBytes: 8 * 1024 * 1024,
  fsync: 'interval',
  fsyncIntervalMs: 1_000,
  rescanIntervalMs: 30_000,
} as const satisfies Omit<Required<SpillOptions>, 'directory'>;

const FSYNC_POLICIES: readonly FsyncPolicy[] = ['always', 'interval', 'never'];

/** Applies the defaults and checks every option; a TypeError names the bad one. `false`/undefined: no spill. */
export function resolveSpillOptions(
  spill: SpillOptions | false | undefined,
  prefix = 'option spill',
): ResolvedSpillOptions | undefined {
  if (spill === undefined || spill === false) return undefined;
  if (spill === null || typeof spill !== 'object' || Array.isArray(spill)) {
    throw new TypeError(
      `agentspan: ${prefix} must be an object with a directory, or false, got ${describeValue(spill)}`,
    );
  }
  if (typeof spill.directory !== 'string' || spill.directory.trim() === '') {
    throw new TypeError(
      `agentspan: ${prefix}.directory must be a non-empty string, got ${describeValue(spill.directory)}`,
    );
  }
  const maxBytes = byteCount(`${prefix}.maxBytes`, spill.maxBytes, SPILL_DEFAULTS.maxBytes);
  const segmentBytes = byteCount(`${prefix}.segmentBytes`, spill.segmentBytes, SPILL_DEFAULTS.segmentBytes);
  const fsync = spill.fsync ?? SPILL_DEFAULTS.fsync;
  if (!FSYNC_POLICIES.includes(fsync)) {
    throw new TypeError(
      `agentspan: ${prefix}.fsync must be 'always', 'interval' or 'never', got ${describeValue(fsync)}`,
    );
  }
  return {
    directory: isAbsolute(spill.directory) ? spill.directory : resolve(spill.directory),
    maxBytes,
    segmentBytes,
    fsync,
    fsyncIntervalMs: milliseconds(
      `${prefix}.fsyncIntervalMs`,
      spill.fsyncIntervalMs,
      SPILL_DEFAULTS.fsyncIntervalMs,
      1,
    ),
    rescanIntervalMs: milliseconds(
      `${prefix}.rescanIntervalMs`,
      spill.rescanIntervalMs,
      SPILL_DEFAULTS.rescanIntervalMs,
      1,
    ),
  };
}

function byteCount(what: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new TypeError(`agentspan: ${what} must be a positive integer number of bytes, got ${describeValue(value)}`);
  }
  return value;
}
