/** Load-control events: ERC5–7 (trips), 19 (purchase parameters), 23 (energy-control alarm). */
import { bits, bitset, struct } from '../layout.js';
import type { ErcDef } from './common.js';

/** ERC5 遥控跳闸记录 (Le 10): rounds, power at trip, power 2 minutes after (A.2, kW). */
export const ERC5 = struct({ time: 'A15', rounds: bitset(1, 1), power: 'A2', powerAfter2Min: 'A2' });
/** ERC6 功控跳闸记录 (Le 14). */
export const ERC6 = struct({
  time: 'A15',
  group: 'u8',
  rounds: bitset(1, 1),
  kind: bits(1, { period: 0, holiday: 1, shutdown: 2, downFloat: 3 }),
  powerBefore: 'A2',
  powerAfter: 'A2',
  setpoint: 'A2',
});
/** ERC7 电控跳闸记录 (Le 16): energy at trip and setpoint (A.3). */
export const ERC7 = struct({
  time: 'A15',
  group: 'u8',
  rounds: bitset(1, 1),
  kind: bits(1, { monthly: 0, purchase: 1 }),
  energy: 'A3',
  setpoint: 'A3',
});
/** ERC19 购电参数设置记录 (Le 31). */
export const ERC19 = struct({
  time: 'A15',
  group: 'u8',
  orderNo: 'u32',
  /** 55H append, AAH refresh. */
  mode: 'u8',
  amount: 'A3',
  alarmThreshold: 'A3',
  tripThreshold: 'A3',
  remainingBefore: 'A3',
  remainingAfter: 'A3',
});
/** ERC23 电控告警事件记录 (Le 16): the same body as ERC7. */
export const ERC23 = ERC7;

export const CONTROL_ERCS: ErcDef[] = [
  { erc: 5, name: 'remote-control trip', nameZh: '遥控跳闸记录', node: ERC5, typed: true },
  { erc: 6, name: 'power-control trip', nameZh: '功控跳闸记录', node: ERC6, typed: true },
  { erc: 7, name: 'energy-control trip', nameZh: '电控跳闸记录', node: ERC7, typed: true },
  { erc: 19, name: 'purchase parameter set', nameZh: '购电参数设置记录', node: ERC19, typed: true },
  { erc: 23, name: 'energy-control alarm', nameZh: '电控告警事件记录', node: ERC23, typed: true },
];
