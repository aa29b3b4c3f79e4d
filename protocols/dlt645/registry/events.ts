/**
 * DI class 03 (event records, 事件记录, DL/T 645-2007 附录A 表A.4) and the smart-meter event
 * classes 10..1F (备案 additions). DI0 = 00 count (or counts), 01..0A = last 1..10 records.
 *
 * Sources: 600888/dlt645 `event_record_types.json` (03010000 and the 0301xxxx loss-of-voltage
 * record layout), the Java simulator in the vectors (03300D00, 1D000001). Record layouts marked
 * UNVERIFIED are as commonly reproduced from the standard and were not checked against its text.
 */
import { defineGroup } from './store.js';
import { COUNT, CURRENT, di, digits, ENERGY, fields, MINUTES, one, POWER, POWER_FACTOR, time, VOLTAGE, DEMAND } from './formats.js';
import type { DiDefinition, FieldSpec } from './types.js';

const defs: DiDefinition[] = [];
const STAMP = time('YYMMDDhhmmss');
const OPERATOR = digits(4);
const LAST_N = 10;

function count(diNum: number, name: string, nameZh: string): void {
  defs.push({ di: diNum, name, nameZh, unit: 'times', access: 'r', fields: one(COUNT) });
}
function records(base: number, name: string, nameZh: string, f: readonly FieldSpec[]): void {
  for (let n = 1; n <= LAST_N; n++) {
    defs.push({ di: base + n, name: `${name}, last-${n}`, nameZh: `(上${n}次)${nameZh}`, unit: '', access: 'r', fields: f });
  }
}

// 0311: power-down (掉电). Record = start + end.
count(0x03110000, 'power-down total count', '掉电总次数');
records(0x03110000, 'power-down record', '掉电记录', fields(['start', STAMP], ['end', STAMP]));

// 0301: loss of voltage (失压), per 600888 event_record_types.json.
defs.push({
  di: 0x03010000,
  name: 'phase A/B/C loss-of-voltage counts and cumulative times',
  nameZh: 'A/B/C相失压总次数,总累计时间',
  unit: '',
  access: 'r',
  fields: fields(['aCount', COUNT], ['aMinutes', MINUTES], ['bCount', COUNT], ['bMinutes', MINUTES], ['cCount', COUNT], ['cMinutes', MINUTES]),
});
const phaseSnapshot = (p: string): [string, typeof ENERGY][] => [
  [`${p}ForwardActive`, ENERGY], [`${p}ReverseActive`, ENERGY], [`${p}CombinedReactive1`, ENERGY], [`${p}CombinedReactive2`, ENERGY],
  [`${p}Voltage`, VOLTAGE], [`${p}Current`, CURRENT], [`${p}ActivePower`, POWER], [`${p}ReactivePower`, POWER], [`${p}PowerFactor`, POWER_FACTOR],
];
const LOSS_OF_VOLTAGE = fields(
  ['start', STAMP], ['end', STAMP],
  ['forwardActiveTotal', ENERGY], ['reverseActiveTotal', ENERGY], ['combinedReactive1Total', ENERGY], ['combinedReactive2Total', ENERGY],
  ...phaseSnapshot('a'), ...phaseSnapshot('b'), ...phaseSnapshot('c'),
  ['ampereHoursTotal', ENERGY], ['ampereHoursA', ENERGY], ['ampereHoursB', ENERGY], ['ampereHoursC', ENERGY],
);
(['A', 'B', 'C'] as const).forEach((p, i) => {
  records(0x03010000 | ((i + 1) << 8), `phase ${p} loss-of-voltage record`, `${p}相失压记录`, LOSS_OF_VOLTAGE);
});

// 0330: programming / clear / time-set / cover events.
count(0x03300000, 'programming total count', '编程总次数');
records(0x03300000, 'programming record (time, operator, up to 10 DIs)', '编程记录',
  fields(['time', STAMP], ['operator', OPERATOR], ...Array.from({ length: 10 }, (_, i): [string, ReturnType<typeof di>] => [`di${i + 1}`, di(4)])));

// UNVERIFIED layout: energies before clearing = total fwd/rev active + Q1..Q4, then phases A, B, C.
const SIX = ['ForwardActive', 'ReverseActive', 'ReactiveQ1', 'ReactiveQ2', 'ReactiveQ3', 'ReactiveQ4'];
const energiesOf = (prefix: string): [string, typeof ENERGY][] => SIX.map((s) => [`${prefix}${s}`, ENERGY]);
count(0x03300100, 'meter clear total count', '电表清零总次数');
records(0x03300100, 'meter clear record', '电表清零记录',
  fields(['time', STAMP], ['operator', OPERATOR], ...energiesOf('total'), ...energiesOf('a'), ...energiesOf('b'), ...energiesOf('c')));

// UNVERIFIED layout: 24 demand+time pairs (same order as the meter-clear energies).
const demandsOf = (prefix: string): [string, typeof DEMAND][] =>
  SIX.flatMap((s): [string, typeof DEMAND][] => [[`${prefix}${s}Demand`, DEMAND], [`${prefix}${s}Time`, time('YYMMDDhhmm')]]);
