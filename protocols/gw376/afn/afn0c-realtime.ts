/**
 * AFN0C request class-1 data (请求1类数据, real-time), Q/GDW 376.1-2009 §5.12.
 *
 * Requests carry only DA/DT (no `down` layout); replies carry the layouts below. Every layout is
 * declared with `layout.ts` nodes, so encode/decode are generated and every Fn round-trips.
 * Sources: field lists of F25/F33/F34/F129/F167 match the Kaitai grammar `liangminhua/qgdw376.1.ksy`
 * and its captures (vectors); F2 matches two captures; others follow the 2009 standard's tables as
 * implemented by public terminal code — those marked UNVERIFIED were not confirmed byte-exact.
 */
import { registerAfn, registerFns } from '../registry.js';
import type { FnEntry } from '../registry.js';
import { array, bits, bitset, compile, struct } from '../layout.js';
import type { FormatName } from '../formats.js';
import type { Node, Spec } from '../layout.js';
import { PHASE_UI } from '../fields.js';

export const AFN_CLASS1 = 0x0c;

// ---------------------------------------------------------------------------------------------
// Shared building blocks (also used by AFN0D)

/** Read time (终端抄表时间) + M tariffs + (M+1) values of `f` (total first). */
export const tariffValues = (f: FormatName) => struct({ time: 'A15', m: 'u8', values: array(f, 'm', 1, 14) });

/** 正向/反向 有功, 无功(组合), two quadrant reactive sets (F33/F34 of 0C, F1/F2 of 0D …). */
export const energySet4 = struct({
  time: 'A15',
  m: 'u8',
  active: array('A14', 'm', 1, 14),
  reactive: array('A11', 'm', 1, 14),
  quadrantX: array('A11', 'm', 1, 14),
  quadrantY: array('A11', 'm', 1, 14),
});

/** Maximum demand and its time, active + reactive, total and M tariffs (F35/F36; 0D F3/F4 …). */
export const demandSet = struct({
  time: 'A15',
  m: 'u8',
  activeMax: array('A23', 'm', 1, 14),
  activeTime: array('A17', 'm', 1, 14),
  reactiveMax: array('A23', 'm', 1, 14),
  reactiveTime: array('A17', 'm', 1, 14),
});

// ---------------------------------------------------------------------------------------------
// Layouts

/** F25 当前三相及总有/无功功率、功率因数，三相电压、电流、零序电流、视在功率 (67 bytes). */
export const F25 = struct({
  time: 'A15',
  p: 'A9',
  pa: 'A9',
  pb: 'A9',
  pc: 'A9',
  q: 'A9',
  qa: 'A9',
  qb: 'A9',
  qc: 'A9',
  pf: 'A5',
  pfa: 'A5',
  pfb: 'A5',
  pfc: 'A5',
  ...PHASE_UI,
  i0: 'A25',
  s: 'A9',
  sa: 'A9',
  sb: 'A9',
  sc: 'A9',
});

/** F5 终端控制设置状态: flags, then 6 bytes per total-add group set in the group bitmap. */
const F5 = struct({
  flags: bits(1, { keepPower: 0, removed: 1, paymentAlarm: 2 }),
  groups: bitset(1, 1),
  states: array(
    struct({
      scheme: 'u8',
      periods: bitset(1, 1),
      powerControl: bits(1, { period: 0, holiday: 1, shutdown: 2, downFloat: 3 }),
      energyControl: bits(1, { monthly: 0, purchase: 1 }),
      powerRounds: bitset(1, 1),
      energyRounds: bitset(1, 1),
    }),
    'groups.length',
  ),
});

