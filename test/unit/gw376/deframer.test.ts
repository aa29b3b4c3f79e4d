import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataError, EncodeError, FrameError } from '../../../protocols/codec/index.js';
import type { DiscardedSpan, Gw376Frame } from '../../../protocols/gw376/index.js';
import { Gw376Deframer, allFns, decodeFrame, decodeMessage, encodeFrame, encodeMessage } from '../../../protocols/gw376/index.js';
import { bytesOf, vectors } from './vectors.js';

const all = vectors.map(bytesOf);

function run(chunks: Buffer[], opts: ConstructorParameters<typeof Gw376Deframer>[0] = {}) {
  const frames: string[] = [];
  const discards: DiscardedSpan[] = [];
  const d = new Gw376Deframer({ ...opts, onFrame: (f: Gw376Frame) => frames.push(f.bytes().toString('hex')), onDiscard: (s) => discards.push(s) });
  for (const c of chunks) d.push(c);
  d.flush();
  return { frames, discards, d };
}

function split(b: Buffer, cuts: number[]): Buffer[] {
  const pts = [...new Set(cuts.map((c) => c % (b.length + 1)))].sort((x, y) => x - y);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of pts) {
    out.push(b.subarray(prev, p));
    prev = p;
  }
  out.push(b.subarray(prev));
  return out;
}

describe('deframer', () => {
  it('all 74 vectors back to back, fed one byte at a time', () => {
    const stream = Buffer.concat(all);
    const { frames, discards } = run([...stream].map((x) => Buffer.of(x)));
    expect(frames).toEqual(all.map((b) => b.toString('hex')));
    expect(discards).toEqual([]);
  });
  it('skips FE preambles silently and reports garbage with its hex', () => {
    const { frames, discards } = run([Buffer.from('FEFEFEFE', 'hex'), all[0]!, Buffer.from('0102', 'hex'), all[1]!]);
    expect(frames).toHaveLength(2);
    expect(discards).toEqual([{ reason: 'garbage', hex: '01 02', length: 2 }]);
  });
  it('resynchronises after a frame with a bad checksum, reporting it', () => {
    const bad = Buffer.from(all[0]!);
    bad[18] = bad[18]! ^ 0xff;
    const { frames, discards } = run([bad, all[1]!]);
    expect(frames).toEqual([all[1]!.toString('hex')]);
    expect(discards[0]!.reason).toBe('bad-checksum');
    expect(discards[0]!.length).toBe(20);
  });
  it('resynchronises when the two L fields disagree', () => {
    const bad = Buffer.from(all[0]!);
    bad[3] = 0x33;
    const { frames, discards } = run([bad, all[2]!]);
    expect(frames).toEqual([all[2]!.toString('hex')]);
    expect(discards[0]!.reason).toBe('length-mismatch');
  });
  it('finds a frame hidden behind a false start (68 inside garbage)', () => {
    const { frames } = run([Buffer.from('68324068', 'hex'), all[0]!]);
    expect(frames).toEqual([all[0]!.toString('hex')]);
  });
  it('a bad end byte is reported and the next frame still found', () => {
    const bad = Buffer.from(all[0]!);
    bad[19] = 0x00;
    const { frames, discards } = run([bad, all[0]!]);
    expect(frames).toHaveLength(1);
    expect(discards[0]!.reason).toBe('bad-end');
  });
  it('flush reports a truncated frame; memory stays bounded under endless garbage', () => {
    const { discards } = run([all[27]!.subarray(0, 30)]);
    expect(discards).toEqual([expect.objectContaining({ reason: 'truncated', length: 30 })]);
    const d = new Gw376Deframer();
    const junk = Buffer.alloc(100_000, 0x55);
    for (let i = 0; i < 20; i++) d.push(junk);
    expect(d.buffered).toBe(0);
    expect(d.bytesDiscarded).toBe(2_000_000);
  });
  it('respects the radio limit', () => {
    const { frames } = run([all[52]!], { maxUserLength: 255 });
    expect(frames).toEqual([]);
  });
  it('feed() returns the frames completed by a chunk', () => {
    const d = new Gw376Deframer();
    expect(d.feed(all[0]!.subarray(0, 10))).toEqual([]);
    expect(d.feed(all[0]!.subarray(10)).map((f) => f.a2)).toEqual([2082]);
  });
  it('property: vectors with random garbage between them, in random chunks, all come out in order', () => {
    const garbage = fc.uint8Array({ maxLength: 30 }).map((g) => Buffer.from(g.filter((x) => x !== 0x68 && x !== 0xfe)));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: all.length - 1 }), garbage), { minLength: 1, maxLength: 15 }), fc.array(fc.nat(), { maxLength: 20 }), (items, cuts) => {
        const stream = Buffer.concat(items.flatMap(([i, g]) => [g, all[i]!]));
        const { frames, d } = run(split(stream, cuts));
        expect(frames).toEqual(items.map(([i]) => all[i]!.toString('hex')));
        expect(d.bytesDiscarded).toBe(items.reduce((n, [, g]) => n + g.length, 0));
      }),
      { numRuns: 200 },
    );
  });
});

