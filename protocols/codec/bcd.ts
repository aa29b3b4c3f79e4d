/**
 * BCD lookup tables. A byte whose either nibble exceeds 9 maps to -1 so that fill bytes
 * (EEH in Q/GDW 376.1 appendix A, FFH in DL/T 645) are recognised as "no data" instead of a number.
 */
export const BCD_TO_INT: Int8Array = (() => {
  const t = new Int8Array(256).fill(-1);
  for (let hi = 0; hi < 10; hi++) for (let lo = 0; lo < 10; lo++) t[(hi << 4) | lo] = hi * 10 + lo;
  return t;
})();

/** 0..99 → BCD byte. */
export const INT_TO_BCD: Uint8Array = (() => {
  const t = new Uint8Array(100);
  for (let v = 0; v < 100; v++) t[v] = ((v / 10) | 0) * 16 + (v % 10);
  return t;
})();

/** Powers of ten as exact doubles up to 10^15 (all integers below 2^53). */
export const POW10: readonly number[] = Array.from({ length: 16 }, (_, i) => 10 ** i);

/** Two-digit decimal strings "00".."99", for address and timestamp formatting without padStart. */
export const TWO_DIGITS: readonly string[] = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : `${i}`));
