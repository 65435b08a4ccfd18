export { SpillStore, type ReplayFile } from './spill-store';
export { SpillReplayer, type ReplayStats, type ReplayTarget } from './spill-replayer';
export { resolveSpillOptions, SPILL_DEFAULTS } from './options';
export type { FsyncPolicy, ResolvedSpillOptions, SpillOptions, SpillSize } from './types';
