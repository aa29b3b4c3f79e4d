/**
 * AFN04 set parameters (设置参数), Q/GDW 376.1-2009 §5.4. Downlink units carry the parameter data
 * (the frame adds the 16-byte PW); the terminal answers with AFN00. AFN0A (query parameters) replies
 * with the very same layouts, so they are defined once here and reused by afn0a-query-params.ts.
 *
 * Sources: F1 field list (S1 C API; bit positions of the timeout/retry word and confirm flags as in
 * the digest, UNVERIFIED), F3 (S1 struct, S3 XML), F10 byte-exact on a capture (AFN0A vector), F25
 * (11 bytes with the wiring byte, per two public master implementations), F26 (57 bytes, per a public
 * terminal struct and a master command table), F33 on a capture (telek vector), F38 on a capture,
 * F29 on a capture, F41–F48 per public terminal code (UNVERIFIED byte-exact except F47 = 17 bytes).
 */
import { registerAfn, registerFns } from '../registry.js';
import type { FnEntry } from '../registry.js';
import { array, ascii, bits, bitset, bytes, compile, struct } from '../layout.js';
import type { Node } from '../layout.js';

export const AFN_SET_PARAMS = 0x04;

/** F1 终端上行通信口通信参数设置 (6 bytes). */
const F1 = struct({
  /** 终端数传机延时时间 RTS, ×20 ms (unit UNVERIFIED). */
  rts: 'u8',
  /** 终端作为启动站允许传输延时时间, minutes. */
  masterDelay: 'u8',
  /** D11..D0 response timeout (s), D13..D12 retries 0..3. */
  wait: bits(2, { timeout: [0, 12], retries: [12, 2] }),
  /** 需要主站确认的通信服务 (CON=1) flags: class-1, class-2, class-3 (events) spontaneous reports. */
  confirm: bits(1, { class1: 0, class2: 1, class3: 2 }),
  /** 心跳周期, minutes. */
  heartbeat: 'u8',
});

/** F3 主站IP地址和端口 (28 bytes). */
const F3 = struct({ ip: 'ip', port: 'u16', backupIp: 'ip', backupPort: 'u16', apn: ascii(16) });

/** F4 主站电话号码和短信中心号码 (8 + 8 bytes, digits as stored). */
const F4 = struct({ phone: bytes(8), smsCentre: bytes(8) });

/** F7 终端IP地址和端口. */
const F7 = struct({
  ip: 'ip',
  mask: 'ip',
  gateway: 'ip',
  proxyType: 'u8',
  proxyIp: 'ip',
  proxyPort: 'u16',
  proxyAuth: 'u8',
  userLength: 'u8',
  user: ascii('userLength'),
  passwordLength: 'u8',
  password: ascii('passwordLength'),
  listenPort: 'u16',
});

/** F8 终端上行通信工作方式. */
const F8 = struct({
  mode: bits(1, { work: [0, 2], connect: [4, 2], tcpUdp: 7 }),
  redialSeconds: 'u16',
  redialCount: 'u8',
  idleMinutes: 'u8',
  onlineHours: bitset(3, 0),
});

/** F9 终端事件记录配置设置: valid ERCs and important ERCs (ERC n = bit n-1). */
const F9 = struct({ valid: bitset(8, 1), important: bitset(8, 1) });

/** One F10 record (27 bytes). */
export const METER_CONFIG = struct({
  /** 电能表/交流采样装置序号 1..2040. */
  seq: 'u16',
  /** 所属测量点号 0..2040 (0 = delete this configuration). */
  pn: 'u16',
  /** D4..D0 port 1..31, D7..D5 baud code (0 default, 1 600 … 7 19200). */
  portBaud: bits(1, { port: [0, 5], baud: [5, 3] }),
  /** 通信协议类型: 1 DL/T 645-1997, 2 AC sampling, 30 DL/T 645-2007, 31 PLC interface, others vendor. */
  protocol: 'u8',
  address: 'A12',
  password: bytes(6),
  /** D5..D0 tariff count; D7..D6 kept as they came (reserved). */
  tariffs: bits(1, { count: [0, 6], reserved: [6, 2] }),
  /** D3..D2 integer digits code (00→4 … 11→7), D1..D0 decimal digits code (00→1 … 11→4). */
  digits: bits(1, { decimal: [0, 2], integer: [2, 2], reserved: [4, 4] }),
  collector: 'A12',
  /** D7..D4 big class, D3..D0 small class. */
  userClass: bits(1, { small: [0, 4], big: [4, 4] }),
});

/** F10 终端电能表/交流采样装置配置参数: n then n records. */
export const F10 = struct({ n: 'u16', meters: array(METER_CONFIG, 'n', 0, 8) });

