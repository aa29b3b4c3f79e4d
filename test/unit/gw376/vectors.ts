/** The 376.1 vectors (test/fixtures/gw376-vectors.json, copied from shared/vectors with their sources). */
import { readFileSync } from 'node:fs';

export interface Vector {
  hex: string;
  source: string;
  direction: 'up' | 'down';
  afn: string;
  fns: number[];
  pn: number[];
  header: {
    L_user_len: number;
    protocol_id_bits: number;
    C: { raw: string; DIR: number; PRM: number; FCB_ACD: number; FCV: number; FC: number };
    A1_area_bcd: string;
    A2_terminal: number;
    A3: { raw: string; group: number; MSA: number };
    SEQ: { raw: string; TpV: number; FIR: number; FIN: number; CON: number; PSEQ_RSEQ: number };
  };
  decoded?: Record<string, unknown>;
  notes?: string;
}

export const vectors: Vector[] = JSON.parse(readFileSync(new URL('../../fixtures/gw376-vectors.json', import.meta.url), 'utf8')) as Vector[];

export const bytesOf = (v: Vector): Buffer => Buffer.from(v.hex, 'hex');

/** Vectors whose AFN is implemented by the link-layer files. */
export const OWN_AFNS = new Set([0x00, 0x01, 0x02, 0x03, 0x06, 0x09, 0x10]);
