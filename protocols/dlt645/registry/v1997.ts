/**
 * DL/T 645-1997 data identifiers (2-byte DI). Formats and lengths from the bobyuxinyang/dlt645_1997
 * decoder table (`dlt645_api_97.c`, `get_d97_ruler_info`) unless marked UNVERIFIED.
 *
 * DI1 high nibble = class (9 energy, A demand, B demand time / variables, C parameters);
 * DI1 low nibble = period (0 current, 4 last month, 8 month before last);
 * DI0 high nibble = quantity (1 forward active, 2 reverse active; 91xx reactive, see below),
 * DI0 low nibble = tariff (0 total, 1..E rates, F block).
 */
import { defineGroup } from './store.js';
import { bcd, bits, DEMAND, digits, ENERGY, one, POWER_FACTOR, time } from './formats.js';
import type { DiDefinition, FieldFormat } from './types.js';

const defs: DiDefinition[] = [];
const r = (di: number, name: string, nameZh: string, unit: string, format: FieldFormat): void => {
  defs.push({ di, name, nameZh, unit, access: 'r', fields: one(format) });
};
const rw = (di: number, name: string, nameZh: string, unit: string, format: FieldFormat): void => {
  defs.push({ di, name, nameZh, unit, access: 'rw', fields: one(format) });
};
const block = (di: number, name: string, nameZh: string, unit: string, format: FieldFormat): void => {
  defs.push({ di, name, nameZh, unit, access: 'r', fields: one(format), repeat: 'tariffs' });
};

const PERIODS: [number, string, string][] = [[0x0, '', '(当前)'], [0x4, ', last month', '(上月)'], [0x8, ', month before last', '(上上月)']];
// 9x1x forward active, 9x2x reverse active (kWh); 91xx = reactive: 911x forward, 912x reverse,
// 913x quadrant I, 914x quadrant IV, 915x quadrant II, 916x quadrant III (order of the library's
// type enum; UNVERIFIED beyond that table).
const ENERGY_QUANTITIES: [number, string, string, string][] = [
  [0x010, 'forward active energy', '正向有功电能', 'kWh'],
  [0x020, 'reverse active energy', '反向有功电能', 'kWh'],
  [0x110, 'forward reactive energy', '正向无功电能', 'kvarh'],
  [0x120, 'reverse reactive energy', '反向无功电能', 'kvarh'],
  [0x130, 'quadrant I reactive energy', '一象限无功电能', 'kvarh'],
  [0x140, 'quadrant IV reactive energy', '四象限无功电能', 'kvarh'],
  [0x150, 'quadrant II reactive energy', '二象限无功电能', 'kvarh'],
  [0x160, 'quadrant III reactive energy', '三象限无功电能', 'kvarh'],
];
for (const [period, when, whenZh] of PERIODS) {
  for (const [q, name, zh, unit] of ENERGY_QUANTITIES) {
    const base = 0x9000 | (period << 8) | q;
    // Only the active quantities (x1x/x2x) are kept for the two past months.
    if (period !== 0 && q > 0x020 && q !== 0x110 && q !== 0x120) continue;
    r(base, `${name} total${when}`, `${whenZh}${zh}总`, unit, ENERGY);
    if (q <= 0x020) for (let t = 1; t <= 4; t++) r(base | t, `${name} tariff ${t}${when}`, `${whenZh}${zh}费率${t}`, unit, ENERGY);
    block(base | 0xf, `${name} block (total + tariffs)${when}`, `${whenZh}${zh}数据块`, unit, ENERGY);
  }
}

// Max demand A0xx (XX.XXXX) and its time B0xx (MMDDhhmm). The library lists the demand length as 4
// bytes, but XX.XXXX is 6 digits = 3 bytes (as in 2007 and the digest): 3 used, UNVERIFIED.
const DEMAND_QUANTITIES: [number, string, string, string][] = [
  [0x010, 'forward active max demand', '正向有功最大需量', 'kW'],
  [0x020, 'reverse active max demand', '反向有功最大需量', 'kW'],
  [0x110, 'forward reactive max demand', '正向无功最大需量', 'kvar'],
  [0x120, 'reverse reactive max demand', '反向无功最大需量', 'kvar'],
];
for (const [period, when, whenZh] of PERIODS.slice(0, 2)) {
  for (const [q, name, zh, unit] of DEMAND_QUANTITIES) {
    const a = 0xa000 | (period << 8) | q;
    const b = 0xb000 | (period << 8) | q;
    r(a, `${name} total${when}`, `${whenZh}${zh}总`, unit, DEMAND);
    r(b, `${name} total time${when}`, `${whenZh}${zh}总发生时间`, '', time('MMDDhhmm'));
    if (q === 0x010) {
      for (let t = 1; t <= 4; t++) {
        r(a | t, `${name} tariff ${t}${when}`, `${whenZh}${zh}费率${t}`, unit, DEMAND);
        r(b | t, `${name} tariff ${t} time${when}`, `${whenZh}${zh}费率${t}发生时间`, '', time('MMDDhhmm'));
      }
    }
    block(a | 0xf, `${name} block${when}`, `${whenZh}${zh}数据块`, unit, DEMAND);
    block(b | 0xf, `${name} time block${when}`, `${whenZh}${zh}发生时间数据块`, '', time('MMDDhhmm'));
  }
}

