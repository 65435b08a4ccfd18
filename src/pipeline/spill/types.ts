/** When spilled data is forced to disk: before each store resolves, every `fsyncIntervalMs`, or when the OS decides. */
export type FsyncPolicy = 'always' | 'interval' | 'never';

export interface SpillOptions {
  /** Directory for the spill files (created if missing). Local to this host; processes may share it. Required. */
  directory: string;
  /** Most bytes of spill files in the directory; past it new batches are dropped as `spill_full`. Default 512 MiB. */
  maxBytes?: number;
  /** A segment file is closed (and can be replayed) once it holds this many bytes. Default 8 MiB. */
  segmentBytes?: number;
  /** Default `interval`. */
  fsync?: FsyncPolicy;
  /** With `fsync: 'interval'`, how often. Default 1_000. */
  fsyncIntervalMs?: number;
  /** How often the directory is looked through for files other processes left behind. Default 30_000. */
  rescanIntervalMs?: number;
}

export interface ResolvedSpillOptions {
  readonly directory: string;
  readonly maxBytes: number;
  readonly segmentBytes: number;
  readonly fsync: FsyncPolicy;
  readonly fsyncIntervalMs: number;
  readonly rescanIntervalMs: number;
}

export interface SpillSize {
  /** Bytes of spill files in the directory (this process's view). */
  bytes: number;
  /** Records in those files (for other processes' files: as their frame headers say). */
  records: number;
  files: number;
}
