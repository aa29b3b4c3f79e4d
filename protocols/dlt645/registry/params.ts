/**
 * DI class 04: parameters (参变量), DL/T 645-2007 附录A 表A.5.
 * Names and formats follow 600888/dlt645 `parameter_types.py` unless marked UNVERIFIED.
 * Multi-item values are listed in wire order (low byte first): e.g. 04000101 YYMMDDWW is sent
 * WW DD MM YY, so its fields are `week` then `date` (vector: `01 11 01 16` = 2016-01-11, Monday).
 */
import { defineGroup } from './store.js';
import { ascii, bcd, bits, digits, fields, one, time } from './formats.js';
import type { DiDefinition, FieldFormat, FieldSpec } from './types.js';

const defs: DiDefinition[] = [];
const add = (di: number, name: string, nameZh: string, unit: string, access: DiDefinition['access'], f: readonly FieldSpec[], repeat?: 'list'): void => {
  defs.push(repeat ? { di, name, nameZh, unit, access, fields: f, repeat } : { di, name, nameZh, unit, access, fields: f });
};
const rw = (di: number, name: string, nameZh: string, unit: string, format: FieldFormat): void => add(di, name, nameZh, unit, 'rw', one(format));
const NN = bcd(1);
const NNNN = bcd(2);

// 040001xx: date, time, demand and switch times.
add(0x04000101, 'date and week (0 = Sunday)', '日期及星期(其中0代表星期天)', '', 'rw', fields(['week', NN], ['date', time('YYMMDD')]));
rw(0x04000102, 'time', '时间', '', time('hhmmss'));
rw(0x04000103, 'max demand period', '最大需量周期', 'min', NN);
rw(0x04000104, 'demand slip time', '滑差时间', 'min', NN);
rw(0x04000105, 'calibration pulse width', '校表脉冲宽度', 'ms', NNNN);
rw(0x04000106, 'switch time of the two time-zone table sets', '两套时区表切换时间', '', time('YYMMDDhhmm'));
rw(0x04000107, 'switch time of the two day-table sets', '两套日时段表切换时间', '', time('YYMMDDhhmm'));
// UNVERIFIED: 04000108/09 are smart-meter (备案) additions, not in the 600888 table.
rw(0x04000108, 'switch time of the two tariff price sets', '两套费率电价切换时间', '', time('YYMMDDhhmm'));
rw(0x04000109, 'switch time of the two step (tier) price sets', '两套阶梯电价切换时间', '', time('YYMMDDhhmm'));

// 040002xx: counts.
rw(0x04000201, 'year time-zone count p (≤14)', '年时区数p', '', NN);
rw(0x04000202, 'day time-slot table count q (≤8)', '日时段表数q', '', NN);
rw(0x04000203, 'day time-slot count m (≤14)', '日时段数(每日切换数)m', '', NN);
rw(0x04000204, 'tariff count k (≤63)', '费率数k', '', NN);
rw(0x04000205, 'public holiday count n (≤254)', '公共假日数n', '', NNNN);
rw(0x04000206, 'harmonic analysis order count', '谐波分析次数', '', NN);
// UNVERIFIED: 04000207 step count is a smart-meter (备案) addition.
rw(0x04000207, 'step (tier) count', '阶梯数', '', NN);

// 040003xx: display.
rw(0x04000301, 'auto-cycle display screen count', '自动循环显示屏数', '', NN);
rw(0x04000302, 'display time per screen', '每屏显示时间', 's', NN);
rw(0x04000303, 'energy display decimals', '显示电能小数位数', '', NN);
rw(0x04000304, 'power (demand) display decimals', '显示功率(最大需量)小数位数', '', NN);
rw(0x04000305, 'key-cycle display screen count', '按键循环显示屏数', '', NN);
// UNVERIFIED: CT/PT ratios (备案), NNNNNN.
rw(0x04000306, 'current transformer ratio', '电流互感器变比', '', bcd(3));
rw(0x04000307, 'voltage transformer ratio', '电压互感器变比', '', bcd(3));