/** F6 终端当前控制状态: trip outputs, payment-alarm state, then 8 bytes per valid group. */
const F6 = struct({
  remoteTrip: bitset(1, 1),
  paymentAlarm: 'u8',
  groups: bitset(1, 1),
  states: array(
    struct({
      powerSetpoint: 'A2',
      floatCoefficient: 'A4',
      powerTrip: bitset(1, 1),
      monthlyTrip: bitset(1, 1),
      purchaseTrip: bitset(1, 1),
      powerAlarm: bits(1, { period: 0, holiday: 1, shutdown: 2, downFloat: 3 }),
      energyAlarm: bits(1, { monthly: 0, purchase: 1 }),
    }),
    'groups.length',
  ),
});

/** F11 终端集中抄表状态信息: n blocks of 19 bytes (one per port). */
const F11 = struct({
  n: 'u8',
  ports: array(
    struct({
      port: 'u8',
      meters: 'u16',
      state: bits(1, { reading: 0, timeSlotExceeded: 1 }),
      success: 'u16',
      keySuccess: 'u8',
      start: 'A1',
      end: 'A1',
    }),
    'n',
    0,
    4,
  ),
});

/** F26 A、B、C三相断相统计数据及最近一次断相记录 (also the body of AFN0D F32 日电能表断相数据). */
export const PHASE_BREAK_STATS = struct({
  time: 'A15',
  count: 'A8',
  countA: 'A8',
  countB: 'A8',
  countC: 'A8',
  minutes: 'A10',
  minutesA: 'A10',
  minutesB: 'A10',
  minutesC: 'A10',
  lastStart: 'A17',
  lastStartA: 'A17',
  lastStartB: 'A17',
  lastStartC: 'A17',
  lastEnd: 'A17',
  lastEndA: 'A17',
  lastEndB: 'A17',
  lastEndC: 'A17',
});

/** F165/F166: read time + two (count A.10, last time A.1) pairs. */
const countsAndTimes = (a: string, b: string) =>
  struct({ time: 'A15', [`${a}Count`]: 'A10', [`${a}Last`]: 'A1', [`${b}Count`]: 'A10', [`${b}Last`]: 'A1' } as Record<
    string,
    Spec
  >);

/** F167 电能表购、用电信息 (41 bytes; per the Kaitai grammar S2). */
const F167 = struct({
  time: 'A15',
  purchases: 'A8',
  balance: 'A14',
  totalPurchasedMoney: 'A14',
  remainingEnergy: 'A11',
  overdraftEnergy: 'A11',
  totalPurchasedEnergy: 'A11',
  creditLimitEnergy: 'A11',
  alarmEnergy: 'A11',
  faultEnergy: 'A11',
});

// ---------------------------------------------------------------------------------------------
// Registry entries

type Up = readonly [fn: number, name: string, nameZh: string, node: Node<unknown>, p0?: boolean];

