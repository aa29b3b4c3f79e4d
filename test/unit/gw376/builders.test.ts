import { describe, expect, it } from 'vitest';
import type { KnownUnit } from '../../../protocols/gw376/index.js';
import { MultiFrameAssembler, builders, confirmDuty, decodeFrame, decodeMessage } from '../../../protocols/gw376/index.js';
import { bytesOf, vectors } from './vectors.js';

const hex = (b: Buffer): string => b.toString('hex').toUpperCase();
// The instant at which a terminal clock (China Standard Time, UTC+8) shows 2024-01-d h:m:s.
const CST = 8 * 3_600_000;
const at = (d: number, h: number, m: number, s: number): Date => new Date(Date.UTC(2024, 0, d, h, m, s) - CST);

describe('builders reproduce captured frames', () => {
  it('terminal login / heartbeat / logout (vectors 0, 1, 2)', () => {
    const t = { a1: '0171', a2: 0x0822 };
    expect(hex(builders.login(t, 8))).toBe(vectors[0]!.hex);
    expect(hex(builders.heartbeat(t, 9))).toBe(vectors[1]!.hex);
    expect(hex(builders.logout(t, 1))).toBe(vectors[2]!.hex);
  });
  it('master confirm of a login (vector 23, C=0B SEQ=61)', () => {
    const req = decodeMessage(bytesOf(vectors[23]!));
    expect(hex(builders.loginConfirm({ a1: req.a1, a2: req.a2, msa: req.msa }, 1))).toBe(vectors[23]!.hex);
  });
  it('reset F1 with PW and Tp (vector 25)', () => {
    const b = builders.reset({ a1: '0200', a2: 0x1234, msa: 2 }, 1, { seq: 0, pfc: 0, now: at(7, 13, 53, 28), delayMinutes: 5 });
    expect(hex(b)).toBe(vectors[25]!.hex);
  });
  it('AFN10 F1 forward of a DL/T 645 read (vector 27)', () => {
    const inner = Buffer.from('68611001301215681104333334337B16', 'hex');
    const b = builders.forward645({ a1: '0200', a2: 0x1234, msa: 2 }, inner, { seq: 0, pfc: 0, now: at(21, 23, 51, 13), delayMinutes: 5 });
    expect(hex(b)).toBe(vectors[27]!.hex);
  });
  it('AFN05 F1 trip of round 1 with PW and Tp (vector 64 layout; CON as captured)', () => {
    const b = builders.remoteTrip({ a1: '0000', a2: 0xffff, msa: 16, group: true }, { seq: 1, pfc: 2, now: at(4, 17, 13, 56), con: false, tp: true });
    expect(hex(b)).toBe(vectors[64]!.hex);
  });
  it('AFN0C F129 read of pn 1 with Tp (vector 5)', () => {
    const b = builders.readRealtime({ a1: '0171', a2: 0x0822, msa: 1 }, 129, [1], { seq: 2, pfc: 2, now: at(28, 16, 19, 39), delayMinutes: 0, tp: true });
    expect(hex(b)).toBe(vectors[5]!.hex);
  });
  it('AFN09 F1 version request (vector 29, C=4B CON=1)', () => {
    const v = decodeFrame(bytesOf(vectors[29]!));
    const b = builders.readVersion({ a1: v.a1, a2: v.a2, msa: v.msa }, { seq: v.seq, con: true });
    expect(hex(b)).toBe(vectors[29]!.hex);
  });
  it('clock set AFN05 F31: A.1 data with weekday and PW', () => {
    const b = builders.clockSet({ a1: '1310', a2: 12345, msa: 1 }, builders.clockOf(new Date(Date.UTC(2015, 2, 12, 10, 30, 55) - CST)), { seq: 1, now: at(12, 10, 30, 55), tp: true });
    const f = decodeFrame(b);
    expect(f.data.toString('hex')).toBe('00004003553010128315');
    expect(f.pw).toBe('00'.repeat(16));
    expect(f.tp?.sendTime).toEqual({ day: 12, hour: 10, minute: 30, second: 55 });
  });
  it('AFN0D F161 for points 1..200 on a date: one DA per point with Td_d, split under the radio limit', () => {
    const net = builders.readDailyFrozen({ a1: '0171', a2: 1, msa: 1 }, Array.from({ length: 200 }, (_, i) => i + 1), { year: 2024, month: 11, day: 22 }, { seq: 3 });
    expect(net).toHaveLength(1);
    const f = decodeFrame(net[0]!);
    expect(f.data.length).toBe(200 * 7);
    expect(f.data.subarray(0, 7).toString('hex')).toBe('01010114221124');
    const radio = builders.readDailyFrozen({ a1: '0171', a2: 1, msa: 1 }, Array.from({ length: 200 }, (_, i) => i + 1), { year: 2024, month: 11, day: 22 }, { seq: 15, maxUserLength: 255 });
    expect(radio.length).toBeGreaterThan(1);
    const units = radio.reduce((n, b) => n + decodeFrame(b, 0, b.length, { maxUserLength: 255 }).data.length / 7, 0);
    expect(units).toBe(200);
    expect(radio.map((b) => decodeFrame(b).seq).slice(0, 2)).toEqual([15, 0]);
  });
  it('terminal response echoes address, MSA, sequence and Tp; EC sets ACD', () => {
    const req = decodeMessage(bytesOf(vectors[27]!));
    const unit: KnownUnit = { pn: 0, fn: 1, data: { port: 31, content: Buffer.from('68611001301215689C003516', 'hex') } };
    const b = builders.response(req, [unit], { ec: { important: 79, normal: 0 } });
    const m = decodeMessage(b);
    expect(m).toMatchObject({ dir: 'up', prm: false, fcbAcd: true, func: 8, a1: '0200', a2: 0x1234, msa: 2, seq: 0, ec: { important: 79, normal: 0 } });
    expect(m.tp).toEqual(req.tp);
  });
  it('terminal confirm of the reset (vector 26 shape)', () => {
    const req = decodeMessage(bytesOf(vectors[25]!));
    const b = builders.terminalConfirm({ ...req, tp: { pfc: 0, sendTime: { day: 7, hour: 13, minute: 52, second: 27 }, delayMinutes: 5 } }, true, { ec: { important: 17, normal: 0 } });
    expect(hex(b)).toBe(vectors[26]!.hex);
  });
  it('event report AFN0E F1 (vector 50 body)', () => {
    const v = decodeFrame(bytesOf(vectors[50]!));
    const body = v.data.subarray(4);
    expect(hex(builders.eventReport({ a1: v.a1, a2: v.a2 }, body, { seq: 1 }))).toBe(vectors[50]!.hex);
  });
});

