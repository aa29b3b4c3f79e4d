/** Time-valued command fields: ss mm hh DD MM YY (wire order) ↔ `YYYY-MM-DDThh:mm:ss`. */
import type { BinaryReader, BinaryWriter } from '../../codec/cursor.js';
import { TWO_DIGITS } from '../../codec/bcd.js';
import { EncodeError } from '../../codec/errors.js';

const LIMITS: [number, number][] = [[0, 59], [0, 59], [0, 23], [1, 31], [1, 12], [0, 99]];

/** Reads 6 BCD bytes ss mm hh DD MM YY; null when any is not a valid clock value (e.g. all zero). */
export function readDateTime6(r: BinaryReader): string | null {
  const v: number[] = [];
  let ok = true;
  for (let i = 0; i < 6; i++) {
    const d = r.bcdByte();
    if (d < LIMITS[i]![0] || d > LIMITS[i]![1]) ok = false;
    v.push(d);
  }
  if (!ok) return null;
  const [ss, mm, hh, dd, mo, yy] = v as [number, number, number, number, number, number];
  return `20${TWO_DIGITS[yy]}-${TWO_DIGITS[mo]}-${TWO_DIGITS[dd]}T${TWO_DIGITS[hh]}:${TWO_DIGITS[mm]}:${TWO_DIGITS[ss]}`;
}

/** Writes `YYYY-MM-DDThh:mm:ss` (also accepts a space instead of T) as ss mm hh DD MM YY; null → six 00H. */
export function writeDateTime6(w: BinaryWriter, text: string | null, field: string): void {
  if (text === null) {
    w.fill(6, 0);
    return;
  }
  const m = /^20(\d\d)-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)$/.exec(text);
  if (!m) throw new EncodeError(field, `'${text}' is not YYYY-MM-DDThh:mm:ss between 2000 and 2099`);
  const [, yy, mo, dd, hh, mi, ss] = m.map(Number) as number[];
  const values = [ss!, mi!, hh!, dd!, mo!, yy!];
  values.forEach((x, i) => {
    if (x < LIMITS[i]![0] || x > LIMITS[i]![1]) throw new EncodeError(field, `'${text}' has an out-of-range field`);
  });
  for (const x of values) w.bcd(x, 1, field);
}
