import { close, closeSync, fdatasync, fdatasyncSync, fsyncSync, open, openSync, write, writeSync } from 'node:fs';
import { open as openAsync } from 'node:fs/promises';
import { join } from 'node:path';
import { spillFileName } from './spill-files';
import type { FsyncPolicy } from './types';

/** A file a session wrote: how many records and bytes it holds, and whether it is finished (closed). */
export interface OwnSegment {
  readonly name: string;
  readonly sequence: number;
  records: number;
  bytes: number;
  sealed: boolean;
}

export interface SegmentAppenderOptions {
  readonly directory: string;
  readonly session: string;
  readonly segmentBytes: number;
  readonly fsync: FsyncPolicy;
  readonly fsyncIntervalMs: number;
  /** Told about each segment the appender creates, before anything is written to it. */
  readonly onSegment: (segment: OwnSegment) => void;
}

/**
 * Appends frames to this session's current segment file, opening a new one when it is past `segmentBytes` (or when a
 * replay asks for the current one to be sealed). Operations run one at a time in call order, so frames never
 * interleave. Durability follows the fsync policy: `always` syncs before an append resolves, `interval` every
 * `fsyncIntervalMs` (on an unref'd timer), `never` leaves it to the operating system.
 */
export class SegmentAppender {
  private chain: Promise<unknown> = Promise.resolve();
  private fd: number | undefined;
  private segment: OwnSegment | undefined;
  private nextSequence = 1;
  private dirty = false;
  private readonly timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: SegmentAppenderOptions) {
    if (options.fsync === 'interval') {
      this.timer = setInterval(
        () => void this.serially(() => this.syncIfDirty()).catch(() => undefined),
        options.fsyncIntervalMs,
      );
      this.timer.unref();
    }
  }

  /** Appends one or more frames holding `records` records. Rejects on an I/O error (the segment is then sealed). */
  append(frames: Buffer, records: number): Promise<void> {
    return this.serially(async () => {
      if (this.closed) throw new Error('the spill is closed');
      const segment = await this.current();
      try {
        await writeAll(this.fd!, frames);
      } catch (error) {
        // Whatever part of the frame reached the file is a corrupt tail the reader skips; start afresh next time.
        await this.seal().catch(() => undefined);
        throw error;
      }
      segment.records += records;
      segment.bytes += frames.length;
      this.dirty = true;
      if (this.options.fsync === 'always') await this.syncIfDirty();
      if (segment.bytes >= this.options.segmentBytes) await this.seal();
    });
  }

  /**
   * Writes frames synchronously to a segment of their own (so they cannot interleave with an append in progress),
   * synced unless the policy is `never`. For shutdown's last moment.
   */
  appendSync(frames: Buffer, records: number): void {
    const segment = this.newSegment();
    const fd = openSync(join(this.options.directory, segment.name), 'wx');
    try {
      let offset = 0;
      while (offset < frames.length) offset += writeSync(fd, frames, offset, frames.length - offset);
      if (this.options.fsync !== 'never') fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
    segment.records = records;
    segment.bytes = frames.length;
    segment.sealed = true;
    this.syncDirectory();
  }

  /** Closes the current segment so it can be replayed; resolves with it, or undefined when there is none. */
  sealCurrent(): Promise<OwnSegment | undefined> {
    return this.serially(async () => {
      const segment = this.segment;
      await this.seal();
      return segment;
    });
  }

  /** Syncs and closes the current segment; later appends fail. */
  close(): Promise<void> {
    clearInterval(this.timer);
    return this.serially(async () => {
      this.closed = true;
      await this.seal();
    });
  }

  private serially<R>(operation: () => Promise<R>): Promise<R> {
    const result = this.chain.then(operation);
    this.chain = result.catch(() => undefined);
    return result;
  }

  private async current(): Promise<OwnSegment> {
    if (this.segment !== undefined && this.fd !== undefined) return this.segment;
    const segment = this.newSegment();
    this.fd = await new Promise<number>((resolve, reject) =>
      open(join(this.options.directory, segment.name), 'wx', (error, fd) => (error ? reject(error) : resolve(fd))),
    );
    this.segment = segment;
    // The new file's name must survive a crash too, not only its contents.
    if (this.options.fsync !== 'never') await this.syncDirectoryAsync();
    return segment;
  }

  private newSegment(): OwnSegment {
    const sequence = this.nextSequence++;
    const name = spillFileName(this.options.session, this.options.session, sequence);
    const segment: OwnSegment = { name, sequence, records: 0, bytes: 0, sealed: false };
    this.options.onSegment(segment);
    return segment;
  }

  private async seal(): Promise<void> {
    const fd = this.fd;
    const segment = this.segment;
    this.fd = undefined;
    this.segment = undefined;
    if (segment !== undefined) segment.sealed = true;
    if (fd === undefined) return;
    try {
      if (this.options.fsync !== 'never') await this.syncIfDirty(fd);
    } finally {
      this.dirty = false;
      await new Promise<void>((resolve) => close(fd, () => resolve()));
    }
  }

  private async syncIfDirty(fd: number | undefined = this.fd): Promise<void> {
    if (!this.dirty || fd === undefined) return;
    this.dirty = false;
    await new Promise<void>((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));
  }

  private async syncDirectoryAsync(): Promise<void> {
    try {
      const handle = await openAsync(this.options.directory, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch {
      // As below.
    }
  }

  private syncDirectory(): void {
    try {
      const fd = openSync(this.options.directory, 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch {
      // Not every platform can sync a directory; the file's contents are synced regardless.
    }
  }
}

async function writeAll(fd: number, buffer: Buffer): Promise<void> {
  let offset = 0;
  while (offset < buffer.length) {
    offset += await new Promise<number>((resolve, reject) =>
      write(fd, buffer, offset, buffer.length - offset, null, (error, written) =>
        error ? reject(error) : resolve(written),
      ),
    );
  }
}
