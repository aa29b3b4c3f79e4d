/**
 * AFN0A query parameters (查询参数), Q/GDW 376.1-2009 §5.10. The reply (uplink) of each Fn carries
 * exactly the AFN04 layout of the same Fn (defined once in afn04-set-params.ts). Requests carry only
 * DA/DT, except F10 which selects meter configurations: n (2 B) then n configuration numbers (2 B each).
 */
import { registerAfn, registerFns } from '../registry.js';
import type { FnEntry } from '../registry.js';
import { array, compile, struct } from '../layout.js';
import { AFN04_FNS } from './afn04-set-params.js';

export const AFN_QUERY_PARAMS = 0x0a;

/** F10 query selector: the configuration numbers (配置序号) wanted. */
export const F10_QUERY = compile(struct({ n: 'u16', seqs: array('u16', 'n', 0, 8) }), 'AFN0A F10 (request)');

const DOWN: Record<number, FnEntry['down']> = { 10: F10_QUERY };

export const AFN0A_FNS: FnEntry[] = AFN04_FNS.map((e) => ({
  afn: AFN_QUERY_PARAMS,
  fn: e.fn,
  name: e.name,
  nameZh: e.nameZh,
  up: e.down,
  ...(DOWN[e.fn] ? { down: DOWN[e.fn] } : {}),
  ...(e.p0Only ? { p0Only: true } : {}),
}));

registerAfn({
  afn: AFN_QUERY_PARAMS,
  name: 'query parameters',
  nameZh: '查询参数',
  needsPw: false,
  needsTp: false,
  downFunction: 11,
  confirm: false,
});
registerFns(AFN0A_FNS);
