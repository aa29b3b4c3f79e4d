/**
 * Building blocks shared by the ERC (event record) layouts of AFN0E, Q/GDW 376.1-2009 §5.14 / appendix C.
 *
 * Record framing (handled by ./registry.ts): ERC code (1 B), Le (1 B, length of the body), body.
 * Most bodies start with the event time (A.15). Measuring-point events then carry "pn and flag" as a
 * 16-bit word: D11..D0 measuring point, D15 start flag (1 = event occurred, 0 = recovered); the D15
 * position follows the common terminal implementations (UNVERIFIED against the standard's text).
 */
import { bits } from '../layout.js';
import type { StructNode } from '../layout.js';

/** 测量点号及起止标志: D11..D0 pn, D15 1 = start (发生), 0 = end (恢复). */
export const PN_FLAG = bits(2, { pn: [0, 12], start: 15 });

/** Phase flags + type code byte (D0..D2 = phases A/B/C, D7..D6 = abnormality type). UNVERIFIED codes. */
export const PHASE_TYPE = bits(1, { a: 0, b: 1, c: 2, type: [6, 2] });

export interface ErcDef {
  readonly erc: number;
  readonly name: string;
  readonly nameZh: string;
  /** Fully typed body layout, or a generic `{ time, raw }` one for ERCs decoded only to code/time/raw bytes. */
  readonly node: StructNode;
  readonly typed: boolean;
  /**
   * Body of the record in Q/GDW 1376.1-2013 when it differs from 2009: decoded when the frame's revision
   * is 2013 and Le equals its size; encoded when the revision is 2013 and the value has all its fields.
   */
  readonly node2013?: StructNode;
}