// 040004xx: identity and nameplate.
rw(0x04000401, 'communication address', '通信地址', '', digits(6));
rw(0x04000402, 'meter number', '表号', '', digits(6));
rw(0x04000403, 'asset management code (ASCII)', '资产管理编码(ASCII码)', '', ascii(32));
rw(0x04000404, 'rated voltage (ASCII)', '额定电压(ASCII码)', '', ascii(6));
rw(0x04000405, 'rated / basic current (ASCII)', '额定电流/基本电流(ASCII码)', '', ascii(6));
rw(0x04000406, 'maximum current (ASCII)', '最大电流(ASCII码)', '', ascii(6));
rw(0x04000407, 'active accuracy class (ASCII)', '有功准确度等级(ASCII码)', '', ascii(4));
rw(0x04000408, 'reactive accuracy class (ASCII)', '无功准确度等级(ASCII码)', '', ascii(4));
rw(0x04000409, 'active meter constant', '电表有功常数', 'imp/kWh', bcd(3));
rw(0x0400040a, 'reactive meter constant', '电表无功常数', 'imp/kvarh', bcd(3));
rw(0x0400040b, 'meter model (ASCII)', '电表型号(ASCII码)', '', ascii(10));
rw(0x0400040c, 'production date (ASCII)', '生产日期(ASCII码)', '', ascii(10));
rw(0x0400040d, 'protocol version (ASCII)', '协议版本号(ASCII码)', '', ascii(16));

// 040005xx: meter running status words (电表运行状态字), 2 bytes, bit0 = LSB of the low byte.
// Word 1: bits 1-5 as widely reproduced; 8-15 smart-meter extensions, UNVERIFIED.
const SW1 = [null, 'demand_block_mode', 'clock_battery_low', 'reading_battery_low', 'active_power_reverse', 'reactive_power_reverse', null, null,
  'control_loop_error', 'esam_error', null, null, 'internal_program_error', 'memory_fault', 'overdraft', 'clock_fault'];
// Word 2: per-phase power direction (0 forward, 1 reverse). UNVERIFIED bit order.
const SW2 = ['a_active_reverse', 'b_active_reverse', 'c_active_reverse', null, 'a_reactive_reverse', 'b_reactive_reverse', 'c_reactive_reverse'];
// Word 3 (operation class): digest §5.3; bits 0-7 base standard, 8-15 smart-meter additions (UNVERIFIED).
// Vector (376.1 handler): 0x0050 = relay open (bit4) + relay command trip (bit6).
const SW3 = ['second_day_table_set', 'supply_aux', 'supply_battery', 'programming_allowed', 'relay_open', 'second_time_zone_set', 'relay_command_trip', 'pre_trip_alarm',
  'prepaid_by_energy', 'prepaid_by_money', 'second_tariff_price_set', 'second_step_set', 'keep_power', 'identity_authenticated', 'local_account_opened', 'remote_account_opened'];
// Words 4-6: phase A/B/C fault bits. UNVERIFIED bit order (commonly reproduced).
const SW_PHASE = ['loss_of_voltage', 'under_voltage', 'over_voltage', 'loss_of_current', 'over_current', 'overload', 'power_reverse', 'phase_break', 'current_break'];
// Word 7: combined-phase faults. UNVERIFIED bit order (commonly reproduced).
const SW7 = ['voltage_reverse_sequence', 'current_reverse_sequence', 'voltage_imbalance', 'current_imbalance', 'aux_power_loss', 'power_down', 'demand_over_limit',
  'total_pf_under_limit', 'current_severe_imbalance'];
