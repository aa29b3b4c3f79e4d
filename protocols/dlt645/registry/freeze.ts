/**
 * DI class 05: freeze data (冻结量), DL/T 645-2007 附录A 表A.6.
 * DI2 = freeze kind (00 timed, 01 instant, 02 time-zone switch, 03 day-table switch, 04 hourly,
 * 06 daily), DI1 = item (00 freeze time, 01.. energy blocks, 09/0A demand blocks),
 * DI0 = last 1..N. Series are generated like the energy group.
 *
 * UNVERIFIED: the series lengths (timed 12, instant 3, switch 2, hourly 254, daily 62) and the
 * demand blocks 09/0A are as commonly reproduced; the digest lists 0506/0504/0500 items only.
 */
import { defineGroup } from './store.js';
import { ENERGY, ENERGY_SIGNED, one, time } from './formats.js';
import { demandWithTime } from './demand.js';
import type { DiDefinition, FieldFormat } from './types.js';

const defs: DiDefinition[] = [];

const BLOCKS: [number, string, string, string, FieldFormat][] = [
  [0x01, 'forward active energy', '正向有功电能', 'kWh', ENERGY],
  [0x02, 'reverse active energy', '反向有功电能', 'kWh', ENERGY],
  [0x03, 'combined reactive 1 energy', '组合无功1电能', 'kvarh', ENERGY_SIGNED],
  [0x04, 'combined reactive 2 energy', '组合无功2电能', 'kvarh', ENERGY_SIGNED],
  [0x05, 'quadrant I reactive energy', '第一象限无功电能', 'kvarh', ENERGY],
  [0x06, 'quadrant II reactive energy', '第二象限无功电能', 'kvarh', ENERGY],
  [0x07, 'quadrant III reactive energy', '第三象限无功电能', 'kvarh', ENERGY],
  [0x08, 'quadrant IV reactive energy', '第四象限无功电能', 'kvarh', ENERGY],
];

function series(di2: number, last: number, name: string, zh: string): void {
  for (let n = 1; n <= last; n++) {
    const base = 0x05000000 | (di2 << 16) | n;
    defs.push({ di: base, name: `${name} time, last-${n}`, nameZh: `(上${n}次)${zh}时间`, unit: '', access: 'r', fields: one(time('YYMMDDhhmm')) });
    for (const [item, what, whatZh, unit, format] of BLOCKS) {
      defs.push({
        di: base | (item << 8),
        name: `${name} ${what} block (total + tariffs), last-${n}`,
        nameZh: `(上${n}次)${zh}${whatZh}数据`,
        unit,
        access: 'r',
        fields: one(format),
        repeat: 'tariffs',
      });
    }
    for (const [item, what, whatZh] of [[0x09, 'forward active', '正向有功'], [0x0a, 'reverse active', '反向有功']] as const) {
      defs.push({
        di: base | (item << 8),
        name: `${name} ${what} max demand and time block, last-${n}`,
        nameZh: `(上${n}次)${zh}${whatZh}最大需量及发生时间数据`,
        unit: 'kW',
        access: 'r',
        fields: demandWithTime(),
        repeat: 'tariffs',
      });
    }
  }
}

series(0x00, 12, 'timed freeze', '定时冻结');
series(0x01, 3, 'instant freeze', '瞬时冻结');
series(0x02, 2, 'time-zone table switch freeze', '两套时区表切换');
series(0x03, 2, 'day-table switch freeze', '两套日时段表切换');
series(0x06, 62, 'daily freeze', '日冻结');

// Hourly (整点) freeze: time + forward/reverse active totals only (digest §5.2, totals UNVERIFIED).
for (let n = 1; n <= 254; n++) {
  const base = 0x05040000 | n;
  defs.push({ di: base, name: `hourly freeze time, last-${n}`, nameZh: `(上${n}次)整点冻结时间`, unit: '', access: 'r', fields: one(time('YYMMDDhhmm')) });
  defs.push({ di: base | 0x0100, name: `hourly freeze forward active total, last-${n}`, nameZh: `(上${n}次)整点冻结正向有功总电能`, unit: 'kWh', access: 'r', fields: one(ENERGY) });
  defs.push({ di: base | 0x0200, name: `hourly freeze reverse active total, last-${n}`, nameZh: `(上${n}次)整点冻结反向有功总电能`, unit: 'kWh', access: 'r', fields: one(ENERGY) });
}

defineGroup(defs);
