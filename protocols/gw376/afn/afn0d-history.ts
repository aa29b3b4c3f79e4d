/**
 * AFN0D request class-2 data (请求2类数据: frozen values, statistics, curves), Q/GDW 376.1-2009 §5.13.
 *
 * Every unit carries its data time label (数据时标) right after DA/DT: a request carries only the
 * label, the reply repeats it followed by the data. So each Fn's `down` layout is its Td and its
 * `up` layout is `{ td, …data }`:
 * - Td_d (daily, 日冻结): A.20 DD MM YY;
 * - Td_m (monthly, 月冻结): A.21 MM YY;
 * - Td_c (curve, 曲线): start A.15, density m (1 B: 0 none, 1 = 15 min, 2 = 30, 3 = 60, 254 = 5,
 *   255 = 1 min — density codes UNVERIFIED), points n (1 B); the reply holds n values.
 * F1/F2/F17/F18 follow the Kaitai grammar S2 and its captures; curve value widths (A.9/A.7/A.25/A.5,
 * F96 2 bytes) are confirmed by a 20-unit capture (vectors). Statistic layouts F25–F32 follow the
 * 2009 tables as used by public terminal code and are UNVERIFIED byte-exact.
 */
import { registerAfn, registerFns } from '../registry.js';
import type { FnEntry } from '../registry.js';
import { array, compile, fmt, struct } from '../layout.js';
import type { AnyNode, Node, StructNode } from '../layout.js';
import type { FormatName } from '../formats.js';
import { PHASE_BREAK_STATS, demandSet, energySet4, tariffValues } from './afn0c-realtime.js';

export const AFN_CLASS2 = 0x0d;

export const TD_D = struct({ td: 'A20' });
export const TD_M = struct({ td: 'A21' });
export const TD_C_NODE = struct({ start: 'A15', density: 'u8', points: 'u8' });
export const TD_C = struct({ td: TD_C_NODE });

type Td = 'd' | 'm';

/** `{ td, ...fields of body }` for a daily/monthly Fn. */
function withTd(td: Td, body: StructNode): StructNode {
  const tdNode: AnyNode = td === 'd' ? fmt('A20') : fmt('A21');
  return { kind: 'struct', size: body.size < 0 ? -1 : body.size + tdNode.size, fields: [['td', tdNode], ...body.fields] };
}

/** Curve: Td_c then `td.points` values of format `f`. */
const curve = (f: FormatName) => struct({ td: TD_C_NODE, values: array(f, 'td.points', 0, 8) });

// Statistics (group 4, daily; UNVERIFIED field widths beyond the standard's table names).
const F25_BODY = struct({
  pMax: 'A23',
  pMaxTime: 'A18',
  paMax: 'A23',
  paMaxTime: 'A18',
  pbMax: 'A23',
  pbMaxTime: 'A18',
  pcMax: 'A23',
  pcMaxTime: 'A18',
  pZeroMinutes: 'u16',
  paZeroMinutes: 'u16',
  pbZeroMinutes: 'u16',
  pcZeroMinutes: 'u16',
});
const F26_BODY = struct({
  dMax: 'A23',
  dMaxTime: 'A18',
  daMax: 'A23',
  daMaxTime: 'A18',
  dbMax: 'A23',
  dbMaxTime: 'A18',
  dcMax: 'A23',
  dcMaxTime: 'A18',
});
const phaseVoltageMinutes = struct({ overUpper: 'u16', underLower: 'u16', overHigh: 'u16', underLow: 'u16', ok: 'u16' });
const phaseVoltageExtremes = struct({ max: 'A7', maxTime: 'A18', min: 'A7', minTime: 'A18' });
const F27_BODY = struct({
  minutesA: phaseVoltageMinutes,
  minutesB: phaseVoltageMinutes,
  minutesC: phaseVoltageMinutes,
  extremesA: phaseVoltageExtremes,
  extremesB: phaseVoltageExtremes,
  extremesC: phaseVoltageExtremes,
  avgA: 'A7',
  avgB: 'A7',
  avgC: 'A7',
});
const F28_BODY = struct({
  iUnbalanceMinutes: 'u16',
  uUnbalanceMinutes: 'u16',
  iUnbalanceMax: 'A5',
  iUnbalanceMaxTime: 'A18',
  uUnbalanceMax: 'A5',
  uUnbalanceMaxTime: 'A18',
});
const phaseCurrentMinutes = struct({ overUpper: 'u16', overHigh: 'u16' });
const currentMax = struct({ max: 'A25', time: 'A18' });
const F29_BODY = struct({
  minutesA: phaseCurrentMinutes,
  minutesB: phaseCurrentMinutes,
  minutesC: phaseCurrentMinutes,
  i0OverHighMinutes: 'u16',
  maxA: currentMax,
  maxB: currentMax,
  maxC: currentMax,
  maxI0: currentMax,
});
const F30_BODY = struct({ overUpperMinutes: 'u16', overHighMinutes: 'u16' });
const F31_BODY = struct({ loadMax: 'A5', loadMaxTime: 'A18', loadMin: 'A5', loadMinTime: 'A18' });
const F32_BODY = PHASE_BREAK_STATS;