const STATUS: [number, string, string, readonly (string | null)[]][] = [
  [1, 'meter running status word 1', '电表运行状态字1', SW1],
  [2, 'meter running status word 2 (power direction)', '电表运行状态字2', SW2],
  [3, 'meter running status word 3 (operation class)', '电表运行状态字3(操作类)', SW3],
  [4, 'meter running status word 4 (phase A faults)', '电表运行状态字4(A相故障状态)', SW_PHASE],
  [5, 'meter running status word 5 (phase B faults)', '电表运行状态字5(B相故障状态)', SW_PHASE],
  [6, 'meter running status word 6 (phase C faults)', '电表运行状态字6(C相故障状态)', SW_PHASE],
  [7, 'meter running status word 7 (combined-phase faults)', '电表运行状态字7(合相故障状态)', SW7],
];
for (const [n, name, zh, names] of STATUS) add(0x04000500 | n, name, zh, '', 'r', one(bits(2, names)));
add(0x040005ff, 'meter running status word block (words 1..7)', '电表运行状态字数据块', '', 'r',
  STATUS.map(([n, , , names]) => ({ name: `word${n}`, format: bits(2, names) })));

// 040006xx: combination feature words (特征字), one byte each.
rw(0x04000601, 'active combination feature word', '有功组合方式特征字', '', bits(1, ['fwd_add', 'fwd_sub', 'rev_add', 'rev_sub']));
rw(0x04000602, 'reactive combination 1 feature word', '无功组合方式1特征字', '', bits(1, ['q1_add', 'q1_sub', 'q2_add', 'q2_sub', 'q3_add', 'q3_sub', 'q4_add', 'q4_sub']));
rw(0x04000603, 'reactive combination 2 feature word', '无功组合方式2特征字', '', bits(1, ['q1_add', 'q1_sub', 'q2_add', 'q2_sub', 'q3_add', 'q3_sub', 'q4_add', 'q4_sub']));

// 040007xx: baud-rate feature words Z (one bit per rate, digest §3). Bit meanings UNVERIFIED.
const BAUD = [null, 'b600', 'b1200', 'b2400', 'b4800', 'b9600', 'b19200'];
rw(0x04000701, 'modulated infrared port baud feature word', '调制型红外光口通信速率特征字', '', bits(1, BAUD));
rw(0x04000702, 'contact infrared port baud feature word', '接触型红外光口通信速率特征字', '', bits(1, BAUD));
rw(0x04000703, 'port 1 baud feature word', '通信口1通信速率特征字', '', bits(1, BAUD));
rw(0x04000704, 'port 2 baud feature word', '通信口2通信速率特征字', '', bits(1, BAUD));
rw(0x04000705, 'port 3 baud feature word', '通信口3通信速率特征字', '', bits(1, BAUD));

