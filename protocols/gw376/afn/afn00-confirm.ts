/**
 * AFN00 confirm/deny (确认/否认), Q/GDW 376.1-2009 §5.5.1.3.1. p0.
 * F1 all confirmed, F2 all denied: no data. F3 per-item: AFN being confirmed (1 B), then repeated
 * {DA DT ERR} to the end of the data area (ERR 0 = OK, 1 = error).
 * F4 hardware security authentication error reply (硬件安全认证错误应答), terminal → master: error type
 * 1 B (1 signature check, 2 ciphertext check, 3 symmetric MAC verification failed), then 16 B (all FFH
 * for types 1/2; for type 3 the terminal's random number, 8 B, then the security module serial, 8 B).
 * Layout agreed by two public terminal firmwares (17 data bytes); listed as F4 by a 2009-era dissector.
 */
import { EncodeError } from '../../codec/errors.js';
import { daOfPns, dtOfFns, fnsOfDt, pnsOfDa } from '../data-id.js';
import type { UnitLayout } from '../registry.js';
import { registerAfn, registerFns } from '../registry.js';
import { bytes, compile, struct } from '../layout.js';

export const AFN_CONFIRM = 0x00;

export interface ConfirmItem {
  pns: number[];
  fns: number[];
  /** 0 = confirmed, 1 = error/denied (other values as sent). */
  err: number;
}

export interface PerItemConfirm {
  /** The AFN whose units are confirmed or denied. */
  afn: number;
  items: ConfirmItem[];
}

const perItem: UnitLayout<PerItemConfirm> = {
  decode(r) {
    r.need(1, 'AFN00 F3 confirmed AFN');
    const afn = r.u8();
    const items: ConfirmItem[] = [];
    while (r.remaining > 0) {
      r.need(5, 'AFN00 F3 item (DA DT ERR)');
      const da = r.u16();
      const dt = r.u16();
      items.push({ pns: pnsOfDa(da), fns: fnsOfDt(dt), err: r.u8() });
    }
    return { afn, items };
  },
  encode(w, v) {
    if (!Number.isInteger(v.afn) || v.afn < 0 || v.afn > 255) throw new EncodeError('afn', `${v.afn}`);
    w.u8(v.afn);
    for (const it of v.items) w.u16(daOfPns(it.pns)).u16(dtOfFns(it.fns)).u8(it.err);
  },
};

/** F4: error type, then 16 bytes (hex) whose meaning depends on it. */
const securityError = compile(struct({ errorType: 'u8', data: bytes(16) }), 'AFN00 F4');

registerAfn({ afn: AFN_CONFIRM, name: 'confirm/deny', nameZh: '确认∕否认', needsPw: false, needsTp: false, downFunction: 0, confirm: false });
registerFns([
  { afn: AFN_CONFIRM, fn: 1, name: 'all confirmed', nameZh: '全部确认', p0Only: true },
  { afn: AFN_CONFIRM, fn: 2, name: 'all denied', nameZh: '全部否认', p0Only: true },
  { afn: AFN_CONFIRM, fn: 3, name: 'confirm/deny per item', nameZh: '按数据单元标识确认和否认', p0Only: true, down: perItem, up: perItem },
  { afn: AFN_CONFIRM, fn: 4, name: 'hardware security authentication error', nameZh: '硬件安全认证错误应答', p0Only: true, down: securityError, up: securityError },
]);