/** F12 终端状态量输入参数: connected and attribute (normally closed) bitmaps. */
const F12 = struct({ connected: bitset(1, 1), normallyClosed: bitset(1, 1) });

/** F16 虚拟专网用户名、密码. */
const F16 = struct({ user: ascii(32), password: ascii(32) });

/** F21 终端电能量费率时段和费率数: 48 half-hour tariff numbers, then the tariff count. */
const F21 = struct({ periods: array('u8', 48), count: 'u8' });

/** F22 终端电能量费率: count then A.3 rates (厘). */
const F22 = struct({ count: 'u8', rates: array('A3', 'count', 0, 14) });

/** F25 测量点基本参数 (11 bytes). */
const F25 = struct({
  ptRatio: 'u16',
  ctRatio: 'u16',
  ratedVoltage: 'A7',
  ratedCurrent: 'A22',
  ratedLoad: 'A23',
  /** D1..D0 1 = three-phase three-wire, 2 = three-phase four-wire, 3 = single-phase; D3..D2 phase of a single-phase meter. */
  wiring: bits(1, { mode: [0, 2], phase: [2, 2], reserved: [4, 4] }),
});

const limitV = struct({ limit: 'A7', minutes: 'u8', recovery: 'A5' });
const limitI = struct({ limit: 'A25', minutes: 'u8', recovery: 'A5' });
const limitS = struct({ limit: 'A23', minutes: 'u8', recovery: 'A5' });
const limitUnb = struct({ limit: 'A5', minutes: 'u8', recovery: 'A5' });

/** F26 测量点限值参数 (57 bytes). */
const F26 = struct({
  voltageUpper: 'A7',
  voltageLower: 'A7',
  phaseBreak: 'A7',
  overVoltage: limitV,
  underVoltage: limitV,
  overCurrent: limitI,
  ratedCurrentLimit: limitI,
  zeroSequenceCurrent: limitI,
  apparentPowerUpperUpper: limitS,
  apparentPowerUpper: limitS,
  voltageUnbalance: limitUnb,
  currentUnbalance: limitUnb,
  voltageLossMinutes: 'u8',
});

/** F27 测量点铜损、铁损参数 (12 × A.26). */
const F27 = struct({
  ra: 'A26', xa: 'A26', ga: 'A26', ba: 'A26',
  rb: 'A26', xb: 'A26', gb: 'A26', bb: 'A26',
  rc: 'A26', xc: 'A26', gc: 'A26', bc: 'A26',
});

/** F33 终端抄表运行参数设置: n port blocks. */
const F33 = struct({
  n: 'u8',
  ports: array(
    struct({
      port: 'u8',
      /** 台区集中抄表运行控制字 (kept as the 16-bit word). */
      control: 'u16',
      /** Reading days 1..31 (D0 = day 1; D31 kept as 32). */
      days: bitset(4, 1),
      readTime: 'A19',
      intervalMinutes: 'u8',
      syncTime: 'A18',
      k: 'u8',
      periods: array(struct({ start: 'A19', end: 'A19' }), 'k', 0, 4),
    }),
    'n',
    0,
    4,
  ),
});

/** F38/F39 1/2类数据配置设置: big class, m small-class groups each with n info-group bitmaps. */
const CLASS_DATA_CONFIG = struct({
  bigClass: 'u8',
  m: 'u8',
  groups: array(struct({ smallClass: 'u8', n: 'u8', bitmaps: bytes('n') }), 'm', 0, 4),
});

/** F41 时段功控定值: scheme flags, per scheme a period bitmap and one A.2 per set period. */
const F41 = struct({
  schemes: bitset(1, 1),
  values: array(struct({ periods: bitset(1, 1), setpoints: array('A2', 'periods.length') }), 'schemes.length'),
});

/** F42 厂休功控参数. */
const F42 = struct({
  setpoint: 'A2',
  start: 'A19',
  /** 限电延续时间, ×0.5 h. */
  duration: 'u8',
  /** 每周限电日: D1..D7 = Monday..Sunday. */
  weekdays: bitset(1, 0),
});

/** F44 营业报停控参数. */
const F44 = struct({ start: 'A20', end: 'A20', setpoint: 'A2' });

/** F47 购电量（费）控参数 (17 bytes). */
const F47 = struct({
  orderNo: 'u32',
  /** 55H append (追加), AAH refresh (刷新). */
  mode: 'u8',
  amount: 'A3',
  alarmThreshold: 'A3',
  tripThreshold: 'A3',
});

