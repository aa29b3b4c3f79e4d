/**
 * CRC-32 (IEEE 802.3, as zlib and gzip): zlib.crc32 where Node has it (≥ 20.15), a table otherwise.
 */
import zlib from 'node:zlib';

type Crc = (data: Uint8Array) => number;

const native = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

let table: Uint32Array | undefined;
function tableCrc(data: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export const crc32: Crc = native ? (d) => native(d) >>> 0 : tableCrc;
/** The portable implementation (tests compare both). */
export const crc32Table: Crc = tableCrc;
