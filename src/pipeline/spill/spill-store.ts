import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { countRecords, encodeFrame } from './frame';
import { SegmentAppender, type OwnSegment } from './segment-appender';
import { listDirectory, parseSpillFileName, takeOver, type SpillFile } from './spill-files';
import { isSessionAlive, newSessionId, removeSessionLock, sessionOfLockFile, writeSessionLock } from './spill-session';
import type { ResolvedSpillOptions, SpillSize } from './types';

/** Records per frame: a replay writes one frame at a time, so this is also the size of a replayed batch. */
const FRAME_RECORDS = 5_000;

/** A spill file handed out for replay. `own` files were written by this store; the others by an earlier session. */
export interface ReplayFile {
  readonly name: string;
  readonly path: string;
  readonly own: boolean;
  /** For own files, how many records were stored in it (what a damaged file lost is the difference). */
  readonly storedRecords: number | undefined;
}

interface ForeignFile {
  bytes: number;
  records: number;
}

/**
 * An append-only, size-capped store of record batches in a directory (see frame.ts for the format and
 * spill-session.ts for how processes share the directory). This session appends to its own segment files; replay
 * takes them one by one, oldest first, then the files of sessions that are gone, and deletes each only after its
 * records were committed (`complete`). Records are JSON: whatever goes in comes back as plain data.
 */
export class SpillStore<R> {
  readonly session: string;
  readonly directory: string;
  private readonly appender: SegmentAppender;
  private readonly own = new Map<string, OwnSegment>();
  /** Files of other sessions this one has taken over, waiting for replay. */
  private readonly taken = new Map<string, ForeignFile & { file: SpillFile }>();
  /** Files of other sessions that are still alive: they count against the cap, but are theirs to replay. */
  private othersBytes = 0;
  private othersRecords = 0;
  private othersFiles = 0;
  private readonly recordCounts = new Map<string, ForeignFile>();
  private inReplay = new Set<string>();
  private lastScanAt = Number.NEGATIVE_INFINITY;
  /** Bytes promised to appends in progress, so concurrent appends cannot overshoot the cap together. */
  private reservedBytes = 0;
  private closed = false;

  constructor(private readonly options: ResolvedSpillOptions) {
    this.directory = options.directory;
    this.session = newSessionId();
    try {
      makeDirectory(this.directory);
      writeSessionLock(this.directory, this.session);
      this.othersBytes = initialBytes(this.directory);
    } catch (error) {
      throw new Error(`agentspan: the spill directory ${this.directory} cannot be used: ${(error as Error).message}`, {
        cause: error,
      });
    }
    this.appender = new SegmentAppender({
      directory: this.directory,
      session: this.session,
      segmentBytes: options.segmentBytes,
      fsync: options.fsync,
      fsyncIntervalMs: options.fsyncIntervalMs,
      onSegment: (segment) => this.own.set(segment.name, segment),
    });
  }

  /** Stores a batch; resolves false (storing nothing) when it would take the spill past `maxBytes`. */
  async append(records: readonly R[]): Promise<boolean> {
    if (records.length === 0) return true;
    const frames = encodeFrames(records);
    if (!this.reserve(frames.length)) return false;
    try {
      await this.appender.append(frames, records.length);
    } finally {
      this.reservedBytes -= frames.length;
    }
    return true;
  }

  /** The same, synchronously, in a segment file of its own. Throws on an I/O error. */
  appendSync(records: readonly R[]): boolean {
    if (records.length === 0) return true;
    const frames = encodeFrames(records);
    if (!this.reserve(frames.length)) return false;
    try {
      this.appender.appendSync(frames, records.length);
    } finally {
      this.reservedBytes -= frames.length;
    }
    return true;
  }

  /**
   * The next file to replay, or undefined when there is none: this session's finished segments first, then files
   * taken over from sessions that are gone (the directory is looked through every `rescanIntervalMs`, or when
   * `rescan` is asked for), and last the segment being written, which is sealed for the purpose.
   */
  async nextForReplay(rescan = false): Promise<ReplayFile | undefined> {
    if (this.closed) return undefined;
    const own = this.oldestOwn((segment) => segment.sealed);
    if (own !== undefined) return this.handOut(own.name, true, own.records);
    if (rescan || Date.now() - this.lastScanAt >= this.options.rescanIntervalMs) await this.scan();
    for (const [name] of this.taken) {
      if (!this.inReplay.has(name)) return this.handOut(name, false, undefined);
    }
    const current = this.oldestOwn((segment) => !segment.sealed && segment.records > 0);
    if (current === undefined) return undefined;
    await this.appender.sealCurrent();
    const sealed = this.oldestOwn((segment) => segment.sealed);
    return sealed === undefined ? undefined : this.handOut(sealed.name, true, sealed.records);
  }

