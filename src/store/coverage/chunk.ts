/**
 * The set of meters of one coverage chunk: meter ids `chunk × 4096 … chunk × 4096 + 4095`, as offsets
 * 0 … 4095. Sparse chunks (curves of a few key meters) are a sorted list of offsets, dense ones (a
 * day's frozen readings of every meter) a 512-byte bitmap — the two containers of a roaring bitmap,
 * so a chunk never takes more than 512 bytes and a key meter's curve point takes 2.
 *
 * On disk a chunk is one BLOB: exactly 512 bytes = bitmap (bit i of byte i >> 3 = offset i, LSB
 * first), fewer = the list as little-endian u16 offsets, ascending.
 */
import { searchSorted } from '../sorted.js';

export const CHUNK_SHIFT = 12;
export const CHUNK_METERS = 1 << CHUNK_SHIFT;
const OFFSET_MASK = CHUNK_METERS - 1;
export const BITMAP_BYTES = CHUNK_METERS >> 3;
/** A list reaching this many offsets becomes a bitmap (2 bytes an offset: the sizes meet at 256). */
const LIST_MAX = BITMAP_BYTES / 2;

export class CoverageChunk {
  /** Sorted offsets while sparse; null once a bitmap. */
  private list: number[] | null = [];
  private bits: Uint8Array | null = null;

  static chunkOf(meter: number): number {
    return Math.floor(meter / CHUNK_METERS);
  }

  static offsetOf(meter: number): number {
    return meter & OFFSET_MASK;
  }

  /** A chunk from its BLOB; a BLOB that is neither form (odd length, unsorted list) is refused. */
  static fromBlob(blob: Uint8Array): CoverageChunk {
    const c = new CoverageChunk();
    if (blob.length === BITMAP_BYTES) {
      c.list = null;
      c.bits = Uint8Array.from(blob);
      return c;
    }
    if (blob.length % 2 !== 0 || blob.length >= BITMAP_BYTES) throw new RangeError(`coverage chunk of ${blob.length} bytes: expected a 512-byte bitmap or an even-length list shorter than that`);
    const list: number[] = [];
    for (let i = 0; i < blob.length; i += 2) {
      const v = blob[i]! | (blob[i + 1]! << 8);
      if (v > OFFSET_MASK || (list.length > 0 && v <= list[list.length - 1]!)) throw new RangeError(`coverage chunk list is not ascending offsets below ${CHUNK_METERS} at byte ${i}`);
      list.push(v);
    }
    c.list = list;
    return c;
  }

  toBlob(): Buffer {
    if (this.bits) return Buffer.from(this.bits);
    const list = this.list!;
    const out = Buffer.allocUnsafe(list.length * 2);
    for (let i = 0; i < list.length; i++) out.writeUInt16LE(list[i]!, i * 2);
    return out;
  }

  /** Bytes this chunk takes in memory, roughly (for the cache bound). */
  get bytes(): number {
    return 64 + (this.bits ? BITMAP_BYTES : this.list!.length * 8);
  }

  get size(): number {
    if (this.list) return this.list.length;
    let n = 0;
    for (const b of this.bits!) {
      let x = b;
      while (x) {
        x &= x - 1;
        n++;
      }
    }
    return n;
  }

  has(offset: number): boolean {
    if (this.bits) return (this.bits[offset >> 3]! & (1 << (offset & 7))) !== 0;
    return searchSorted(this.list!, offset) >= 0;
  }

  /** Adds or removes `offset`; true when that changed the set. */
  set(offset: number, present: boolean): boolean {
    if (this.bits) {
      const mask = 1 << (offset & 7);
      const old = (this.bits[offset >> 3]! & mask) !== 0;
      if (old === present) return false;
      this.bits[offset >> 3]! ^= mask;
      return true;
    }
    const list = this.list!;
    const at = searchSorted(list, offset);
    if ((at >= 0) === present) return false;
    if (!present) {
      list.splice(at, 1);
      return true;
    }
    list.splice(-at - 1, 0, offset);
    if (list.length >= LIST_MAX) {
      const bits = new Uint8Array(BITMAP_BYTES);
      for (const o of list) bits[o >> 3]! |= 1 << (o & 7);
      this.bits = bits;
      this.list = null;
    }
    return true;
  }
}
