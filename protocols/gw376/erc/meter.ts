/** Meter events: ERC8, 12, 13, 27–31, 33 (parameter change, clock, faults, energy anomalies, reading failure, status words). */
import { array, bits, struct } from '../layout.js';
import { PN_FLAG } from './common.js';
import type { ErcDef } from './common.js';

/** ERC8 电能表参数变更 (Le 8). */
export const ERC8 = struct({
  time: 'A15',
  pn: PN_FLAG,
  flags: bits(1, { tariffPeriods: 0, programTime: 1, readingDay: 2, pulseConstant: 3, ratio: 4, demandReset: 5 }),
});
/** ERC12 电能表时间超差 (Le 7). */
export const ERC12 = struct({ time: 'A15', pn: PN_FLAG });
/** ERC13 电表故障信息 (Le 8). */
export const ERC13 = struct({
  time: 'A15',
  pn: PN_FLAG,
  flags: bits(1, { programOrDemandReset: 0, phaseBreakCount: 1, voltageLossCount: 2, powerOffCount: 3, batteryLow: 4 }),
});
/** ERC27 电能表示度下降 (Le 17). */
export const ERC27 = struct({ time: 'A15', pn: PN_FLAG, before: 'A14', after: 'A14' });
/** ERC28 电能量超差 / ERC29 电能表飞走 (Le 18): before, after, threshold (A.22). */
export const ERC28 = struct({ time: 'A15', pn: PN_FLAG, before: 'A14', after: 'A14', threshold: 'A22' });
export const ERC29 = ERC28;
/** ERC30 电能表停走 (Le 13): energy, threshold (×15 min). */
export const ERC30 = struct({ time: 'A15', pn: PN_FLAG, energy: 'A14', thresholdQuarterHours: 'u8' });
/** ERC31 终端485抄表失败 (Le 21). */
export const ERC31 = struct({ time: 'A15', pn: PN_FLAG, lastSuccess: 'A15', activeEnergy: 'A14', reactiveEnergy: 'A11' });
/** ERC33 电能表运行状态字变位 (Le 35): 7 change-flag words, then 7 status words. */
export const ERC33 = struct({ time: 'A15', pn: PN_FLAG, changes: array('u16', 7), status: array('u16', 7) });

export const METER_ERCS: ErcDef[] = [
  { erc: 8, name: 'meter parameter change', nameZh: '电能表参数变更', node: ERC8, typed: true },
  { erc: 12, name: 'meter time deviation', nameZh: '电能表时间超差', node: ERC12, typed: true },
  { erc: 13, name: 'meter fault', nameZh: '电表故障信息', node: ERC13, typed: true },
  { erc: 27, name: 'energy reading decreased', nameZh: '电能表示度下降', node: ERC27, typed: true },
  { erc: 28, name: 'energy over tolerance', nameZh: '电能量超差', node: ERC28, typed: true },
  { erc: 29, name: 'meter flying', nameZh: '电能表飞走', node: ERC29, typed: true },
  { erc: 30, name: 'meter stopped', nameZh: '电能表停走', node: ERC30, typed: true },
  { erc: 31, name: 'RS-485 reading failure', nameZh: '终端485抄表失败事件', node: ERC31, typed: true },
  { erc: 33, name: 'meter status-word change', nameZh: '电能表运行状态字变位事件', node: ERC33, typed: true },
];