// 040008xx..0A: weekly rest days, load-record and freeze modes, load-record intervals.
// Weekday bits (bit0 Sunday .. bit6 Saturday, 1 = working day) UNVERIFIED.
rw(0x04000801, 'weekly rest-day feature word', '周休日特征字', '', bits(1, ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday']));
rw(0x04000802, 'day-table number used on rest days', '周休日采用的日时段表号', '', NN);
rw(0x04000901, 'load record mode word', '负荷记录模式字', '', bits(1, ['class1', 'class2', 'class3', 'class4', 'class5', 'class6']));
rw(0x04000902, 'freeze data mode word', '冻结数据模式字', '', bits(1, []));
rw(0x04000a01, 'load record start time', '负荷记录起始时间', '', time('MMDDhhmm'));
for (let c = 1; c <= 6; c++) rw(0x04000a01 + c, `load record class ${c} interval`, `第${c}类负荷记录时间间隔`, 'min', NNNN);

// 04000Bxx: monthly settlement days.
for (let d = 1; d <= 3; d++) rw(0x04000b00 | d, `monthly settlement day ${d}`, `每月第${d}结算日`, '', time('DDhh'));

// 04000Cxx: passwords, level 0..9 (written with 0x18; meters do not return them).
for (let l = 0; l <= 9; l++) add(0x04000c01 + l, `password level ${l}`, `${l}级密码`, '', 'w', one(digits(4)));

// 04000Dxx: phase loss-compensation coefficients N.NNN.
const COEF: [string, string][] = [['conductance', '电导'], ['susceptance', '电纳'], ['resistance', '电阻'], ['reactance', '电抗']];
for (const [pi, p] of ['A', 'B', 'C'].entries()) {
  for (const [ci, [en, zh]] of COEF.entries()) {
    rw(0x04000d01 + pi * 4 + ci, `phase ${p} ${en} coefficient`, `${p}相${zh}系数`, '', bcd(2, 3));
  }
}

// 04000Exx: limits.
rw(0x04000e01, 'forward active power upper limit', '正向有功功率上限值', 'kW', bcd(3, 4));
rw(0x04000e02, 'reverse active power upper limit', '反向有功功率上限值', 'kW', bcd(3, 4));
rw(0x04000e03, 'voltage upper limit', '电压上限值', 'V', bcd(2, 1));
rw(0x04000e04, 'voltage lower limit', '电压下限值', 'V', bcd(2, 1));

// 04000Fxx / 040010xx: prepayment thresholds (smart-meter 备案 additions). All UNVERIFIED:
// DIs and XXXXXX.XX formats as commonly reproduced; not in the 600888 table.
rw(0x04000f01, 'alarm energy 1 limit', '报警电量1限值', 'kWh', bcd(4, 2));
rw(0x04000f02, 'alarm energy 2 limit', '报警电量2限值', 'kWh', bcd(4, 2));
rw(0x04000f03, 'hoarding energy limit', '囤积电量限值', 'kWh', bcd(4, 2));
rw(0x04000f04, 'overdraft energy limit', '透支电量限值', 'kWh', bcd(4, 2));
rw(0x04001001, 'alarm amount 1 limit', '报警金额1限值', 'yuan', bcd(4, 2));
rw(0x04001002, 'alarm amount 2 limit', '报警金额2限值', 'yuan', bcd(4, 2));
rw(0x04001003, 'overdraft amount limit', '透支金额限值', 'yuan', bcd(4, 2));
rw(0x04001004, 'hoarding amount limit', '囤积金额限值', 'yuan', bcd(4, 2));
rw(0x04001005, 'close-allowed amount limit', '合闸允许金额限值', 'yuan', bcd(4, 2));
// UNVERIFIED (digest §5.2): wireless signal strength, smart-meter extension.
add(0x04001301, 'wireless online and signal strength', '无线通信在线及信号强弱指示', '', 'r', one(NN));

// 0401/0402: time-zone table (list of MMDDNN: start date + day-table number) and day tables
// (list of hhmmNN: slot start + tariff number), first and second set. Wire order puts NN first.
const ZONE = fields(['dayTable', NN], ['start', time('MMDD')]);
const SLOT = fields(['tariff', NN], ['start', time('hhmm')]);
for (const [set, zh] of [[1, '第一套'], [2, '第二套']] as const) {
  const base = 0x04000000 | (set << 16);
  add(base, `time-zone table, set ${set}`, `${zh}时区表数据`, '', 'rw', ZONE, 'list');
  for (let t = 1; t <= 8; t++) add(base | t, `day time-slot table ${t}, set ${set}`, `${zh}第${t}日时段表数据`, '', 'rw', SLOT, 'list');
}

// 0405xxxx: tariff prices (费率电价), sets 1 and 2, tariffs 1..4, XXXX.XXXX. UNVERIFIED (备案).
for (const [set, zh] of [[1, '第一套'], [2, '第二套']] as const) {
  for (let t = 1; t <= 4; t++) rw(0x04050000 | (set << 8) | t, `tariff ${t} price, set ${set}`, `${zh}费率电价${t}`, 'yuan/kWh', bcd(4, 4));
}

defineGroup(defs);