count(0x03300200, 'demand clear total count', '需量清零总次数');
records(0x03300200, 'demand clear record', '需量清零记录',
  fields(['time', STAMP], ['operator', OPERATOR], ...demandsOf('total'), ...demandsOf('a'), ...demandsOf('b'), ...demandsOf('c')));

count(0x03300300, 'event clear total count', '事件清零总次数');
records(0x03300300, 'event clear record (time, operator, cleared DI)', '事件清零记录',
  fields(['time', STAMP], ['operator', OPERATOR], ['clearedDi', di(4)]));

count(0x03300400, 'time-set total count', '校时总次数');
records(0x03300400, 'time-set record (operator, before, after)', '校时记录',
  fields(['operator', OPERATOR], ['before', STAMP], ['after', STAMP]));

// UNVERIFIED layout: start, end, 6 total energies before and 6 after.
const COVER = fields(['start', STAMP], ['end', STAMP], ...energiesOf('before'), ...energiesOf('after'));
count(0x03300d00, 'meter cover open total count', '开表盖总次数');
records(0x03300d00, 'meter cover open record', '开表盖记录', COVER);
count(0x03300e00, 'terminal cover open total count', '开端钮盒总次数');
records(0x03300e00, 'terminal cover open record', '开端钮盒记录', COVER);

// 10..1F smart-meter event classes (备案). UNVERIFIED (digest §5.2 and commonly reproduced tables):
// DI2 = phase (00 total/none, 01..03 A..C), 0001 = count, 0002 = cumulative time (min).
const PHASE_EVENTS: [number, string, string][] = [
  [0x10, 'loss of voltage', '失压'], [0x11, 'under-voltage', '欠压'], [0x12, 'over-voltage', '过压'], [0x13, 'phase break', '断相'],
  [0x18, 'loss of current', '失流'], [0x19, 'over-current', '过流'], [0x1a, 'current break', '断流'], [0x1b, 'power reverse', '潮流反向'],
  [0x1c, 'overload', '过载'],
];
for (const [cls, name, zh] of PHASE_EVENTS) {
  (['A', 'B', 'C'] as const).forEach((p, i) => {
    const base = (cls << 24) | ((i + 1) << 16);
    count(base | 1, `phase ${p} ${name} total count`, `${p}相${zh}总次数`);
    defs.push({ di: base | 2, name: `phase ${p} ${name} cumulative time`, nameZh: `${p}相${zh}总累计时间`, unit: 'min', access: 'r', fields: one(MINUTES) });
  });
}
count(0x10000001, 'loss of voltage total count', '失压总次数');
defs.push({ di: 0x10000002, name: 'loss of voltage total cumulative time', nameZh: '失压总累计时间', unit: 'min', access: 'r', fields: one(MINUTES) });
const NO_PHASE_EVENTS: [number, string, string][] = [
  [0x14, 'voltage reverse phase sequence', '电压逆相序'], [0x15, 'current reverse phase sequence', '电流逆相序'],
  [0x16, 'voltage imbalance', '电压不平衡'], [0x17, 'current imbalance', '电流不平衡'],
];
for (const [cls, name, zh] of NO_PHASE_EVENTS) {
  count((cls << 24) | 1, `${name} total count`, `${zh}总次数`);
  defs.push({ di: (cls << 24) | 2, name: `${name} cumulative time`, nameZh: `${zh}总累计时间`, unit: 'min', access: 'r', fields: one(MINUTES) });
}

// 1D trip (跳闸) / 1E close (合闸). 1D000001 count seen in the Java simulator vector.
// UNVERIFIED record DIs: DI1 = 01 time, 02 operator, FF whole record; DI0 = last 1..10.
// Whole record: time, operator, forward/reverse active total and Q1..Q4 reactive totals.
for (const [cls, name, zh] of [[0x1d, 'relay trip', '跳闸'], [0x1e, 'relay close', '合闸']] as const) {
  const base = cls << 24;
  count(base | 1, `${name} total count`, `${zh}总次数`);
  for (let n = 1; n <= LAST_N; n++) {
    defs.push({ di: base | 0x0100 | n, name: `${name} time, last-${n}`, nameZh: `(上${n}次)${zh}发生时刻`, unit: '', access: 'r', fields: one(STAMP) });
    defs.push({ di: base | 0x0200 | n, name: `${name} operator, last-${n}`, nameZh: `(上${n}次)${zh}操作者代码`, unit: '', access: 'r', fields: one(OPERATOR) });
    defs.push({
      di: base | 0xff00 | n,
      name: `${name} record, last-${n}`,
      nameZh: `(上${n}次)${zh}记录`,
      unit: '',
      access: 'r',
      fields: fields(['time', STAMP], ['operator', OPERATOR], ...energiesOf('total')),
    });
  }
}

defineGroup(defs);