  /** The file's records are all committed (or counted as dropped): delete it. */
  async complete(file: ReplayFile): Promise<void> {
    this.inReplay.delete(file.name);
    try {
      await unlink(file.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    } finally {
      // Forgotten even if the delete failed: the records are in the database, and must not be counted again here.
      this.own.delete(file.name);
      this.taken.delete(file.name);
    }
  }

  /** Gives a file back without deleting it (replay stopped before it was done); it will be handed out again. */
  release(file: ReplayFile): void {
    this.inReplay.delete(file.name);
  }

  /** Records this session stored that are not replayed yet (none of them lost to damage so far as it knows). */
  ownRecords(): number {
    let records = 0;
    for (const segment of this.own.values()) records += segment.records;
    return records;
  }

  size(): SpillSize {
    let bytes = this.othersBytes;
    let records = this.othersRecords;
    let files = this.othersFiles;
    for (const segment of this.own.values()) {
      bytes += segment.bytes;
      records += segment.records;
      files++;
    }
    for (const file of this.taken.values()) {
      bytes += file.bytes;
      records += file.records;
      files++;
    }
    return { bytes, records, files };
  }

  /** Syncs and closes the segment being written, and gives up the session: its files are anyone's to replay. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.appender.close();
    removeSessionLock(this.directory, this.session);
  }

  private reserve(bytes: number): boolean {
    if (this.closed) throw new Error('the spill is closed');
    if (this.size().bytes + this.reservedBytes + bytes > this.options.maxBytes) return false;
    this.reservedBytes += bytes;
    return true;
  }

  private oldestOwn(accept: (segment: OwnSegment) => boolean): OwnSegment | undefined {
    let oldest: OwnSegment | undefined;
    for (const segment of this.own.values()) {
      if (this.inReplay.has(segment.name) || !accept(segment)) continue;
      if (oldest === undefined || segment.sequence < oldest.sequence) oldest = segment;
    }
    return oldest;
  }

  private handOut(name: string, own: boolean, storedRecords: number | undefined): ReplayFile {
    this.inReplay.add(name);
    return { name, path: join(this.directory, name), own, storedRecords };
  }

  /** Takes over the files of sessions that are gone, and sizes the files of sessions that are not. */
  private async scan(): Promise<void> {
    this.lastScanAt = Date.now();
    const { files, others } = await listDirectory(this.directory);
    const alive = new Map<string, boolean>();
    const isAlive = (session: string): boolean => {
      if (session === this.session) return true;
      let known = alive.get(session);
      if (known === undefined) alive.set(session, (known = isSessionAlive(this.directory, session)));
      return known;
    };
    let othersBytes = 0;
    let othersRecords = 0;
    let othersFiles = 0;
    const present = new Set<string>();
    for (const listed of files) {
      present.add(listed.name);
      if (listed.owner === this.session) continue; // own segments and files already taken over are tracked
      if (isAlive(listed.owner)) {
        othersBytes += listed.bytes;
        othersRecords += await this.recordsIn(listed.name, listed.bytes);
        othersFiles++;
        continue;
      }
      const taken = await takeOver(this.directory, listed, this.session);
      if (taken === undefined) continue;
      const records = await this.recordsIn(taken.name, listed.bytes);
      this.taken.set(taken.name, { file: taken, bytes: listed.bytes, records });
      present.add(taken.name);
    }
    this.othersBytes = othersBytes;
    this.othersRecords = othersRecords;
    this.othersFiles = othersFiles;
    for (const name of this.recordCounts.keys()) if (!present.has(name)) this.recordCounts.delete(name);
    // A session found gone owns nothing now: each of its files was just taken over, by this session or another (a
    // failed rename throws above, keeping the lock). Its lock is released in this same scan — waiting for the next
    // would leave it behind whenever this process ends first. The liveness verdict is the one the take-over used,
    // so a live session's lock (or one on another host, or unreadable) is never touched.
    for (const name of others) {
      const session = sessionOfLockFile(name);
      if (session !== undefined && !isAlive(session)) removeSessionLock(this.directory, session);
    }
  }

  /** Records in a file from its frame headers, remembered per name and size. */
  private async recordsIn(name: string, bytes: number): Promise<number> {
    const known = this.recordCounts.get(name);
    if (known !== undefined && known.bytes === bytes) return known.records;
    let records = 0;
    try {
      const handle = await open(join(this.directory, name), 'r');
      try {
        records = await countRecords(bytes, async (offset, length) => {
          const buffer = Buffer.alloc(length);
          const { bytesRead } = await handle.read(buffer, 0, length, offset);
          return buffer.subarray(0, bytesRead);
        });
      } finally {
        await handle.close();
      }
    } catch {
      // Gone or unreadable: it counts as empty until the next look.
    }
    this.recordCounts.set(name, { bytes, records });
    return records;
  }
}

/** Frames of at most FRAME_RECORDS records each, in one buffer. */
function encodeFrames<R>(records: readonly R[]): Buffer {
  if (records.length <= FRAME_RECORDS) return encodeFrame(JSON.stringify(records), records.length);
  const frames: Buffer[] = [];
  for (let start = 0; start < records.length; start += FRAME_RECORDS) {
    const part = records.slice(start, start + FRAME_RECORDS);
    frames.push(encodeFrame(JSON.stringify(part), part.length));
  }
  return Buffer.concat(frames);
}

/**
 * mkdir -p, one level at a time: Node's own recursive mkdirSync never returns on some file systems (procfs), and a
 * bad configuration must end in an error, not a hang.
 */
function makeDirectory(path: string, depth = 0): void {
  try {
    mkdirSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && statSync(path).isDirectory()) return;
    const parent = dirname(path);
    if (code !== 'ENOENT' || parent === path || depth > 64) throw error;
    makeDirectory(parent, depth + 1);
    mkdirSync(path);
  }
}

/** Bytes of spill files already in the directory when the store opens, so the cap holds from the start. */
function initialBytes(directory: string): number {
  let bytes = 0;
  for (const name of readdirSync(directory)) {
    if (parseSpillFileName(name) === undefined) continue;
    try {
      bytes += statSync(join(directory, name)).size;
    } catch {
      // Gone in the meantime.
    }
  }
  return bytes;
}
