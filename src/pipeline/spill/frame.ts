import { crc32 } from './crc32';

/**
 * The spill's on-disk record format: a file is a sequence of frames, one per stored batch.
 *
 *   magic "ASP1" | payload length (u32 LE) | record count (u32 LE) | CRC-32 of the payload (u32 LE) | payload
 *
 * The payload is the batch as UTF-8 JSON (an array of `count` records). A frame is only believed when its magic, its
 * length (within the file) and its checksum all agree, so a file cut short by a crash, or damaged in the middle, is
 * read up to the damage; the reader then looks for the next magic and carries on from the first frame that checks
 * out. What it skips is reported, never thrown.
 */

export const FRAME_MAGIC = Buffer.from('ASP1', 'latin1');
export const FRAME_HEADER_BYTES = 16;

export interface Frame {
  /** Byte offset of the frame's header in the file. */
  readonly offset: number;
  /** Byte offset just past the frame. */
  readonly end: number;
  readonly count: number;
  /** The JSON payload (a view into the file's buffer, not a copy). */
  readonly payload: Buffer;
}

export interface FrameScan {
  readonly frames: Frame[];
  /** Stretches of the file that were not valid frames (a truncated tail counts as one). */
  readonly corruptRegions: number;
  readonly corruptBytes: number;
}

/** One frame holding `count` records serialized as `json` (a JSON array). */
export function encodeFrame(json: string, count: number): Buffer {
  const payloadLength = Buffer.byteLength(json, 'utf8');
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payloadLength);
  FRAME_MAGIC.copy(frame, 0);
  frame.writeUInt32LE(payloadLength, 4);
  frame.writeUInt32LE(count, 8);
  frame.write(json, FRAME_HEADER_BYTES, payloadLength, 'utf8');
  frame.writeUInt32LE(crc32(frame.subarray(FRAME_HEADER_BYTES)), 12);
  return frame;
}

/** Every valid frame of a file's contents, skipping (and counting) what is not. */
export function scanFrames(buffer: Buffer): FrameScan {
  const frames: Frame[] = [];
  let corruptRegions = 0;
  let corruptBytes = 0;
  let position = 0;
  while (position < buffer.length) {
    const frame = frameAt(buffer, position);
    if (frame !== undefined) {
      frames.push(frame);
      position = frame.end;
      continue;
    }
    const next = buffer.indexOf(FRAME_MAGIC, position + 1);
    const resume = next < 0 ? buffer.length : next;
    corruptRegions++;
    corruptBytes += resume - position;
    position = resume;
  }
  return { frames, corruptRegions, corruptBytes };
}

function frameAt(buffer: Buffer, offset: number): Frame | undefined {
  if (buffer.length - offset < FRAME_HEADER_BYTES) return undefined;
  if (buffer.compare(FRAME_MAGIC, 0, FRAME_MAGIC.length, offset, offset + FRAME_MAGIC.length) !== 0) return undefined;
  const length = buffer.readUInt32LE(offset + 4);
  const start = offset + FRAME_HEADER_BYTES;
  if (length > buffer.length - start) return undefined;
  const payload = buffer.subarray(start, start + length);
  if (crc32(payload) !== buffer.readUInt32LE(offset + 12)) return undefined;
  return { offset, end: start + length, count: buffer.readUInt32LE(offset + 8), payload };
}

/**
 * Records in a file, from its frame headers alone (no checksums), for sizing a spill without reading it all:
 * `readAt(offset, length)` returns the bytes there (fewer at the end of the file).
 */
export async function countRecords(
  size: number,
  readAt: (offset: number, length: number) => Promise<Buffer>,
): Promise<number> {
  let records = 0;
  let position = 0;
  while (size - position >= FRAME_HEADER_BYTES) {
    const header = await readAt(position, FRAME_HEADER_BYTES);
    if (header.length < FRAME_HEADER_BYTES || header.compare(FRAME_MAGIC, 0, 4, 0, 4) !== 0) break;
    const length = header.readUInt32LE(4);
    if (length > size - position - FRAME_HEADER_BYTES) break;
    records += header.readUInt32LE(8);
    position += FRAME_HEADER_BYTES + length;
  }
  return records;
}