describe('multi-frame and confirm duties', () => {
  const f = (seq: number, fir: boolean, fin: boolean) => ({ a1: '0171', a2: 1, afn: 0x0d, seq, fir, fin });
  it('first, middle, last with consecutive sequence numbers (wrapping at 16)', () => {
    const a = new MultiFrameAssembler();
    expect(a.push(f(15, true, false))).toEqual({ status: 'partial', received: 1 });
    expect(a.push(f(0, false, false))).toEqual({ status: 'partial', received: 2 });
    const r = a.push(f(1, false, true));
    expect(r.status).toBe('complete');
    expect(r.status === 'complete' && r.frames.map((x) => x.seq)).toEqual([15, 0, 1]);
    expect(a.pending).toBe(0);
  });
  it('a gap drops the assembly; a lone FIR=0/FIN=1 is taken as a single frame (flagged)', () => {
    const a = new MultiFrameAssembler();
    a.push(f(3, true, false));
    expect(a.push(f(5, false, true))).toMatchObject({ status: 'dropped', reason: 'sequence-gap' });
    expect(a.push(f(2, false, true))).toMatchObject({ status: 'complete', quirk: true });
    expect(a.push(f(2, false, false))).toMatchObject({ status: 'dropped', reason: 'no-first-frame' });
  });
  it('CON=1 frames must be confirmed: login by link status (FC 11), others by FC 0', () => {
    const login = decodeMessage(bytesOf(vectors[0]!));
    expect(confirmDuty(login)).toEqual({ required: true, afn: 0, seq: 8, func: 11, dir: 'down' });
    expect(confirmDuty(decodeMessage(bytesOf(vectors[54]!)))).toEqual({ required: false });
    expect(confirmDuty(decodeMessage(bytesOf(vectors[25]!)))).toMatchObject({ required: true, func: 0, dir: 'up', seq: 0 });
  });
});
