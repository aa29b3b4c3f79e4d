import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameError, parseHex } from '../../../protocols/codec/index.js';
import {
  decodeFrame,
  decodeMessage,
  encodeFrame,
  functionCode,
  functionName,
  makeTp,
  tpExpired,
  MAX_USER_RADIO,
} from '../../../protocols/gw376/index.js';
import { bytesOf, vectors } from './vectors.js';

describe('376.1 frame: every vector', () => {
  for (const [i, v] of vectors.entries()) {
    it(`#${i} ${v.afn} ${v.direction} header matches (${v.source.slice(0, 50)})`, () => {
      const f = decodeFrame(bytesOf(v));
      const h = v.header;
      expect(f.userLength).toBe(h.L_user_len);
      expect(f.protocolId).toBe(h.protocol_id_bits);
      expect(f.revision).toBe(2009);
      expect(f.control).toBe(parseInt(h.C.raw, 16));
      expect(f.dir).toBe(h.C.DIR ? 'up' : 'down');
      expect(f.dir).toBe(v.direction);
      expect(f.prm).toBe(h.C.PRM === 1);
      expect(f.fcbAcd).toBe(h.C.FCB_ACD === 1);
      expect(f.fcv).toBe(h.C.FCV === 1);
      expect(f.func).toBe(h.C.FC);
      expect(f.a1).toBe(h.A1_area_bcd);
      expect(f.a2).toBe(h.A2_terminal);
      expect(f.group).toBe(h.A3.group === 1);
      expect(f.msa).toBe(h.A3.MSA);
      expect(f.afn).toBe(parseInt(v.afn, 16));
      expect(f.tpv).toBe(h.SEQ.TpV === 1);
      expect(f.fir).toBe(h.SEQ.FIR === 1);
      expect(f.fin).toBe(h.SEQ.FIN === 1);
      expect(f.con).toBe(h.SEQ.CON === 1);
      expect(f.seq).toBe(h.SEQ.PSEQ_RSEQ);
      expect(f.length).toBe(v.hex.length / 2);
    });
  }
});

describe('376.1 frame: AUX', () => {
  it('reset (AFN01) carries PW then Tp: PW 16x00, Tp PFC 0 13:53:28 day 7 delay 5', () => {
    const f = decodeFrame(bytesOf(vectors[25]!));
    expect(f.pw).toBe('00'.repeat(16));
    expect(f.tp).toEqual({ pfc: 0, sendTime: { day: 7, hour: 13, minute: 53, second: 28 }, delayMinutes: 5 });
    expect(f.ec).toBeUndefined();
    expect(f.dataEnd - f.dataStart).toBe(4);
  });
  it('uplink with ACD=1 carries EC before Tp (AFN00 C=A0: EC1=17, EC2=0)', () => {
    const f = decodeFrame(bytesOf(vectors[26]!));
    expect(f.ec).toEqual({ important: 17, normal: 0 });
    expect(f.tp?.sendTime).toEqual({ day: 7, hour: 13, minute: 52, second: 27 });
    expect(f.pw).toBeUndefined();
  });
  it('AFN10 uplink with ACD: EC1=79 and Tp echoing PFC 7', () => {
    const f = decodeFrame(bytesOf(vectors[58]!));
    expect(f.ec).toEqual({ important: 79, normal: 0 });
    expect(f.tp?.pfc).toBe(7);
    expect(f.tp?.delayMinutes).toBe(5);
  });
  it('AFN0C request Tp of vector 5: PFC 2, 16:19:39 day 28, delay 0', () => {
    expect(decodeFrame(bytesOf(vectors[5]!)).tp).toEqual({ pfc: 2, sendTime: { day: 28, hour: 16, minute: 19, second: 39 }, delayMinutes: 0 });
  });
  it('a downlink PW AFN too short for PW (vector 49, AFN05 without PW) flags auxShortfall, keeps data', () => {
    const f = decodeFrame(bytesOf(vectors[49]!));
    expect(f.pw).toBeUndefined();
    expect(f.auxShortfall).toBe(true);
    expect(f.tp?.pfc).toBe(0x01);
    expect(f.data.subarray(0, 4).toString('hex')).toBe('00004003');
  });
  it('broadcast: A2=FFFF with group bit (vector 64)', () => {
    const f = decodeFrame(bytesOf(vectors[64]!));
    expect(f.broadcast).toBe(true);
    expect(f.msa).toBe(16);
  });
});

