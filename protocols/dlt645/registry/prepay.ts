/**
 * Prepayment (费控) items of smart prepaid meters (State Grid 备案 additions to DL/T 645-2007).
 *
 * 00900200 (remaining money) is seen in the Java simulator vector (request only). Everything else
 * here is UNVERIFIED: DIs and formats as commonly reproduced, not found in a public table.
 * Purchase records 0333xxxx: DI1 = item, DI0 = last 1..10.
 */
import { defineGroup } from './store.js';
import { bcd, one, time } from './formats.js';
import type { DiDefinition } from './types.js';

const MONEY = bcd(4, 2);
const defs: DiDefinition[] = [
  { di: 0x00900100, name: 'remaining energy', nameZh: '(当前)剩余电量', unit: 'kWh', access: 'r', fields: one(bcd(4, 2)) },
  { di: 0x00900101, name: 'overdraft energy', nameZh: '(当前)透支电量', unit: 'kWh', access: 'r', fields: one(bcd(4, 2)) },
  { di: 0x00900200, name: 'remaining money', nameZh: '(当前)剩余金额', unit: 'yuan', access: 'r', fields: one(MONEY) },
  { di: 0x00900201, name: 'overdraft money', nameZh: '(当前)透支金额', unit: 'yuan', access: 'r', fields: one(MONEY) },
];

const PURCHASE: [number, string, string, string, ReturnType<typeof bcd>][] = [
  [0x02, 'total purchase count after purchase', '购电后总购电次数', 'times', bcd(2)],
  [0x03, 'purchase amount', '购电金额', 'yuan', MONEY],
  [0x04, 'remaining money before purchase', '购电前剩余金额', 'yuan', MONEY],
  [0x05, 'remaining money after purchase', '购电后剩余金额', 'yuan', MONEY],
  [0x06, 'cumulative purchase money after purchase', '购电后累计购电金额', 'yuan', MONEY],
];
for (let n = 1; n <= 10; n++) {
  defs.push({ di: 0x03330100 | n, name: `purchase date, last-${n}`, nameZh: `(上${n}次)购电日期`, unit: '', access: 'r', fields: one(time('YYMMDDhhmm')) });
  for (const [item, name, zh, unit, format] of PURCHASE) {
    defs.push({ di: 0x03330000 | (item << 8) | n, name: `${name}, last-${n}`, nameZh: `(上${n}次)${zh}`, unit, access: 'r', fields: one(format) });
  }
}

defineGroup(defs);
