/**
 * DI class 02: instantaneous variables (变量), DL/T 645-2007 附录A 表A.3.
 * Names, units and formats follow 600888/dlt645 `variable_types.json` unless marked UNVERIFIED.
 * DI1 = phase (00 total, 01..03 A..C), FF = block of the items in DI order.
 */
import { defineGroup } from './store.js';
import { bcd, CURRENT, DEMAND, fields, one, POWER, POWER_FACTOR, sbcd, VOLTAGE } from './formats.js';
import type { DiDefinition, FieldFormat } from './types.js';

const PHASES = ['A', 'B', 'C'] as const;
const defs: DiDefinition[] = [];

/** Per-phase items 02xx0100..0300 plus the block 02xxFF00 (a, b, c). */
function phased(di2: number, name: string, zh: string, unit: string, format: FieldFormat): void {
  PHASES.forEach((p, i) => {
    defs.push({ di: 0x02000000 | (di2 << 16) | ((i + 1) << 8), name: `phase ${p} ${name}`, nameZh: `${p}相${zh}`, unit, access: 'r', fields: one(format) });
  });
  defs.push({
    di: 0x02000000 | (di2 << 16) | 0xff00,
    name: `${name} block (A, B, C)`,
    nameZh: `${zh}数据块`,
    unit,
    access: 'r',
    fields: fields(['a', format], ['b', format], ['c', format]),
  });
}

/** Total + per-phase items 02xx0000..0300 plus the block 02xxFF00 (total, a, b, c). */
function totalAndPhased(di2: number, name: string, zh: string, unit: string, format: FieldFormat): void {
  defs.push({ di: 0x02000000 | (di2 << 16), name: `total ${name}`, nameZh: `总${zh}`, unit, access: 'r', fields: one(format) });
  PHASES.forEach((p, i) => {
    defs.push({ di: 0x02000000 | (di2 << 16) | ((i + 1) << 8), name: `phase ${p} ${name}`, nameZh: `${p}相${zh}`, unit, access: 'r', fields: one(format) });
  });
  defs.push({
    di: 0x02000000 | (di2 << 16) | 0xff00,
    name: `${name} block (total, A, B, C)`,
    nameZh: `${zh}数据块`,
    unit,
    access: 'r',
    fields: fields(['total', format], ['a', format], ['b', format], ['c', format]),
  });
}

phased(0x01, 'voltage', '电压', 'V', VOLTAGE);
phased(0x02, 'current', '电流', 'A', CURRENT);
totalAndPhased(0x03, 'active power', '有功功率', 'kW', POWER);
totalAndPhased(0x04, 'reactive power', '无功功率', 'kvar', POWER);
// Apparent power: unsigned XX.XXXX per the digest table; 600888 does not say either way.
totalAndPhased(0x05, 'apparent power', '视在功率', 'kVA', DEMAND);
totalAndPhased(0x06, 'power factor', '功率因数', '', POWER_FACTOR);
phased(0x07, 'phase angle', '相角', '°', bcd(2, 1));
// 600888 gives V / A as units for the distortion ratios; they are percentages (XX.XX %).
phased(0x08, 'voltage waveform distortion', '电压波形失真度', '%', bcd(2, 2));
phased(0x09, 'current waveform distortion', '电流波形失真度', '%', bcd(2, 2));

// Harmonic content 020A/020B: DI1 = phase, DI0 = harmonic order 1..21 (600888 table), XX.XX %.
for (const [di2, what, zh] of [[0x0a, 'voltage', '电压'], [0x0b, 'current', '电流']] as const) {
  PHASES.forEach((p, i) => {
    for (let order = 1; order <= 21; order++) {
      defs.push({
        di: 0x02000000 | (di2 << 16) | ((i + 1) << 8) | order,
        name: `phase ${p} ${what} harmonic ${order} content`,
        nameZh: `${p}相${zh}${order}次谐波含量`,
        unit: '%',
        access: 'r',
        fields: one(bcd(2, 2)),
      });
    }
  });
}

const misc: [number, string, string, string, FieldFormat][] = [
  [0x02800001, 'neutral current', '零线电流', 'A', CURRENT],
  [0x02800002, 'grid frequency', '电网频率', 'Hz', bcd(2, 2)],
  [0x02800003, 'one-minute average total active power', '一分钟有功总平均功率', 'kW', POWER],
  [0x02800004, 'current active demand', '当前有功需量', 'kW', POWER],
  [0x02800005, 'current reactive demand', '当前无功需量', 'kvar', POWER],
  [0x02800006, 'current apparent demand', '当前视在需量', 'kVA', DEMAND],
  // Temperature can be below zero: signed is UNVERIFIED (600888 only says XXX.X).
  [0x02800007, 'meter internal temperature', '表内温度', '°C', sbcd(2, 1)],
  [0x02800008, 'clock battery voltage (internal)', '时钟电池电压(内部)', 'V', bcd(2, 2)],
  [0x02800009, 'meter-reading battery voltage (power-down reading)', '停电抄表电池电压', 'V', bcd(2, 2)],
  [0x0280000a, 'internal battery run time', '内部电池工作时间', 'min', bcd(4)],
  // UNVERIFIED: 0280000B and 02800020/21 are smart-meter (备案) additions, not in the 600888 table;
  // DI and XXXX.XXXX yuan/kWh format as commonly reproduced.
  [0x0280000b, 'current step price', '当前阶梯电价', 'yuan/kWh', bcd(4, 4)],
  [0x02800020, 'current electricity price', '当前电价', 'yuan/kWh', bcd(4, 4)],
  [0x02800021, 'current tariff price', '当前费率电价', 'yuan/kWh', bcd(4, 4)],
];
for (const [di, name, nameZh, unit, format] of misc) defs.push({ di, name, nameZh, unit, access: 'r', fields: one(format) });

defineGroup(defs);