describe('376.1 frame: faults are typed FrameErrors with hex and expectation', () => {
  const login = bytesOf(vectors[0]!);
  const fault = (b: Buffer, opts?: Parameters<typeof decodeFrame>[3]): FrameError => {
    try {
      decodeFrame(b, 0, b.length, opts);
    } catch (e) {
      expect(e).toBeInstanceOf(FrameError);
      return e as FrameError;
    }
    throw new Error('no error');
  };
  it('bad checksum names the expected CS', () => {
    const b = Buffer.from(login);
    b[18] = b[18]! ^ 1;
    const e = fault(b);
    expect(e.fault).toBe('bad-checksum');
    expect(e.expected).toContain('E0H');
    expect(e.hex).toBe('68 32 00 32 00 68 C9 71 01 22 08 00 02 78 00 00 01 00 E1 16');
  });
  it('L fields disagreeing', () => {
    const b = Buffer.from(login);
    b[3] = 0x36;
    expect(fault(b).fault).toBe('length-mismatch');
  });
  it('bad end, truncated, missing start, second start', () => {
    const b = Buffer.from(login);
    b[19] = 0x17;
    expect(fault(b).fault).toBe('bad-end');
    expect(fault(login.subarray(0, 19)).fault).toBe('too-short');
    const longer = Buffer.concat([login.subarray(0, 14), Buffer.alloc(10)]);
    longer[1] = longer[3] = 0x4a;
    expect(fault(longer).fault).toBe('truncated');
    const s = Buffer.from(login);
    s[0] = 0x69;
    expect(fault(s).fault).toBe('no-start');
    const s2 = Buffer.from(login);
    s2[5] = 0x00;
    expect(fault(s2).fault).toBe('bad-second-start');
  });
  it('protocol id other than 10 is refused; 01 only when allowed', () => {
    const b = Buffer.from(login);
    b[1] = b[3] = 0x31;
    b[18] = login[18]!; // CS covers user data only
    expect(fault(b).expected).toContain('protocol id');
    expect(decodeFrame(b, 0, b.length, { acceptLegacyId: true }).protocolId).toBe(1);
  });
  it('radio limit of 255 user-data bytes', () => {
    const big = encodeFrame({ dir: 'up', prm: false, func: 8, a1: '0171', a2: 1, afn: 0x0c, seq: 0 }, Buffer.alloc(260));
    expect(decodeFrame(big).userLength).toBe(268);
    expect(fault(big, { maxUserLength: MAX_USER_RADIO }).fault).toBe('bad-length');
  });
  it('trailing bytes are refused unless allowed; FE preamble is skipped', () => {
    const b = Buffer.concat([Buffer.from([0xfe, 0xfe, 0xfe, 0xfe]), login, Buffer.from([0])]);
    expect(fault(b).fault).toBe('too-long');
    const f = decodeFrame(b, 0, b.length, { allowTrailing: true });
    expect(f.preamble).toBe(4);
    expect(f.a2).toBe(2082);
  });
  it('a frame broken twice reports the first rule of §5.1 it breaks', () => {
    const csAndEnd = Buffer.from(login);
    csAndEnd[18] = csAndEnd[18]! ^ 1;
    csAndEnd[19] = 0x17;
    expect(fault(csAndEnd).fault).toBe('bad-checksum');
    const csAndTrailing = Buffer.concat([login, Buffer.from([0x16])]);
    csAndTrailing[18] = csAndTrailing[18]! ^ 1;
    expect(fault(csAndTrailing).fault).toBe('bad-checksum');
    const lAndStart = Buffer.from(login);
    lAndStart[3] = 0x36;
    lAndStart[5] = 0;
    expect(fault(lAndStart).fault).toBe('length-mismatch');
    const endAndTrailing = Buffer.concat([login, Buffer.from([0])]);
    endAndTrailing[19] = 0x17;
    expect(fault(endAndTrailing).fault).toBe('bad-end');
  });
  it('decodeMessage reports the same frame fault as decodeFrame for any mutation', () => {
    const frames = vectors.map(bytesOf);
    const faultOf = (decode: () => unknown): string => {
      try {
        decode();
        return 'ok';
      } catch (e) {
        return e instanceof FrameError ? e.fault : 'not a frame fault';
      }
    };
    fc.assert(
      fc.property(
        fc.nat(frames.length - 1),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: -2, max: 2 }),
        (k, edits, cut) => {
          const b = Buffer.from(frames[k]!);
          for (const [at, v] of edits) b[at % b.length] = v;
          const x = cut < 0 ? b.subarray(0, b.length + cut) : Buffer.concat([b, Buffer.alloc(cut, 0x16)]);
          const byFrame = faultOf(() => decodeFrame(x));
          const byMessage = faultOf(() => decodeMessage(x));
          // A valid envelope may still hold undecodable units (a DataError from decodeMessage only).
          if (byFrame === 'ok') expect(byMessage === 'ok' || byMessage === 'not a frame fault').toBe(true);
          else expect(byMessage).toBe(byFrame);
        },
      ),
      { numRuns: 3000 },
    );
  });
  it('revision option is recorded', () => {
    expect(decodeFrame(login, 0, login.length, { revision: 2013 }).revision).toBe(2013);
  });
});