describe('fuzz: deframer and decoder never hang and only emit frames or typed errors', () => {
  it('mutated vectors', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: all.length - 1 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), fc.nat(), (i, muts, cut) => {
        const b = Buffer.from(all[i]!);
        for (const [pos, val] of muts) b[pos % b.length] = val;
        const chunks = split(b, [cut]);
        const frames: Gw376Frame[] = [];
        const d = new Gw376Deframer({ onFrame: (f) => frames.push(f) });
        for (const c of chunks) d.push(c);
        d.flush();
        for (const f of frames) {
          try {
            decodeMessage(f);
          } catch (e) {
            expect(e instanceof DataError || e instanceof FrameError || e instanceof EncodeError).toBe(true);
          }
        }
        try {
          decodeMessage(b);
        } catch (e) {
          expect(e instanceof DataError || e instanceof FrameError).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (u) => {
        const b = Buffer.from(u);
        const d = new Gw376Deframer();
        d.push(b);
        d.flush();
        expect(d.buffered).toBe(0);
        try {
          decodeMessage(b);
        } catch (e) {
          expect(e instanceof DataError || e instanceof FrameError).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
  it('valid frames with mutated or random data units (CS recomputed): values or DataErrors, both editions', () => {
    const afns = [...new Set(allFns().map((e) => e.afn))];
    const header = (i: number) => {
      const f = decodeFrame(all[i]!);
      const h = { dir: f.dir, prm: f.prm, fcbAcd: f.fcbAcd, fcv: f.fcv, func: f.func, a1: f.a1, a2: f.a2, msa: f.msa, group: f.group, afn: f.afn, seq: f.seq, pw: f.pw, ec: f.ec, tp: f.tp };
      return { f, h };
    };
    const unitsOf = fc.oneof(
      // a vector's own data area with a few bytes changed
      fc.tuple(fc.integer({ min: 0, max: all.length - 1 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })).map(([i, muts]) => {
        const { f, h } = header(i);
        const data = Buffer.from(f.data);
        for (const [pos, val] of muts) if (data.length) data[pos % data.length] = val;
        return { h, data };
      }),
      // a registered AFN with random data bytes (DA/DT included) under a vector's header
      fc.tuple(fc.integer({ min: 0, max: all.length - 1 }), fc.constantFrom(...afns), fc.uint8Array({ minLength: 4, maxLength: 120 })).map(([i, afn, u]) => ({
        h: { ...header(i).h, afn },
        data: Buffer.from(u),
      })),
    );
    fc.assert(
      fc.property(unitsOf, fc.constantFrom(2009 as const, 2013 as const), ({ h, data }, revision) => {
        let b: Buffer;
        try {
          b = encodeFrame(h, data);
        } catch (e) {
          expect(e).toBeInstanceOf(EncodeError);
          return;
        }
        try {
          const m = decodeMessage(b, { revision });
          // what decodes re-encodes without throwing anything but an EncodeError
          try {
            encodeMessage(m);
          } catch (e) {
            expect(e).toBeInstanceOf(EncodeError);
          }
        } catch (e) {
          expect(e instanceof DataError || e instanceof FrameError).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
