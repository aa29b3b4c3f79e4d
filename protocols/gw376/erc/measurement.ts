/**
 * Measuring-point events: ERC9–11 (current/voltage loop, phase sequence), 17 (unbalance), 24–26
 * (voltage/current/apparent-power over limit). Type codes in the flag byte: ERC9 01 short, 10 open,
 * 11 reverse; ERC10 01 phase break, 10 voltage loss; ERC24 01 over upper-upper, 10 under lower-lower;
 * ERC25 01 over upper-upper, 10 over upper — D7..D6, phases in D0..D2 (UNVERIFIED bit positions).
 */
import { bits, struct } from '../layout.js';
import { PHASE_UI } from '../fields.js';
import { PHASE_TYPE, PN_FLAG } from './common.js';
import type { ErcDef } from './common.js';

/** ERC9 电流回路异常 / ERC10 电压回路异常 (Le 28). */
export const ERC9 = struct({
  time: 'A15',
  pn: PN_FLAG,
  flags: PHASE_TYPE,
  ...PHASE_UI,
  activeEnergy: 'A14',
});
export const ERC10 = ERC9;
/** ERC11 相序异常 (Le 24): phase angles (A.5, °) of Ua, Ub, Uc, Ia, Ib, Ic, then energy. */
export const ERC11 = struct({
  time: 'A15',
  pn: PN_FLAG,
  angleUa: 'A5',
  angleUb: 'A5',
  angleUc: 'A5',
  angleIa: 'A5',
  angleIb: 'A5',
  angleIc: 'A5',
  activeEnergy: 'A14',
});
/** ERC17 电压/电流不平衡度越限 (Le 27). */
export const ERC17 = struct({
  time: 'A15',
  pn: PN_FLAG,
  flags: bits(1, { voltage: 0, current: 1 }),
  voltageUnbalance: 'A5',
  currentUnbalance: 'A5',
  ...PHASE_UI,
});
/** ERC24 电压越限 (Le 14). */
export const ERC24 = struct({ time: 'A15', pn: PN_FLAG, flags: PHASE_TYPE, ua: 'A7', ub: 'A7', uc: 'A7' });
/** ERC25 电流越限 (Le 17). */
export const ERC25 = struct({ time: 'A15', pn: PN_FLAG, flags: PHASE_TYPE, ia: 'A25', ib: 'A25', ic: 'A25' });
/** ERC26 视在功率越限 (Le 14): D7..D6 01 over upper-upper, 10 over upper. */
export const ERC26 = struct({ time: 'A15', pn: PN_FLAG, flags: bits(1, { type: [6, 2] }), s: 'A23', limit: 'A23' });

export const MEASUREMENT_ERCS: ErcDef[] = [
  { erc: 9, name: 'current loop abnormal', nameZh: '电流回路异常', node: ERC9, typed: true },
  { erc: 10, name: 'voltage loop abnormal', nameZh: '电压回路异常', node: ERC10, typed: true },
  { erc: 11, name: 'phase sequence abnormal', nameZh: '相序异常', node: ERC11, typed: true },
  { erc: 17, name: 'voltage/current unbalance over limit', nameZh: '电压/电流不平衡度越限', node: ERC17, typed: true },
  { erc: 24, name: 'voltage over limit', nameZh: '电压越限', node: ERC24, typed: true },
  { erc: 25, name: 'current over limit', nameZh: '电流越限', node: ERC25, typed: true },
  { erc: 26, name: 'apparent power over limit', nameZh: '视在功率越限', node: ERC26, typed: true },
];