describe('376.1 frame: encode', () => {
  it('login frame byte for byte', () => {
    const b = encodeFrame({ dir: 'up', prm: true, func: 9, a1: '0171', a2: 0x0822, afn: 2, seq: 8, con: true }, parseHex('00 00 01 00'));
    expect(b.toString('hex').toUpperCase()).toBe(vectors[0]!.hex);
  });
  it('reset with PW and Tp byte for byte', () => {
    const b = encodeFrame(
      { dir: 'down', prm: true, func: 1, a1: '1234', a2: 0x0402, msa: 0, afn: 1, seq: 0, con: true, pw: '00'.repeat(16), tp: { pfc: 0, sendTime: { day: 7, hour: 13, minute: 53, second: 28 }, delayMinutes: 5 } },
      parseHex('00 00 01 00'),
    );
    const f = decodeFrame(b);
    expect(f.tp?.sendTime?.minute).toBe(53);
    expect(f.pw).toBe('00'.repeat(16));
  });
  it('rejects impossible headers', () => {
    expect(() => encodeFrame({ dir: 'up', prm: true, func: 16, a1: '0171', a2: 1, afn: 2, seq: 0 }, Buffer.alloc(4))).toThrow(/func/);
    expect(() => encodeFrame({ dir: 'up', prm: true, func: 9, a1: '171', a2: 1, afn: 2, seq: 0 }, Buffer.alloc(4))).toThrow(/a1/);
    expect(() => encodeFrame({ dir: 'up', prm: false, fcbAcd: true, func: 8, a1: '0171', a2: 1, afn: 2, seq: 0 }, Buffer.alloc(4))).toThrow(/EC/);
    expect(() => encodeFrame({ dir: 'up', prm: false, func: 8, a1: '0171', a2: 1, afn: 2, seq: 0 }, Buffer.alloc(16380))).toThrow(/exceeds/);
  });
  it('function codes named both ways', () => {
    expect(functionName(true, 9)).toBe('linkTest');
    expect(functionName(false, 11)).toBe('linkStatus');
    expect(functionName(false, 8)).toBe('userDataResponse');
    expect(functionName(true, 3)).toBeUndefined();
    expect(functionCode('requestClass2')).toEqual({ prm: true, code: 11 });
    expect(functionCode('confirm')).toEqual({ prm: false, code: 0 });
    expect(decodeFrame(bytesOf(vectors[23]!)).funcName).toBe('linkStatus');
  });
  it('Tp validity window', () => {
    const sent = new Date(2024, 4, 10, 12, 0, 0);
    const tp = makeTp(3, sent, 5);
    expect(tpExpired(tp, new Date(2024, 4, 10, 12, 4, 59))).toBe(false);
    expect(tpExpired(tp, new Date(2024, 4, 10, 12, 5, 1))).toBe(true);
    expect(tpExpired({ ...tp, delayMinutes: 0 }, new Date(2024, 5, 1))).toBe(false);
    // sent on the 31st, checked on the 1st of the next month
    const late = makeTp(0, new Date(2024, 4, 31, 23, 58, 0), 5);
    expect(tpExpired(late, new Date(2024, 5, 1, 0, 1, 0))).toBe(false);
  });
});
