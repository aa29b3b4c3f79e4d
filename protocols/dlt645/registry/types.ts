/**
 * The DL/T 645 data-identifier registry contract. An entry says what a DI is (name, unit, access)
 * and how its data is laid out; the layout is declared as data (`FieldSpec`s) and compiled once into
 * a decoder/encoder pair, so adding a DI is adding one line to its group's file.
 */
import type { BinaryReader, BinaryWriter } from '../../codec/cursor.js';

/** A decoded value: numbers in engineering units (exact decimals), strings for times/addresses/text. */
export type DiValue = number | string | boolean | null | readonly DiValue[] | { readonly [k: string]: DiValue };

/**
 * Field formats of DL/T 645-2007 附录A (and the 1997 equivalents). Numeric BCD formats are named by
 * their printed pattern; `S` prefix = signed (sign in the top bit of the most significant byte).
 */
export type FieldFormat =
  | { kind: 'bcd'; bytes: number; decimals: number; signed?: boolean }
  /** Dates/times: pattern of BCD bytes, most significant first as printed (wire order is reversed). */
  | { kind: 'time'; pattern: TimePattern }
  /** A number printed as digits (addresses, meter numbers, passwords): string of 2×bytes digits. */
  | { kind: 'digits'; bytes: number }
  /** ASCII text, sent last character first (UNVERIFIED in the digest; matches public meters seen). */
  | { kind: 'ascii'; bytes: number }
  /** A bit field (status words): raw value plus named bits. */
  | { kind: 'bits'; bytes: number; bits: readonly (string | null)[] }
  /** Raw bytes as hex (formats this codec does not interpret). */
  | { kind: 'hex'; bytes: number }
  /**
   * A data identifier carried as data (programming records, event-clear records): sent DI0 first,
   * rendered as the printed DI, e.g. `04000101` (2007, 4 bytes) or `9010` (1997, 2 bytes).
   */
  | { kind: 'di'; bytes: 2 | 4 };

export type TimePattern = 'YYMMDDWW' | 'hhmmss' | 'YYMMDDhhmm' | 'YYMMDDhhmmss' | 'MMDDhhmm' | 'DDhh' | 'hhmm' | 'MMDD' | 'YYMMDD';

export interface FieldSpec {
  readonly name: string;
  readonly format: FieldFormat;
}

export type Access = 'r' | 'w' | 'rw';

/** Declarative description of a DI, as written in the group files. */
export interface DiDefinition {
  readonly di: number;
  readonly name: string;
  readonly nameZh: string;
  readonly unit?: string;
  readonly access: Access;
  /** One value (a single field) or a record of fields. */
  readonly fields: readonly FieldSpec[];
  /**
   * Repetition for blocks whose size depends on the meter (e.g. 0001FF00 = total + k tariffs):
   * the fields repeat `length / size` times; the first item is `total`, the rest `rates`.
   */
  readonly repeat?: 'tariffs' | 'list';
}

/** A compiled registry entry. */
export interface DiEntry extends DiDefinition {
  /** Data length in bytes for one repetition (the full length when `repeat` is absent). */
  readonly size: number;
  /** Decodes `len` data bytes following the DI. Throws DataError when `len` does not fit. */
  decode(r: BinaryReader, len: number): DiValue;
  /** Encodes a value as produced by `decode`. Throws EncodeError when it does not fit the format. */
  encode(w: BinaryWriter, value: DiValue): void;
  readonly version: 2007 | 1997;
  /**
   * Fast path for entries made only of unsigned/signed BCD numbers: decodes `len` bytes at `pos`
   * straight from the wire buffer, removing `bias` (33H) as it reads. Same result as `decode`;
   * undefined for entries with other formats.
   */
  readonly decodeRaw?: (buf: Buffer, pos: number, len: number, bias: number) => DiValue;
  /**
   * Exact-decimal fast path for entries whose fields are all BCD numbers with the same number of
   * decimals: writes each value as an integer count of 10^-decimals units (3630 = 36.30 kWh) into
   * `out` from index 0, NaN for an invalid (non-BCD, EEH/FFH-filled) value, and returns the count.
   * No allocation: integers up to 2^53 are exact in a Float64Array. Undefined for other entries.
   */
  readonly scaled?: ScaledDecoder;
}

export interface ScaledDecoder {
  readonly decimals: number;
  /** Values in one repetition (fields of the record). */
  readonly perItem: number;
  decode(buf: Buffer, pos: number, len: number, bias: number, out: Float64Array): number;
}
