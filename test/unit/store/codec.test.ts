/**
 * The byte formats under the store: value packing (exact, compact, nulls kept), CRC-32, the spool's
 * record framing (every cut and every flipped bit of a record is detected) and its payloads.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SERIES_KINDS, QUANTITIES, type QuantityName } from '../../../src/store/quantities.js';
import type { Reading, StoredEvent } from '../../../src/store/store.js';
import { crc32, crc32Table } from '../../../src/store/spool/crc32.js';
import { decodeEvents, decodeReadings, eventsRecord, readingsRecord } from '../../../src/store/spool/payload.js';
import { EVENTS, READINGS, openRecord, scanRecords } from '../../../src/store/spool/record.js';
import { maxPackedSize, packValues, packValuesToBuffer, packedAllNull, unpackValues } from '../../../src/store/value-codec.js';

const value = fc.oneof(
  fc.constant(null),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -1e9, max: 1e9 }).chain((n) => fc.integer({ min: 0, max: 6 }).map((s) => n / 10 ** s)),
);

describe('value packing', () => {
  it('gives back exactly what it packed (Object.is: -0, nulls, any finite double)', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 255 }), (vs) => {
        const buf = Buffer.alloc(maxPackedSize(vs.length) + 3, 0xaa);
        const end = packValues(vs, buf, 3);
        expect(end).toBeLessThanOrEqual(3 + maxPackedSize(vs.length));
        const u = unpackValues(buf, 3);
        expect(u.end).toBe(end);
        expect(u.values).toHaveLength(vs.length);
        u.values.forEach((v, i) => expect(Object.is(v, vs[i])).toBe(true));
        expect(packedAllNull(buf, 3)).toBe(vs.every((v) => v === null));
      }),
      { numRuns: 5000 },
    );
  });

  it('stores meter decimals as short varints', () => {
    expect(packValuesToBuffer([12345.6789, 3086.4197, 3086.42, 3086.4196, 3086.4196])).toHaveLength(2 + 5 * 4);
    expect(packValuesToBuffer([220.1, 219.9, 221])).toHaveLength(2 + 3 * 2);
    expect(packValuesToBuffer([0, 0, 0, 0, 0])).toHaveLength(2 + 5);
    expect(packValuesToBuffer([null, null, null])).toHaveLength(2);
    expect(packValuesToBuffer([1.5, null, 2.5, null])).toHaveLength(2 + 1 + 2);
    expect(packValuesToBuffer([1 / 3, 1])).toHaveLength(2 + 16); // float64 fallback
    expect(unpackValues(packValuesToBuffer([2 ** 53 - 1, -(2 ** 60)])).values).toEqual([2 ** 53 - 1, -(2 ** 60)]);
    // Found by the property above: each exact at its own scale, too large at the common one.
    for (const vs of [[-178494199247.8313, 9678.22234, 0], [-6661631938581.77, -0.001], [0.1, -2275021680575531, null]]) expect(unpackValues(packValuesToBuffer(vs)).values).toEqual(vs);
  });

  it('throws RangeError on malformed bytes, never loops or crashes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 40 }), (bytes) => {
        try {
          unpackValues(Buffer.from(bytes));
        } catch (e) {
          expect(e).toBeInstanceOf(RangeError);
        }
      }),
      { numRuns: 3000 },
    );
    const full = packValuesToBuffer([1234.5678, 2, 3]);
    for (let cut = 0; cut < full.length; cut++) expect(() => unpackValues(full.subarray(0, cut))).toThrow(RangeError);
  });
});

describe('CRC-32', () => {
  it('matches the check value and the portable table implementation', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32Table(Buffer.from('123456789'))).toBe(0xcbf43926);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        expect(crc32(b)).toBe(crc32Table(b));
      }),
    );
  });
});

const r = (meter: number, kind: Reading['kind'], quantity: QuantityName, time: number, values: (number | null)[], readAt?: number): Reading => {
  const x: Reading = { meter, kind, quantity, time, values, quality: meter % 3 === 0 ? 'estimated' : meter % 3 === 1 ? 'collected' : 'recollected' };
  if (readAt !== undefined) x.readAt = readAt;
  return x;
};

describe('spool records', () => {
  const t = Date.UTC(2024, 3, 30, 16);
  const batch = [r(1, 'day', 'ea_imp', t, [1.25, null, 3], t + 60_000), r(2_147_483_647, 'curve', 'p', t + 900_000, [-0.5, 0.1 + 0.2]), r(3, 'snapshot', 'u', t + 7_000, [null, null, null])];
  const events: StoredEvent[] = [{ terminal: 4, meter: 9, erc: 14, time: t, important: true, record: { a: [1, 'x'], b: null } }];

  it('round-trips readings and events exactly', () => {
    const rec = readingsRecord(batch, 1234);
    const { info, payload } = openRecord(Buffer.from(rec));
    expect(info).toEqual({ type: READINGS, count: 3, appendedAt: 1234 });
    expect(decodeReadings(payload, 3)).toEqual(batch);
    const er = openRecord(Buffer.from(eventsRecord(events, 5)));
    expect(er.info).toEqual({ type: EVENTS, count: 1, appendedAt: 5 });
    expect(decodeEvents(er.payload, 1)).toEqual(events);
  });

  it('round-trips every kind and quantity', () => {
    const all: Reading[] = [];
    for (const kind of SERIES_KINDS) for (const [name, def] of QUANTITIES) all.push(r(def.code, kind, name, t, def.fields.map((_, i) => i * 1.5)));
    expect(decodeReadings(openRecord(Buffer.from(readingsRecord(all, 0))).payload, all.length)).toEqual(all);
  });

  it('finds whole records and stops at any cut or flipped bit of the last one', () => {
    const a = readingsRecord(batch, 1);
    const b = eventsRecord(events, 2);
    const file = Buffer.concat([a, b]);
    expect(scanRecords(file).records.map((x) => [x.type, x.offset, x.length])).toEqual([
      [READINGS, 0, a.length],
      [EVENTS, a.length, b.length],
    ]);
    for (let cut = a.length; cut < file.length; cut++) {
      const s = scanRecords(file.subarray(0, cut));
      expect(s.records).toHaveLength(1);
      expect(s.problem?.offset ?? cut).toBe(a.length);
    }
    for (let bit = 0; bit < b.length * 8; bit++) {
      const f = Buffer.from(file);
      f[a.length + (bit >> 3)]! ^= 1 << (bit & 7);
      const s = scanRecords(f);
      expect(s.records).toHaveLength(1);
      expect(s.problem?.offset).toBe(a.length);
    }
  });
});
