import { describe, expect, it } from 'vitest';
import { AFN04_FNS } from '../../../protocols/gw376/afn/afn04-set-params.js';
import { AFN0A_FNS } from '../../../protocols/gw376/afn/afn0a-query-params.js';
import { BinaryReader } from '../../../protocols/codec/cursor.js';
import { decodeMessage, encodeMessage } from '../../../protocols/gw376/message.js';
import { checkAllRoundTrip, firstData, vectorsOf } from './formats-arb.js';

describe('AFN04 set parameters / AFN0A query parameters', () => {
  it('AFN0A replies share the AFN04 layouts; every Fn is named', () => {
    for (const e of AFN0A_FNS) {
      expect(e.up).toBe(AFN04_FNS.find((x) => x.fn === e.fn)!.down);
      expect(e.name && e.nameZh).toBeTruthy();
    }
  });

  it('F33 reading run parameters (telek capture)', () => {
    const v = vectorsOf(0x04).find((x) => x.fns[0] === 33)!;
    expect(firstData(v.hex)).toEqual({
      n: 1,
      ports: [
        {
          port: 1,
          control: 0x003f,
          days: Array.from({ length: 32 }, (_, i) => i + 1),
          readTime: { hour: 0, minute: 0 },
          intervalMinutes: 1,
          syncTime: { day: 0, hour: 0, minute: 0 },
          k: 1,
          periods: [{ start: { hour: 0, minute: 0 }, end: { hour: 23, minute: 0 } }],
        },
      ],
    });
  });

  it('F38 class-1 data configuration and F29 display number (captures)', () => {
    expect(firstData(vectorsOf(0x04).find((x) => x.fns[0] === 38)!.hex)).toEqual({
      bigClass: 1,
      m: 1,
      groups: [{ smallClass: 1, n: 1, bitmaps: 'FF' }],
    });
    expect(firstData(vectorsOf(0x04).find((x) => x.fns[0] === 29)!.hex)).toEqual({ displayNo: '123456' });
  });

  it('AFN04 F33/F38/F29 frames re-encode byte-exact', () => {
    for (const v of vectorsOf(0x04).filter((x) => [29, 33, 38].includes(x.fns[0]!))) {
      expect(encodeMessage(decodeMessage(Buffer.from(v.hex, 'hex'))).toString('hex').toUpperCase(), v.source).toBe(v.hex.toUpperCase());
    }
  });

  it('F10 meter configuration: 2 records of 27 bytes (AFN0A capture body)', () => {
    const v = vectorsOf(0x0a).find((x) => x.fns[0] === 10)!;
    const b = Buffer.from(v.hex, 'hex');
    // The capture is reply-shaped but flagged DIR=0; decode its unit body with the shared layout.
    const body = b.subarray(18, b.length - 2);
    const r = new BinaryReader(body);
    const f10 = AFN04_FNS.find((e) => e.fn === 10)!.down!;
    const d = f10.decode(r, { afn: 0x0a, fn: 10, pn: 0, dir: 'up', revision: 2009 }) as { n: number; meters: Record<string, unknown>[] };
    expect(r.pos).toBe(body.length);
    expect(d.n).toBe(2);
    expect(d.meters[0]).toEqual({
      seq: 1,
      pn: 1,
      portBaud: { port: 1, baud: 2 },
      protocol: 42,
      address: '111111111111',
      password: 'C701BDDE1900',
      tariffs: { count: 0, reserved: 0 },
      digits: { decimal: 0, integer: 0, reserved: 12 },
      collector: '333333333333',
      userClass: { small: 0, big: 0 },
    });
    expect(d.meters[1]!.address).toBe('222222222222');
    expect(d.meters[1]!.collector).toBe('555555555555');
  });

  it('property: every AFN04 / AFN0A layout round-trips', () => {
    checkAllRoundTrip(AFN04_FNS, 40);
    checkAllRoundTrip(AFN0A_FNS.filter((e) => e.down), 40);
  });
});
