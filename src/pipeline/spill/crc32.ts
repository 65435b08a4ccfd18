import * as zlib from 'node:zlib';

/** CRC-32 (IEEE, as zlib and gzip compute it) of `bytes`. */
export const crc32: (bytes: Uint8Array) => number = nativeCrc32() ?? tableCrc32;

// zlib.crc32 arrived in Node 20.15 / 22.2; the package supports Node 20.6 and up, so a table-driven fallback stays.
function nativeCrc32(): ((bytes: Uint8Array) => number) | undefined {
  const native = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
  return typeof native === 'function' ? (bytes) => native(bytes) >>> 0 : undefined;
}

let table: Int32Array | undefined;

export function tableCrc32(bytes: Uint8Array): number {
  table ??= buildTable();
  let crc = -1;
  for (let i = 0; i < bytes.length; i++) crc = table[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

function buildTable(): Int32Array {
  const built = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    built[n] = c;
  }
  return built;
}
