/**
 * The arithmetic checksum both protocols use: the byte sum mod 256 of a range (DL/T 645-2007 §4.1 from
 * the first 68H through the data; Q/GDW 376.1-2009 §5.1 over the user data). Unrolled by four.
 */
export function byteSum(buf: Uint8Array, from: number, to: number): number {
  let cs = 0;
  let i = from;
  for (; i + 4 <= to; i += 4) cs += buf[i]! + buf[i + 1]! + buf[i + 2]! + buf[i + 3]!;
  for (; i < to; i++) cs += buf[i]!;
  return cs & 0xff;
}
