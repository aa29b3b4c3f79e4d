/**
 * DI class 01: maximum demand and its time (最大需量及发生时间), DL/T 645-2007 附录A 表A.2.
 * DI2 = quantity (same numbering as energy), DI1 = tariff (00 total, 01..3F rates, FF block),
 * DI0 = settlement (00 current, 01..0C last 1..12).
 *
 * Each item is 8 bytes: demand XX.XXXX (3 bytes) first on the wire, then the time YYMMDDhhmm
 * (5 bytes). Wire order checked against 600888/dlt645 `client_service.py`, which reads the demand
 * from data[4:7] and the time from data[7:12] after the 4-byte DI.
 */
import { defineGroup } from './store.js';
import { DEMAND, fields, POWER, time } from './formats.js';
import type { DiDefinition, FieldSpec } from './types.js';

const QUANTITIES: [number, string, string, string, boolean][] = [
  [0x01, 'forward active max demand', '正向有功最大需量', 'kW', false],
  [0x02, 'reverse active max demand', '反向有功最大需量', 'kW', false],
  // Combined reactive demand may be negative: signed is UNVERIFIED (600888 gives only XX.XXXX).
  [0x03, 'combined reactive 1 max demand', '组合无功1最大需量', 'kvar', true],
  [0x04, 'combined reactive 2 max demand', '组合无功2最大需量', 'kvar', true],
  [0x05, 'quadrant I reactive max demand', '第一象限无功最大需量', 'kvar', false],
  [0x06, 'quadrant II reactive max demand', '第二象限无功最大需量', 'kvar', false],
  [0x07, 'quadrant III reactive max demand', '第三象限无功最大需量', 'kvar', false],
  [0x08, 'quadrant IV reactive max demand', '第四象限无功最大需量', 'kvar', false],
  [0x09, 'forward apparent max demand', '正向视在最大需量', 'kVA', false],
  [0x0a, 'reverse apparent max demand', '反向视在最大需量', 'kVA', false],
];

const RATE_NAMES = ['total', 'tariff 1 (sharp)', 'tariff 2 (peak)', 'tariff 3 (flat)', 'tariff 4 (valley)'];
const RATE_ZH = ['总', '费率1(尖)', '费率2(峰)', '费率3(平)', '费率4(谷)'];

/** Demand then its occurrence time, in wire order. */
export const demandWithTime = (signed = false): readonly FieldSpec[] =>
  fields(['demand', signed ? POWER : DEMAND], ['time', time('YYMMDDhhmm')]);

const defs: DiDefinition[] = [];
for (const [q, name, zh, unit, signed] of QUANTITIES) {
  const item = demandWithTime(signed);
  for (let period = 0; period <= 1; period++) {
    const when = period === 0 ? '' : `, last-${period} settlement`;
    const whenZh = period === 0 ? '' : `(上${period}结算日)`;
    for (let rate = 0; rate <= 4; rate++) {
      defs.push({
        di: 0x01000000 | (q << 16) | (rate << 8) | period,
        name: `${name} ${RATE_NAMES[rate]} and time${when}`,
        nameZh: `${zh}${RATE_ZH[rate]}及发生时间${whenZh}`,
        unit,
        access: 'r',
        fields: item,
      });
    }
    defs.push({
      di: 0x01000000 | (q << 16) | (0xff << 8) | period,
      name: `${name} block (total + tariffs) and times${when}`,
      nameZh: `${zh}及发生时间数据块${whenZh}`,
      unit,
      access: 'r',
      fields: item,
      repeat: 'tariffs',
    });
  }
}

defineGroup(defs);