const UP: Up[] = [
  [2, 'terminal clock', '终端日历时钟', struct({ clock: 'A1' }), true],
  [3, 'terminal parameter status', '终端参数状态', struct({ fns: bitset(31, 1) }), true],
  [4, 'uplink communication status', '终端上行通信状态', struct({ state: bits(1, { call: [0, 2], report: [2, 2] }) }), true],
  [5, 'terminal control settings state', '终端控制设置状态', F5, true],
  [6, 'terminal current control state', '终端当前控制状态', F6, true],
  [7, 'terminal event counters', '终端事件计数器当前值', struct({ ec1: 'u8', ec2: 'u8' }), true],
  [8, 'terminal event flags', '终端事件标志状态', struct({ ercs: bitset(8, 1) }), true],
  [9, 'status inputs and changes', '终端状态量及变位标志', struct({ state: bitset(1, 1), changed: bitset(1, 1) }), true],
  [10, 'monthly/daily traffic', '终端与主站当日、月通信流量', struct({ day: 'u32', month: 'u32' }), true],
  [11, 'concentrated reading status', '终端集中抄表状态信息', F11, true],
  // Pn = total-add group; A.3 kWh (or 厘 for fee control) [376.1-2009 AFN0C F23].
  [23, 'terminal remaining energy (fee)', '终端当前剩余电量（费）', struct({ remaining: 'A3' })],
  [25, 'current power, PF, voltage, current', '当前三相及总有/无功功率、功率因数，三相电压、电流、零序电流、视在功率', F25],
  [26, 'phase-break statistics', 'A、B、C三相断相统计数据及最近一次断相记录', PHASE_BREAK_STATS],
  [33, 'current forward energies', '当前正向有/无功电能示值、一/四象限无功电能示值（总、费率1～M）', energySet4],
  [34, 'current reverse energies', '当前反向有/无功电能示值、二/三象限无功电能示值（总、费率1～M）', energySet4],
  [35, 'current-month forward max demand', '当月正向有/无功最大需量及发生时间（总、费率1～M）', demandSet],
  [36, 'current-month reverse max demand', '当月反向有/无功最大需量及发生时间（总、费率1～M）', demandSet],
  [129, 'current forward active energy', '当前正向有功电能示值（总、费率1～M）', tariffValues('A14')],
  [130, 'current forward reactive energy', '当前正向无功（组合无功1）电能示值（总、费率1～M）', tariffValues('A11')],
  [131, 'current reverse active energy', '当前反向有功电能示值（总、费率1～M）', tariffValues('A14')],
  [132, 'current reverse reactive energy', '当前反向无功（组合无功2）电能示值（总、费率1～M）', tariffValues('A11')],
  [133, 'current Q1 reactive energy', '当前一象限无功电能示值（总、费率1～M）', tariffValues('A11')],
  [134, 'current Q2 reactive energy', '当前二象限无功电能示值（总、费率1～M）', tariffValues('A11')],
  [135, 'current Q3 reactive energy', '当前三象限无功电能示值（总、费率1～M）', tariffValues('A11')],
  [136, 'current Q4 reactive energy', '当前四象限无功电能示值（总、费率1～M）', tariffValues('A11')],
  [137, 'last-month forward active energy', '上月（上一结算日）正向有功电能示值（总、费率1～M）', tariffValues('A14')],
  [138, 'last-month forward reactive energy', '上月（上一结算日）正向无功（组合无功1）电能示值（总、费率1～M）', tariffValues('A11')],
  [139, 'last-month reverse active energy', '上月（上一结算日）反向有功电能示值（总、费率1～M）', tariffValues('A14')],
  [140, 'last-month reverse reactive energy', '上月（上一结算日）反向无功（组合无功2）电能示值（总、费率1～M）', tariffValues('A11')],
  [141, 'last-month Q1 reactive energy', '上月（上一结算日）一象限无功电能示值（总、费率1～M）', tariffValues('A11')],
  [142, 'last-month Q2 reactive energy', '上月（上一结算日）二象限无功电能示值（总、费率1～M）', tariffValues('A11')],
  [143, 'last-month Q3 reactive energy', '上月（上一结算日）三象限无功电能示值（总、费率1～M）', tariffValues('A11')],
  [144, 'last-month Q4 reactive energy', '上月（上一结算日）四象限无功电能示值（总、费率1～M）', tariffValues('A11')],
  [165, 'meter switch operations', '电能表开关操作次数及时间', countsAndTimes('program', 'cover')],
  [166, 'meter parameter changes', '电能表参数修改次数及时间', countsAndTimes('clock', 'tariffPeriods')],
  [167, 'meter purchase and use information', '电能表购、用电信息', F167],
];

/** The AFN0C entries, exported for tests and generators. */
export const AFN0C_FNS: FnEntry[] = UP.map(([fn, name, nameZh, node, p0]) => ({
  afn: AFN_CLASS1,
  fn,
  name,
  nameZh,
  up: compile(node, `AFN0C F${fn}`),
  ...(p0 ? { p0Only: true } : {}),
}));

registerAfn({
  afn: AFN_CLASS1,
  name: 'request class-1 data',
  nameZh: '请求1类数据',
  needsPw: false,
  needsTp: false,
  downFunction: 11,
  confirm: false,
});
registerFns(AFN0C_FNS);
