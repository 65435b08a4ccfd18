import { countRecords, encodeFrame, FRAME_HEADER_BYTES, scanFrames } from '../../../src/pipeline/spill/frame';
import { crc32, tableCrc32 } from '../../../src/pipeline/spill/crc32';

const frameOf = (records: unknown[]) => encodeFrame(JSON.stringify(records), records.length);
const parse = (buffer: Buffer) =>
  scanFrames(buffer).frames.map((frame) => JSON.parse(frame.payload.toString('utf8')) as unknown);

describe('spill frames', () => {
  it('computes the standard CRC-32 (native and table-driven agree)', () => {
    const text = Buffer.from('123456789');
    expect(crc32(text)).toBe(0xcbf43926);
    expect(tableCrc32(text)).toBe(0xcbf43926);
    const random = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) & 0xff));
    expect(tableCrc32(random)).toBe(crc32(random));
  });

  it('reads back what it wrote, frame by frame, with non-ASCII text intact', () => {
    const file = Buffer.concat([frameOf([{ a: 1 }, { b: 'é✓😀' }]), frameOf([]), frameOf([{ c: [1, 2, 3] }])]);
    const scan = scanFrames(file);
    expect(scan).toMatchObject({ corruptRegions: 0, corruptBytes: 0 });
    expect(scan.frames.map((frame) => frame.count)).toEqual([2, 0, 1]);
    expect(parse(file)).toEqual([[{ a: 1 }, { b: 'é✓😀' }], [], [{ c: [1, 2, 3] }]]);
  });

  it('skips and counts a truncated tail (a crash in the middle of a write)', () => {
    const whole = Buffer.concat([frameOf([1, 2]), frameOf([3])]);
    for (const cut of [1, 5, FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + 2]) {
      const truncated = whole.subarray(0, whole.length - frameOf([3]).length + cut);
      const scan = scanFrames(truncated);
      expect(parse(truncated)).toEqual([[1, 2]]);
      expect(scan).toMatchObject({ corruptRegions: 1, corruptBytes: cut });
    }
  });

  it('skips a damaged frame in the middle and carries on with the next good one', () => {
    const first = frameOf(['first']);
    const second = frameOf(['second']);
    const third = frameOf(['third']);
    const file = Buffer.concat([first, second, third]);
    file[first.length + FRAME_HEADER_BYTES + 3] ^= 0xff; // a flipped bit in the second frame's payload
    const scan = scanFrames(file);
    expect(parse(file)).toEqual([['first'], ['third']]);
    expect(scan).toMatchObject({ corruptRegions: 1, corruptBytes: second.length });
  });

  it('treats garbage, a wild length and an empty file without throwing', () => {
    expect(scanFrames(Buffer.alloc(0))).toEqual({ frames: [], corruptRegions: 0, corruptBytes: 0 });
    expect(scanFrames(Buffer.from('not a spill file at all'))).toMatchObject({
      frames: [],
      corruptRegions: 1,
      corruptBytes: 23,
    });
    const wild = frameOf([1]);
    wild.writeUInt32LE(0xffffffff, 4);
    expect(scanFrames(Buffer.concat([wild, frameOf([2])])).frames).toHaveLength(1);
  });

  it('counts records from the frame headers alone, stopping at a damaged header', async () => {
    const file = Buffer.concat([frameOf([1, 2, 3]), frameOf([4]), Buffer.from('junk')]);
    const readAt = async (offset: number, length: number) => file.subarray(offset, offset + length);
    await expect(countRecords(file.length, readAt)).resolves.toBe(4);
    await expect(countRecords(10, readAt)).resolves.toBe(0);
  });
});
