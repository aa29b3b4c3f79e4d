/** Shorthands for the DL/T 645 附录A formats used by the DI group files. */
import type { FieldFormat, FieldSpec, TimePattern } from './types.js';

/** Unsigned BCD with `decimals` fractional digits, e.g. XXXXXX.XX = bcd(4, 2). */
export const bcd = (bytes: number, decimals = 0): FieldFormat => ({ kind: 'bcd', bytes, decimals });
/** Signed BCD (sign in the top bit of the most significant byte). */
export const sbcd = (bytes: number, decimals = 0): FieldFormat => ({ kind: 'bcd', bytes, decimals, signed: true });
export const time = (pattern: TimePattern): FieldFormat => ({ kind: 'time', pattern });
export const digits = (bytes: number): FieldFormat => ({ kind: 'digits', bytes });
export const ascii = (bytes: number): FieldFormat => ({ kind: 'ascii', bytes });
export const bits = (bytes: number, names: readonly (string | null)[]): FieldFormat => ({ kind: 'bits', bytes, bits: names });
export const hex = (bytes: number): FieldFormat => ({ kind: 'hex', bytes });
/** A DI carried as data (4 bytes in 2007, 2 in 1997), printed like `04000101`. */
export const di = (bytes: 2 | 4 = 4): FieldFormat => ({ kind: 'di', bytes });

/** XXXXXX.XX kWh / kvarh energy (4 bytes). */
export const ENERGY = bcd(4, 2);
export const ENERGY_SIGNED = sbcd(4, 2);
/** XX.XXXX kW demand / power (3 bytes). */
export const DEMAND = bcd(3, 4);
export const POWER = sbcd(3, 4);
/** XXX.X V (2 bytes). */
export const VOLTAGE = bcd(2, 1);
/** XXX.XXX A signed (3 bytes). */
export const CURRENT = sbcd(3, 3);
/** X.XXX power factor signed (2 bytes). */
export const POWER_FACTOR = sbcd(2, 3);
/** XXXXXX counts (3 bytes). */
export const COUNT = bcd(3);
/** XXXXXX minutes (3 bytes). */
export const MINUTES = bcd(3);

export const one = (format: FieldFormat, name = 'value'): readonly FieldSpec[] => [{ name, format }];
export const fields = (...list: [string, FieldFormat][]): readonly FieldSpec[] => list.map(([name, format]) => ({ name, format }));