/** Daily/monthly energy quantity (电能量): Td + M + (M+1) × A.13 (no read time). */
const quantity = struct({ m: 'u8', values: array('A13', 'm', 1, 14) });

type Entry = readonly [fn: number, name: string, nameZh: string, down: Node<unknown>, up: Node<unknown>];
const E: Entry[] = [];
const daily = (fn: number, name: string, nameZh: string, body: StructNode) => E.push([fn, name, nameZh, TD_D, withTd('d', body)]);
const monthly = (fn: number, name: string, nameZh: string, body: StructNode) => E.push([fn, name, nameZh, TD_M, withTd('m', body)]);

// Group 1: daily frozen (日冻结)
daily(1, 'daily frozen forward energies', '日冻结正向有/无功电能示值、一/四象限无功电能示值（总、费率1～M）', energySet4);
daily(2, 'daily frozen reverse energies', '日冻结反向有/无功电能示值、二/三象限无功电能示值（总、费率1～M）', energySet4);
daily(3, 'daily frozen forward max demand', '日冻结正向有/无功最大需量及发生时间（总、费率1～M）', demandSet);
daily(4, 'daily frozen reverse max demand', '日冻结反向有/无功最大需量及发生时间（总、费率1～M）', demandSet);
daily(5, 'daily forward active energy quantity', '日正向有功电能量（总、费率1～M）', quantity);
daily(6, 'daily forward reactive energy quantity', '日正向无功电能量（总、费率1～M）', quantity);
daily(7, 'daily reverse active energy quantity', '日反向有功电能量（总、费率1～M）', quantity);
daily(8, 'daily reverse reactive energy quantity', '日反向无功电能量（总、费率1～M）', quantity);
// Group 2: reading-day frozen (抄表日冻结), Td_d
daily(9, 'reading-day frozen forward energies', '抄表日冻结正向有/无功电能示值、一/四象限无功电能示值（总、费率1～M）', energySet4);
daily(10, 'reading-day frozen reverse energies', '抄表日冻结反向有/无功电能示值、二/三象限无功电能示值（总、费率1～M）', energySet4);
daily(11, 'reading-day frozen forward max demand', '抄表日冻结电能表正向有/无功最大需量及发生时间（总、费率1～M）', demandSet);
daily(12, 'reading-day frozen reverse max demand', '抄表日冻结电能表反向有/无功最大需量及发生时间（总、费率1～M）', demandSet);
// Group 3: monthly frozen (月冻结), Td_m
monthly(17, 'monthly frozen forward energies', '月冻结正向有/无功电能示值、一/四象限无功电能示值（总、费率1～M）', energySet4);
monthly(18, 'monthly frozen reverse energies', '月冻结反向有/无功电能示值、二/三象限无功电能示值（总、费率1～M）', energySet4);
monthly(19, 'monthly frozen forward max demand', '月冻结正向有/无功最大需量及发生时间（总、费率1～M）', demandSet);
monthly(20, 'monthly frozen reverse max demand', '月冻结反向有/无功最大需量及发生时间（总、费率1～M）', demandSet);
monthly(21, 'monthly forward active energy quantity', '月正向有功电能量（总、费率1～M）', quantity);
monthly(22, 'monthly forward reactive energy quantity', '月正向无功电能量（总、费率1～M）', quantity);
monthly(23, 'monthly reverse active energy quantity', '月反向有功电能量（总、费率1～M）', quantity);
monthly(24, 'monthly reverse reactive energy quantity', '月反向无功电能量（总、费率1～M）', quantity);
// Group 4: daily statistics
daily(25, 'daily max active power and zero-power time', '日总及分相最大有功功率及发生时间、有功功率为零时间', F25_BODY);
daily(26, 'daily max demand', '日总及分相最大需量及发生时间', F26_BODY);
daily(27, 'daily voltage statistics', '日电压统计数据', F27_BODY);
daily(28, 'daily unbalance statistics', '日不平衡度越限累计时间', F28_BODY);
daily(29, 'daily current over-limit statistics', '日电流越限统计', F29_BODY);
daily(30, 'daily apparent-power over-limit time', '日视在功率越限累计时间', F30_BODY);
daily(31, 'daily load-rate statistics', '日负载率统计', F31_BODY);
daily(32, 'daily meter phase-break data', '日电能表断相数据', F32_BODY);

