/**
 * AFN02 link interface check (链路接口检测), Q/GDW 376.1-2009 §5.5.1.3.3. Uplink, p0, CON=1;
 * the master answers AFN00 F1. 2009: no data. Some 2013-era terminals append the terminal clock (A.1)
 * to the heartbeat — UNVERIFIED (no primary source found); decoded only for revision 2013 when 6 bytes
 * are present, and written whenever `clock` is given.
 */
import type { ClockA1 } from './common.js';
import { readA1, writeA1 } from './common.js';
import type { UnitLayout } from '../registry.js';
import { registerAfn, registerFns } from '../registry.js';

export const AFN_LINK = 0x02;

export interface HeartbeatData {
  clock?: ClockA1 | null;
}

const heartbeat: UnitLayout<HeartbeatData | undefined> = {
  decode(r, ctx) {
    if (ctx.revision === 2013 && r.remaining >= 6) return { clock: readA1(r, 'AFN02 F3 clock') };
    return undefined;
  },
  encode(w, v) {
    if (v && v.clock !== undefined) writeA1(w, v.clock, 'AFN02 F3 clock');
  },
};

registerAfn({ afn: AFN_LINK, name: 'link interface check', nameZh: '链路接口检测', needsPw: false, needsTp: false, downFunction: 9, confirm: true });
registerFns([
  { afn: AFN_LINK, fn: 1, name: 'login', nameZh: '登录', p0Only: true },
  { afn: AFN_LINK, fn: 2, name: 'logout', nameZh: '退出登录', p0Only: true },
  { afn: AFN_LINK, fn: 3, name: 'heartbeat', nameZh: '心跳', p0Only: true, up: heartbeat },
]);