// B21x: programming / demand-clear / battery.
r(0xb210, 'last programming time', '最近一次编程时间', '', time('MMDDhhmm'));
r(0xb211, 'last max-demand clear time', '最近一次最大需量清0时间', '', time('MMDDhhmm'));
r(0xb212, 'programming count', '编程次数', 'times', bcd(2));
r(0xb213, 'max-demand clear count', '最大需量清0次数', 'times', bcd(2));
r(0xb214, 'battery working time', '电池工作时间', 'min', bcd(3));
// B3xx: phase break (断相) counts, cumulative times, last start/end times. B34x (end) UNVERIFIED.
(['', 'A', 'B', 'C'] as const).forEach((p, i) => {
  const en = p ? `phase ${p} ` : 'total ';
  const zh = p ? `${p}相` : '总';
  r(0xb310 | i, `${en}phase-break count`, `${zh}断相次数`, 'times', bcd(2));
  r(0xb320 | i, `${en}phase-break cumulative time`, `${zh}断相时间累积值`, 'min', bcd(3));
  r(0xb330 | i, `${en}last phase-break start time`, `${zh}最近一次断相起始时刻`, '', time('MMDDhhmm'));
  r(0xb340 | i, `${en}last phase-break end time`, `${zh}最近一次断相结束时刻`, '', time('MMDDhhmm'));
});

// B6xx: instantaneous values.
(['A', 'B', 'C'] as const).forEach((p, i) => {
  r(0xb611 + i, `phase ${p} voltage`, `${p}相电压`, 'V', bcd(2)); // XXX (integer volts)
  r(0xb621 + i, `phase ${p} current`, `${p}相电流`, 'A', bcd(2, 2)); // XX.XX
  r(0xb631 + i, `phase ${p} active power`, `${p}相有功功率`, 'kW', bcd(3, 4));
  r(0xb641 + i, `phase ${p} reactive power`, `${p}相无功功率`, 'kvar', bcd(2, 2));
  r(0xb651 + i, `phase ${p} power factor`, `${p}相功率因数`, '', POWER_FACTOR);
});
r(0xb630, 'instantaneous active power', '瞬时有功功率', 'kW', bcd(3, 4));
rw(0xb634, 'forward active power upper limit', '正向有功功率上限值', 'kW', bcd(2, 2));
rw(0xb635, 'reverse active power upper limit', '反向有功功率上限值', 'kW', bcd(2, 2));
r(0xb640, 'instantaneous reactive power', '瞬时无功功率', 'kvar', bcd(2, 2));
r(0xb650, 'total power factor', '总功率因数', '', POWER_FACTOR);

// C0xx: clock, status words, constants, numbers.
defs.push({ di: 0xc010, name: 'date and week (0 = Sunday)', nameZh: '日期及周次', unit: '', access: 'rw', fields: [{ name: 'week', format: bcd(1) }, { name: 'date', format: time('YYMMDD') }] });
rw(0xc011, 'time', '时间', '', time('hhmmss'));
// C020 bits per the library's stwd_meter mapping: bit0 reading mode (1 manual), bit1 demand mode
// (1 block), bit2 battery (1 low), bit4 active direction (1 reverse), bit5 reactive direction.
rw(0xc020, 'meter running status byte', '电表运行状态字', '', bits(1, ['manual_reading', 'demand_block_mode', 'battery_low', null, 'active_reverse', 'reactive_reverse']));
rw(0xc021, 'grid status byte', '电网状态字', '', bits(1, ['a_power_off', 'b_power_off', 'c_power_off', null, 'a_over_voltage', 'b_over_voltage', 'c_over_voltage']));
rw(0xc022, 'weekly rest-day status byte', '周休日状态字', '', bits(1, ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday']));
rw(0xc030, 'active meter constant', '电表常数(有功)', 'imp/kWh', bcd(3));
rw(0xc031, 'reactive meter constant', '电表常数(无功)', 'imp/kvarh', bcd(3));
rw(0xc032, 'meter number', '表号', '', digits(6));
rw(0xc033, 'user number', '用户号', '', digits(6));
rw(0xc034, 'device code', '设备码', '', digits(6));

// C11x: demand / display / reading parameters.
rw(0xc111, 'max demand period', '最大需量周期', 'min', bcd(1));
rw(0xc112, 'slip time', '滑差时间', 'min', bcd(1));
rw(0xc113, 'display cycle time', '循显时间', 's', bcd(1));
rw(0xc114, 'display hold time', '停显时间', 's', bcd(1));
rw(0xc115, 'energy display decimals', '显示电能小数位数', '', bcd(1));
rw(0xc116, 'power (demand) display decimals', '显示功率(最大需量)小数位数', '', bcd(1));
rw(0xc117, 'automatic reading (settlement) day', '自动抄表日期', '', time('DDhh'));
rw(0xc118, 'load representative day', '负荷代表日', '', bcd(1));
rw(0xc119, 'active energy start reading', '有功电能起始读数', 'kWh', bcd(4, 1));
rw(0xc11a, 'reactive energy start reading', '无功电能起始读数', 'kvarh', bcd(4, 1));
rw(0xc211, 'output pulse width', '输出脉冲宽度', 'ms', bcd(2));
defs.push({ di: 0xc212, name: 'password level and password', nameZh: '密码权限及密码', unit: '', access: 'w', fields: one(digits(4)) });
rw(0xc310, 'year time-zone count p', '年时区数P', '', bcd(1));
rw(0xc311, 'day-table count q', '日时段表数q', '', bcd(1));
rw(0xc312, 'day time-slot count m', '日时段(每日切换数)m', '', bcd(1));
rw(0xc313, 'tariff count k', '费率数k', '', bcd(1));
rw(0xc314, 'public holiday count n', '公共假日数n', '', bcd(1));

defineGroup(defs, 1997);
