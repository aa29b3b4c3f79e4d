/**
 * AFN05 control commands (控制命令), Q/GDW 376.1-2009 §5.5. Downlink only (with PW); the terminal
 * answers with AFN00. Pn is the control round for F1/F2, the total-add group for F9–F24, the
 * measuring point for F41/F42, p0 otherwise. Fns without data carry only DA/DT.
 *
 * Sources: Fn list and names from the S1 C API enum; F1/F25/F31 data confirmed on captures (vectors);
 * F1 nibble packing (D7..D4 limit time ×0.5 h, D3..D0 alarm delay in minutes) and F12's 8 bytes per
 * public terminal code (UNVERIFIED byte-exact); F26 (payment alarm on) carries no data per terminal code.
 */
import { registerAfn, registerFns } from '../registry.js';
import type { FnEntry } from '../registry.js';
import { bits, bitset, bytes, compile, struct } from '../layout.js';
import type { Node } from '../layout.js';

export const AFN_CONTROL = 0x05;

/** F1 遥控跳闸: D3..D0 alarm delay (minutes, 0 = trip now), D7..D4 power-limit time (×0.5 h, 0 = indefinite). */
const F1 = struct({ turn: bits(1, { alarmDelay: [0, 4], limitTime: [4, 4] }) });

/** F9 时段功控投入: period flags (bitmap of periods 1..8) and scheme number (0..2). */
const F9 = struct({ periods: bitset(1, 1), scheme: 'u8' });

/** F12 当前功率下浮控投入 (8 bytes). */
const F12 = struct({
  slipMinutes: 'u8',
  floatCoefficient: 'A4',
  freezeDelayMinutes: 'u8',
  /** 控制时间, ×0.5 h. */
  duration: 'u8',
  alarm1Minutes: 'u8',
  alarm2Minutes: 'u8',
  alarm3Minutes: 'u8',
  alarm4Minutes: 'u8',
});

/** F32 中文信息: D3..D0 number, D7..D4 kind (0 normal, 1 important); length; GB2312 bytes as hex. */
const F32 = struct({ kind: bits(1, { number: [0, 4], kind: [4, 4] }), length: 'u8', text: bytes('length') });

const PORT = struct({ port: 'u8' });

type Entry = readonly [fn: number, name: string, nameZh: string, node?: Node<unknown>, p0?: boolean];

const E: Entry[] = [
  [1, 'remote trip', '遥控跳闸', F1],
  [2, 'allow closing', '允许合闸'],
  [9, 'period power control on', '时段功控投入', F9],
  [10, 'factory-holiday control on', '厂休功控投入'],
  [11, 'business shut-down control on', '营业报停功控投入'],
  [12, 'current-power down-float control on', '当前功率下浮控投入', F12],
  [15, 'monthly energy control on', '月电控投入'],
  [16, 'purchase control on', '购电控投入'],
  [17, 'period power control off', '时段功控解除'],
  [18, 'factory-holiday control off', '厂休功控解除'],
  [19, 'business shut-down control off', '营业报停功控解除'],
  [20, 'current-power down-float control off', '当前功率下浮控解除'],
  [23, 'monthly energy control off', '月电控解除'],
  [24, 'purchase control off', '购电控解除'],
  [25, 'keep power on', '终端保电投入', struct({ halfHours: 'u8' }), true],
  [26, 'payment alarm on', '催费告警投入', undefined, true],
  [27, 'allow talking to master', '允许终端与主站通话', undefined, true],
  [28, 'terminal removal on', '终端剔除投入', undefined, true],
  [29, 'allow spontaneous reporting', '允许终端主动上报', undefined, true],
  [31, 'clock set', '对时命令', struct({ clock: 'A1' }), true],
  [32, 'Chinese message', '中文信息', F32, true],
  [33, 'keep power off', '终端保电解除', undefined, true],
  [34, 'payment alarm off', '催费告警解除', undefined, true],
  [35, 'forbid talking to master', '禁止终端与主站通话', undefined, true],
  [36, 'terminal removal off', '终端剔除解除', undefined, true],
  [37, 'forbid spontaneous reporting', '禁止终端主动上报', undefined, true],
  [38, 'activate connection', '激活终端连接主站', undefined, true],
  [39, 'disconnect', '命令终端断开连接', undefined, true],
  [49, 'pause meter reading on a port', '命令指定通信端口暂停抄表', PORT, true],
  [50, 'resume meter reading on a port', '命令指定通信端口恢复抄表', PORT, true],
  [51, 'restart meter reading on a port', '命令指定通信端口重新抄表', PORT, true],
  [52, 'initialise routes on a port', '初始化指定通信端口下的全部中继路由信息', PORT, true],
  [53, 'delete all meters on a port', '删除指定通信端口下的全部电表', PORT, true],
];

export const AFN05_FNS: FnEntry[] = E.map(([fn, name, nameZh, node, p0]) => ({
  afn: AFN_CONTROL,
  fn,
  name,
  nameZh,
  ...(node ? { down: compile(node, `AFN05 F${fn}`) } : {}),
  ...(p0 ? { p0Only: true } : {}),
}));

registerAfn({
  afn: AFN_CONTROL,
  name: 'control',
  nameZh: '控制命令',
  needsPw: true,
  // Tp by default (like AFN01/10): a command delayed in the network past its allowed delay is refused by
  // the terminal instead of executed late (§6 AUX, Tp with the allowed transmission delay).
  needsTp: true,
  downFunction: 10,
  confirm: true,
});
registerFns(AFN05_FNS);
