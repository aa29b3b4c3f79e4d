import { describe, expect, it } from 'vitest';
import { describeDifference, diffF10, f10Record, f10Values, viewOf } from '../../../src/archive/f10-sync.js';

const meter = (pn: number, over: Partial<Parameters<typeof f10Record>[0]> = {}) => ({ pn, address: `1010000100${String(pn).padStart(2, '0')}`, port: 2, baud: 2400, protocol: 'dlt645-2007', tariffCount: 4, ...over });

describe('F10 sync: pure part', () => {
  it('builds F10 records (configuration number = Pn) in units of at most 100', () => {
    const r = f10Record(meter(5, { baud: 9600, protocol: 'dlt645-1997' }));
    expect(r).toMatchObject({ seq: 5, pn: 5, portBaud: { port: 2, baud: 6 }, protocol: 1, address: '101000010005', tariffs: { count: 4, reserved: 0 } });
    expect(f10Values([r, f10Record(meter(6))])).toEqual([{ n: 2, meters: [r, f10Record(meter(6))] }]);
    expect(f10Values(Array.from({ length: 250 }, (_, i) => f10Record(meter(i + 1)))).map((x) => x.n)).toEqual([100, 100, 50]);
  });

  it('reports missing, extra and mismatching Pn with the fields that differ', () => {
    const archive = [1, 2, 3, 4].map((pn) => f10Record(meter(pn)));
    const terminal = [
      f10Record(meter(1)),
      f10Record(meter(2, { address: '999999999999', baud: 1200 })),
      f10Record(meter(4, { tariffCount: 8 })),
      f10Record(meter(7)),
      { ...f10Record(meter(9)), pn: 0 },
    ];
    const d = diffF10(archive, terminal);
    expect(d.map((x) => [x.pn, x.kind, x.fields?.map((f) => f.field)])).toEqual([
      [2, 'mismatch', ['address', 'baud']],
      [3, 'missing', undefined],
      [4, 'mismatch', ['tariffs']],
      [7, 'extra', undefined],
    ]);
    expect(d.map(describeDifference)).toEqual([
      'P2 mismatch: address archive 101000010002, terminal 999999999999; baud archive 2400, terminal 1200',
      'P3 missing in the terminal (archive: meter 101000010003)',
      'P4 mismatch: tariffs archive 4, terminal 8',
      'P7 extra in the terminal (meter 101000010007, not in the archive)',
    ]);
    expect(diffF10(archive, archive)).toEqual([]);
  });

  it('names protocols and shows records as compared (viewOf)', () => {
    const [d] = diffF10([f10Record(meter(3))], [f10Record(meter(3, { protocol: 'dlt645-1997' }))]);
    expect(describeDifference(d!)).toBe('P3 mismatch: protocol archive dlt645-2007, terminal dlt645-1997');
    expect(viewOf({ ...f10Record(meter(4)), protocol: 2, portBaud: { port: 1, baud: 0 } })).toEqual({ seq: 4, pn: 4, address: '101000010004', port: 1, baud: 'default', protocol: 'code 2', tariffs: 4 });
  });
});
