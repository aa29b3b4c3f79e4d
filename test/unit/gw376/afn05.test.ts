import { describe, expect, it } from 'vitest';
import { AFN05_FNS } from '../../../protocols/gw376/afn/afn05-control.js';
import { decodeMessage, encodeMessage } from '../../../protocols/gw376/message.js';
import type { KnownUnit } from '../../../protocols/gw376/message.js';
import { checkAllRoundTrip, vectorsOf } from './formats-arb.js';

describe('AFN05 control', () => {
  it('decodes the captured controls (trip, allow close, keep power on/off, alarm off, clock set)', () => {
    const got = new Map<number, unknown>();
    for (const v of vectorsOf(0x05)) {
      const u = decodeMessage(Buffer.from(v.hex, 'hex')).units[0] as KnownUnit;
      got.set(u.fn, u.data);
    }
    expect(got.get(1)).toEqual({ turn: { alarmDelay: 0, limitTime: 0 } });
    expect(got.get(2)).toBeUndefined();
    expect(got.get(25)).toEqual({ halfHours: 0 });
    expect(got.get(33)).toBeUndefined();
    expect(got.get(31)).toEqual({ clock: { year: 2015, month: 3, day: 12, hour: 10, minute: 30, second: 55, weekday: 4 } });
  });

  it('control frames with PW re-encode byte-exact', () => {
    for (const v of vectorsOf(0x05).filter((x) => x.fns[0] !== 31)) {
      expect(encodeMessage(decodeMessage(Buffer.from(v.hex, 'hex'))).toString('hex').toUpperCase(), v.source).toBe(v.hex.toUpperCase());
    }
  });

  it('property: every AFN05 layout round-trips; all Fns named', () => {
    for (const e of AFN05_FNS) expect(e.name && e.nameZh).toBeTruthy();
    checkAllRoundTrip(AFN05_FNS, 50);
  });
});