// Group 11–14: curves (曲线), Td_c
const CURVES: [number, string, string, FormatName][] = [
  [81, 'active power curve', '有功功率曲线', 'A9'],
  [82, 'phase-A active power curve', 'A相有功功率曲线', 'A9'],
  [83, 'phase-B active power curve', 'B相有功功率曲线', 'A9'],
  [84, 'phase-C active power curve', 'C相有功功率曲线', 'A9'],
  [85, 'reactive power curve', '无功功率曲线', 'A9'],
  [86, 'phase-A reactive power curve', 'A相无功功率曲线', 'A9'],
  [87, 'phase-B reactive power curve', 'B相无功功率曲线', 'A9'],
  [88, 'phase-C reactive power curve', 'C相无功功率曲线', 'A9'],
  [89, 'phase-A voltage curve', 'A相电压曲线', 'A7'],
  [90, 'phase-B voltage curve', 'B相电压曲线', 'A7'],
  [91, 'phase-C voltage curve', 'C相电压曲线', 'A7'],
  [92, 'phase-A current curve', 'A相电流曲线', 'A25'],
  [93, 'phase-B current curve', 'B相电流曲线', 'A25'],
  [94, 'phase-C current curve', 'C相电流曲线', 'A25'],
  [95, 'zero-sequence current curve', '零序电流曲线', 'A25'],
  // F96: 2 bytes per point in a capture; taken as frequency A.6 (2013 频率曲线) — UNVERIFIED.
  [96, 'frequency curve', '频率曲线', 'A6'],
  [97, 'forward active energy quantity curve', '正向有功总电能量曲线', 'A13'],
  [98, 'forward reactive energy quantity curve', '正向无功总电能量曲线', 'A13'],
  [99, 'reverse active energy quantity curve', '反向有功总电能量曲线', 'A13'],
  [100, 'reverse reactive energy quantity curve', '反向无功总电能量曲线', 'A13'],
  [101, 'forward active energy indication curve', '正向有功总电能示值曲线', 'A11'],
  [102, 'forward reactive energy indication curve', '正向无功总电能示值曲线', 'A11'],
  [103, 'reverse active energy indication curve', '反向有功总电能示值曲线', 'A11'],
  [104, 'reverse reactive energy indication curve', '反向无功总电能示值曲线', 'A11'],
  [105, 'power factor curve', '总功率因数曲线', 'A5'],
  [106, 'phase-A power factor curve', 'A相功率因数曲线', 'A5'],
  [107, 'phase-B power factor curve', 'B相功率因数曲线', 'A5'],
  [108, 'phase-C power factor curve', 'C相功率因数曲线', 'A5'],
];
for (const [fn, name, nameZh, f] of CURVES) E.push([fn, name, nameZh, TD_C, curve(f)]);

// Group 21–23: frozen indications with read time (日冻结 / 抄表日冻结 / 月冻结 电能示值)
const INDICATIONS: [string, string, FormatName][] = [
  ['forward active energy', '正向有功电能示值（总、费率1～M）', 'A14'],
  ['forward reactive energy', '正向无功（组合无功1）电能示值（总、费率1～M）', 'A11'],
  ['reverse active energy', '反向有功电能示值（总、费率1～M）', 'A14'],
  ['reverse reactive energy', '反向无功（组合无功2）电能示值（总、费率1～M）', 'A11'],
  ['Q1 reactive energy', '一象限无功电能示值（总、费率1～M）', 'A11'],
  ['Q2 reactive energy', '二象限无功电能示值（总、费率1～M）', 'A11'],
  ['Q3 reactive energy', '三象限无功电能示值（总、费率1～M）', 'A11'],
  ['Q4 reactive energy', '四象限无功电能示值（总、费率1～M）', 'A11'],
];
INDICATIONS.forEach(([name, zh, f], i) => {
  daily(161 + i, `daily frozen ${name}`, `日冻结${zh}`, tariffValues(f));
  daily(169 + i, `reading-day frozen ${name}`, `抄表日冻结${zh}`, tariffValues(f));
  monthly(177 + i, `monthly frozen ${name}`, `月冻结${zh}`, tariffValues(f));
});

export const AFN0D_FNS: FnEntry[] = E.map(([fn, name, nameZh, down, up]) => ({
  afn: AFN_CLASS2,
  fn,
  name,
  nameZh,
  down: compile(down, `AFN0D F${fn} (request)`),
  up: compile(up, `AFN0D F${fn}`),
}));

registerAfn({
  afn: AFN_CLASS2,
  name: 'request class-2 data',
  nameZh: '请求2类数据',
  needsPw: false,
  needsTp: false,
  downFunction: 11,
  confirm: false,
});
registerFns(AFN0D_FNS);
