/**
 * DI class 00: energy (电能量), DL/T 645-2007 附录A 表A.1.
 * DI2 = quantity, DI1 = tariff (00 total, 01..3F rates, FF block), DI0 = settlement (00 current, 01..0C last 1..12).
 */
import { defineGroup } from './store.js';
import { ENERGY, ENERGY_SIGNED, one } from './formats.js';
import type { DiDefinition } from './types.js';

const QUANTITIES: [number, string, string, string, boolean][] = [
  [0x00, 'combined active energy', '组合有功电能', 'kWh', true],
  [0x01, 'forward active energy', '正向有功电能', 'kWh', false],
  [0x02, 'reverse active energy', '反向有功电能', 'kWh', false],
  [0x03, 'combined reactive 1 energy', '组合无功1电能', 'kvarh', true],
  [0x04, 'combined reactive 2 energy', '组合无功2电能', 'kvarh', true],
  [0x05, 'quadrant I reactive energy', '第一象限无功电能', 'kvarh', false],
  [0x06, 'quadrant II reactive energy', '第二象限无功电能', 'kvarh', false],
  [0x07, 'quadrant III reactive energy', '第三象限无功电能', 'kvarh', false],
  [0x08, 'quadrant IV reactive energy', '第四象限无功电能', 'kvarh', false],
  [0x09, 'forward apparent energy', '正向视在电能', 'kVAh', false],
  [0x0a, 'reverse apparent energy', '反向视在电能', 'kVAh', false],
];

const RATE_NAMES = ['total', 'tariff 1 (sharp)', 'tariff 2 (peak)', 'tariff 3 (flat)', 'tariff 4 (valley)'];
const RATE_ZH = ['总', '费率1(尖)', '费率2(峰)', '费率3(平)', '费率4(谷)'];

const defs: DiDefinition[] = [];
for (const [q, name, zh, unit, signed] of QUANTITIES) {
  const format = signed ? ENERGY_SIGNED : ENERGY;
  // Current (DI0=00) and last 1..12 settlements (DI0=01..0C).
  for (let period = 0; period <= 12; period++) {
    const when = period === 0 ? '' : `, last-${period} settlement`;
    const whenZh = period === 0 ? '' : `(上${period}结算日)`;
    for (let rate = 0; rate <= 4; rate++) {
      // Per-rate items of past settlements are rarely read; keep total + 4 rates for current and last-1.
      if (rate > 0 && period > 1) continue;
      defs.push({
        di: (q << 16) | (rate << 8) | period,
        name: `${name} ${RATE_NAMES[rate]}${when}`,
        nameZh: `${zh}${RATE_ZH[rate]}${whenZh}`,
        unit,
        access: 'r',
        fields: one(format),
      });
    }
    // Block: total + as many tariffs as the meter has (数据块, DI1 = FF).
    defs.push({
      di: (q << 16) | (0xff << 8) | period,
      name: `${name} block (total + tariffs)${when}`,
      nameZh: `${zh}数据块${whenZh}`,
      unit,
      access: 'r',
      fields: one(format),
      repeat: 'tariffs',
    });
  }
}

defineGroup(defs);