/** F59 电能表异常判别阈值设定. */
const F59 = struct({ overTolerance: 'A22', flying: 'A22', stoppedQuarterHours: 'u8', clockMinutes: 'u8' });

type Entry = readonly [fn: number, name: string, nameZh: string, node: Node<unknown>, p0?: boolean];

/** The parameter layouts shared by AFN04 (down) and AFN0A (up). */
export const PARAM_LAYOUTS: Entry[] = [
  [1, 'uplink communication parameters', '终端上行通信口通信参数设置', F1, true],
  [3, 'master station IP addresses and ports', '主站IP地址和端口', F3, true],
  [4, 'master phone and SMS centre numbers', '主站电话号码和短信中心号码', F4, true],
  [7, 'terminal IP address and port', '终端IP地址和端口', F7, true],
  [8, 'uplink working mode', '终端上行通信工作方式（以太专网或虚拟专网）', F8, true],
  [9, 'event record configuration', '终端事件记录配置设置', F9, true],
  [10, 'meter configuration', '终端电能表/交流采样装置配置参数', F10, true],
  [12, 'status input parameters', '终端状态量输入参数', F12, true],
  [16, 'VPN user and password', '虚拟专网用户名、密码', F16, true],
  [17, 'terminal security setpoint', '终端保安定值', struct({ setpoint: 'A2' }), true],
  [19, 'period power-control float coefficient', '终端时段功控定值浮动系数', struct({ coefficient: 'A4' }), true],
  [20, 'monthly energy-control float coefficient', '终端月电能量控定值浮动系数', struct({ coefficient: 'A4' }), true],
  [21, 'tariff periods and tariff count', '终端电能量费率时段和费率数', F21, true],
  [22, 'energy tariffs', '终端电能量费率', F22, true],
  [23, 'payment-alarm parameters', '终端催费告警参数', struct({ hours: bitset(3, 0) }), true],
  [25, 'measuring-point basic parameters', '测量点基本参数', F25],
  [26, 'measuring-point limits', '测量点限值参数', F26],
  [27, 'measuring-point copper and iron loss', '测量点铜损、铁损参数', F27],
  [29, 'local meter display number', '终端当地电能表显示号', struct({ displayNo: ascii(12) })],
  [30, 'stop/start concentrated reading', '台区集中抄表停抄/投抄设置', struct({ stopped: 'u8' })],
  [33, 'meter-reading run parameters', '终端抄表运行参数设置', F33, true],
  [36, 'monthly traffic threshold', '终端上行通信流量门限设置', struct({ bytes: 'u32' }), true],
  [38, 'class-1 data configuration', '1类数据配置设置（在终端支持的1类数据配置内）', CLASS_DATA_CONFIG, true],
  [39, 'class-2 data configuration', '2类数据配置设置（在终端支持的2类数据配置内）', CLASS_DATA_CONFIG, true],
  [41, 'period power-control setpoints', '时段功控定值', F41],
  [42, 'factory-holiday power control', '厂休功控参数', F42],
  [43, 'power slip time', '功率控制的功率计算滑差时间', struct({ minutes: 'u8' })],
  [44, 'business shut-down control', '营业报停控参数', F44],
  [45, 'power-control rounds', '功控轮次设定', struct({ rounds: bitset(1, 1) })],
  [46, 'monthly energy setpoint', '月电量控定值', struct({ setpoint: 'A3' })],
  [47, 'purchase (energy/fee) control', '购电量（费）控参数', F47],
  [48, 'energy-control rounds', '电控轮次设定', struct({ rounds: bitset(1, 1) })],
  [57, 'audible alarm enable', '终端声音告警允许∕禁止设置', struct({ hours: bitset(3, 0) }), true],
  [58, 'automatic keep-power', '终端自动保电参数', struct({ hours: 'u8' }), true],
  [59, 'meter abnormality thresholds', '电能表异常判别阈值设定', F59, true],
];

export const AFN04_FNS: FnEntry[] = PARAM_LAYOUTS.map(([fn, name, nameZh, node, p0]) => ({
  afn: AFN_SET_PARAMS,
  fn,
  name,
  nameZh,
  down: compile(node, `AFN04 F${fn}`),
  ...(p0 ? { p0Only: true } : {}),
}));

registerAfn({
  afn: AFN_SET_PARAMS,
  name: 'set parameters',
  nameZh: '设置参数',
  needsPw: true,
  // Tp by default (like AFN01/10): a command delayed in the network past its allowed delay is refused by
  // the terminal instead of executed late (§6 AUX, Tp with the allowed transmission delay).
  needsTp: true,
  downFunction: 10,
  confirm: true,
});
registerFns(AFN04_FNS);
