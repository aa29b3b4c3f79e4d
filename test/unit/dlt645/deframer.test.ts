import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseHex, toHex } from '../../../protocols/codec/hex.js';
import { ProtocolError } from '../../../protocols/codec/errors.js';
import { Dlt645Deframer, decodeFrame, decodeFrameMessage, type DiscardedSpan, type Dlt645Frame } from '../../../protocols/dlt645/index.js';
import { vectors } from './vectors.js';

const frames = vectors.filter((v) => v.checksum_ok).map((v) => parseHex(v.hex));

function collect(): { d: Dlt645Deframer; got: string[]; discards: DiscardedSpan[] } {
  const got: string[] = [];
  const discards: DiscardedSpan[] = [];
  const d = new Dlt645Deframer({ onFrame: (f: Dlt645Frame) => got.push(f.hex), onDiscard: (s) => discards.push(s) });
  return { d, got, discards };
}

const bare = (b: Buffer): string => toHex(decodeFrame(b).bytes());

describe('DL/T 645 deframer', () => {
  it('yields every vector frame from one concatenated stream, FE preambles skipped silently', () => {
    const { d, got, discards } = collect();
    d.push(Buffer.concat(frames));
    expect(got).toEqual(frames.map(bare));
    expect(discards).toEqual([]);
  });

  it('yields the same frames when the stream arrives one byte at a time', () => {
    const { d, got } = collect();
    const all = Buffer.concat(frames);
    for (const b of all) d.push(Buffer.from([b]));
    expect(got).toEqual(frames.map(bare));
  });

  it('resynchronises after garbage, a duplicated 68H, a truncated frame and a bad checksum, reporting each span', () => {
    const f1 = frames[1]!;
    const f2 = frames[3]!;
    const badCs = Buffer.from(f1);
    badCs[badCs.length - 2] = badCs[badCs.length - 2]! ^ 0xff;
    const truncated = f2.subarray(0, 9);
    const stream = Buffer.concat([Buffer.from([0x01, 0x02, 0x68]), f1, truncated, badCs, Buffer.from([0x68]), f2]);
    const { d, got, discards } = collect();
    d.push(stream);
    d.flush();
    expect(got).toEqual([bare(f1), bare(f2)]);
    const discarded = discards.reduce((n, s) => n + s.length, 0);
    expect(discarded).toBe(3 + truncated.length + badCs.length + 1);
    expect(discards[0]!.hex.startsWith('01 02 68')).toBe(true);
  });

  it('holds a partial frame until its remaining bytes arrive', () => {
    const { d, got } = collect();
    const f = frames[3]!;
    d.push(f.subarray(0, 20));
    expect(got).toEqual([]);
    expect(d.buffered).toBe(20);
    d.push(f.subarray(20));
    expect(got).toEqual([bare(f)]);
    expect(d.buffered).toBe(0);
  });

  it('flush() gives up a frame that will never complete and finds frames inside it', () => {
    const { d, got, discards } = collect();
    const f = frames[1]!;
    // A false start whose L claims 255 bytes, followed by a real frame.
    d.push(Buffer.concat([parseHex('68 11 11 11 11 11 11 68 91 FF'), f]));
    expect(got).toEqual([]);
    d.flush();
    expect(got).toEqual([bare(f)]);
    expect(discards.reduce((n, s) => n + s.length, 0)).toBe(10);
  });

  it('never throws and never loses a valid frame embedded in random noise (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.uint8Array({ maxLength: 40 }), fc.integer({ min: 0, max: frames.length - 1 })), { maxLength: 8 }),
        fc.integer({ min: 1, max: 64 }),
        (parts, chunk) => {
          const stream = Buffer.concat(parts.flatMap(([noise, i]) => [Buffer.from(noise), frames[i]!]));
          const { d, got } = collect();
          for (let p = 0; p < stream.length; p += chunk) d.push(stream.subarray(p, p + chunk));
          d.flush();
          // Every yielded frame is valid; held memory is bounded.
          for (const h of got) expect(() => decodeFrame(parseHex(h))).not.toThrow();
          expect(d.buffered).toBe(0);
          // Noise can swallow a frame only by forming a longer valid frame; with random noise that is
          // rare, so at least the last inserted frame (after its noise) must come out intact.
          if (parts.length) expect(got).toContain(bare(frames[parts[parts.length - 1]![1]]!));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('DL/T 645 decoder fuzzing', () => {
  it('random bytes only ever give typed errors or frames', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          const f = decodeFrame(Buffer.from(bytes));
          decodeFrameMessage(f);
        } catch (e) {
          expect(e).toBeInstanceOf(ProtocolError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('mutated vector frames only ever give typed errors or decodable messages', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: frames.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (i, muts, fixCs) => {
          const b = Buffer.from(frames[i]!);
          for (const [pos, val] of muts) b[pos % b.length] = val;
          if (fixCs) {
            // Recompute CS so the mutation reaches the message layer.
            let p = 0;
            while (b[p] === 0xfe) p++;
            const l = b[p + 9];
            if (l !== undefined && p + 12 + l <= b.length) {
              let cs = 0;
              for (let k = p; k < p + 10 + l; k++) cs += b[k]!;
              b[p + 10 + l] = cs & 0xff;
            }
          }
          try {
            decodeFrameMessage(decodeFrame(b));
          } catch (e) {
            expect(e).toBeInstanceOf(ProtocolError);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('DL/T 645 deframer preamble', () => {
  it('reports the FE wake-up bytes in front of each frame', () => {
    const pre: number[] = [];
    const d = new Dlt645Deframer({ onFrame: (f) => pre.push(f.preamble) });
    const f = frames[1]!;
    d.push(Buffer.concat([Buffer.from([0xfe, 0xfe, 0xfe, 0xfe]), f, f, Buffer.from([0xfe, 0xfe]), f]));
    expect(pre).toEqual([4, 0, 2]);
  });
});
