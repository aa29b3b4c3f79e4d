/**
 * AFN09 F2–F8 (terminal configuration), AFN10 F10/F11 (forwarded meter control) and AFN00 F4 (security
 * error): payloads as public terminal firmware emits them (byte tables copied as facts, cited per case),
 * framed and decoded through the message layer, re-encoded byte-exact; shape errors carry the frame hex.
 */
import { describe, expect, it } from 'vitest';
import { DataError } from '../../../protocols/codec/errors.js';
import type { Gw376Message, KnownUnit } from '../../../protocols/gw376/index.js';
import { ZERO_PW, allFns, decodeFrame, decodeMessage, encodeFrame, encodeMessage } from '../../../protocols/gw376/index.js';
import type { Revision } from '../../../protocols/gw376/frame.js';
import { checkAllRoundTrip } from './formats-arb.js';

const up = (afn: number, dadtAndData: string, revision?: Revision): { wire: Buffer; msg: Gw376Message } => {
  const wire = encodeFrame({ dir: 'up', prm: false, func: 8, a1: '0171', a2: 0x0822, msa: 1, afn, seq: 3 }, Buffer.from(dadtAndData.replace(/\s+/g, ''), 'hex'));
  return { wire, msg: decodeMessage(wire, revision ? { revision } : undefined) };
};
const unit = (m: Gw376Message, i = 0): KnownUnit => {
  const u = m.units[i]!;
  if (u.raw) throw new Error(`unit ${i} is raw (${u.reason})`);
  return u;
};
const reencodes = (wire: Buffer, msg: Gw376Message): void => {
  expect(encodeMessage(msg).equals(wire)).toBe(true);
};

describe('AFN09 terminal configuration replies (§5.9.2)', () => {
  it('F2 ports: the 65-byte table of a public terminal (terminfo.c PortInfo, MAC filled in)', () => {
    const { wire, msg } = up(
      0x09,
      `00000200 00020000 F807 0008 0008 001122334455 04
       4140 00C20100 F807 0008 0008
       0260 004B0000 0800 0006 0006
       0300 004B0000 0800 0006 0006
       0440 004B0000 F807 0006 0006`,
    );
    const d = unit(msg).data as { ports: { port: Record<string, number>; maxBaud: number; devices: number }[] } & Record<string, unknown>;
    expect(d).toMatchObject({ pulseInputs: 0, switchInputs: 2, analogInputs: 0, switchOutputs: 0, maxMeters: 2040, rxBuffer: 2048, txBuffer: 2048, mac: '001122334455', n: 4 });
    expect(d.ports.map((p) => [p.port.port, p.maxBaud, p.devices])).toEqual([[1, 115200, 2040], [2, 19200, 8], [3, 19200, 8], [4, 19200, 2040]]);
    expect(d.ports[0]!.port).toEqual({ port: 1, link: 2, kind: 0, use: 2 });
    reencodes(wire, msg);
  });

  it('F2 port word: port 31 over a narrow-band PLC module (another terminal: D7..D5 = 2, D15..D13 = 2)', () => {
    const { msg } = up(0x09, '00000200 00000000 0000 0001 0001 000000000000 01 5F40 00C20100 DC05 0002 0001');
    expect((unit(msg).data as { ports: unknown[] }).ports[0]).toEqual({ port: { port: 31, link: 2, kind: 0, use: 2 }, maxBaud: 115200, devices: 1500, rxBuffer: 512, txBuffer: 256 });
  });

  it('F3 other configuration: 35 bytes, subclass counts indexed by class 0..15 (terminfo.c ElseInfo)', () => {
    const { wire, msg } = up(0x09, '00000400 F807 08 18 08 0E 0101010101 1F 0C 00 13 00 14 3E00 00 10101010 10 00000000000000000000');
    expect(unit(msg).data).toEqual({
      maxPoints: 2040, maxGroups: 8, maxTasks: 24, maxDiffGroups: 8, maxTariffs: 14,
      pointDensity: 1, groupActivePowerDensity: 1, groupReactivePowerDensity: 1, groupActiveEnergyDensity: 1, groupReactiveEnergyDensity: 1,
      dailyDays: 31, monthlyMonths: 12, powerSchemes: 0, maxHarmonic: 19, capacitorGroups: 0, keyUsers: 20,
      userClasses: [1, 2, 3, 4, 5], subclassCounts: [0, 16, 16, 16, 16, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    });
    reencodes(wire, msg);
  });

  it('F4 supported parameters: 9 groups decoded to AFN04 Fns (terminfo.c ValidParamFns)', () => {
    const { wire, msg } = up(0x09, '00000800 09 FDEB107F7F00000C0F');
    expect(unit(msg).data).toEqual({
      groups: 9,
      fns: [1, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 15, 16, 21, 25, 26, 27, 28, 29, 30, 31, 33, 34, 35, 36, 37, 38, 39, 59, 60, 65, 66, 67, 68],
    });
    reencodes(wire, msg);
  });

  it('F5, F6, F7 with nothing supported, then F8 events, in one frame (AFN09005..AFN09008 of a public terminal)', () => {
    const { wire, msg } = up(0x09, '00001000 00 00002000 0000 00004000 0000 00008000 8FBF99FF07000000');
    expect(msg.units.map((u) => (u as KnownUnit).fn)).toEqual([5, 6, 7, 8]);
    expect(unit(msg, 0).data).toEqual({ groups: 0, fns: [] });
    expect(unit(msg, 1).data).toEqual({ userClasses: [], perClass: [] });
    expect(unit(msg, 3).data).toEqual({ ercs: [1, 2, 3, 4, 8, 9, 10, 11, 12, 13, 14, 16, 17, 20, 21, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35] });
    reencodes(wire, msg);
  });

  it('F6 per user class: classes 1 and 3, each with its own group bitmaps', () => {
    const { wire, msg } = up(0x09, '00002000 0A00 02 FF01 01 03');
    expect(unit(msg).data).toEqual({ userClasses: [1, 3], perClass: [{ groups: 2, fns: [1, 2, 3, 4, 5, 6, 7, 8, 9] }, { groups: 1, fns: [1, 2] }] });
    reencodes(wire, msg);
  });

  it('a short F4 (3 groups announced, 2 sent) is a DataError carrying the frame hex', () => {
    const { wire } = { wire: encodeFrame({ dir: 'up', prm: false, func: 8, a1: '0171', a2: 1, afn: 0x09, seq: 1 }, Buffer.from('0000080003FFFF', 'hex')) };
    const err = (() => {
      try {
        decodeMessage(wire);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).hex).toBe(decodeFrame(wire).hex);
    expect((err as DataError).field).toContain('AFN09 F4 p0');
  });

  it('F4 encode rejects an Fn outside the announced groups', () => {
    const msg: Gw376Message = { dir: 'up', prm: false, func: 8, a1: '0171', a2: 1, afn: 0x09, seq: 1, units: [{ pn: 0, fn: 4, data: { groups: 1, fns: [9] } }] };
    expect(() => encodeMessage(msg)).toThrow(/bit 9 outside 1\.\.8/);
  });
});

describe('AFN10 F10/F11 forwarded meter control (§5.16, 2009)', () => {
  // Field order of a public master tool (GB698Cls AFN10_10) and a terminal's request structs.
  const F10_DOWN = '0000020102 00 112233445566 55 04 00000002';
  const down = (dadtData: string, revision?: Revision): { wire: Buffer; msg: Gw376Message } => {
    const msg: Gw376Message = {
      dir: 'down', prm: true, func: 11, a1: '0171', a2: 0x0822, msa: 1, afn: 0x10, seq: 4, pw: ZERO_PW, revision,
      units: [{ pn: 0, fn: 10, data: Buffer.from(dadtData.replace(/\s+/g, '').slice(8), 'hex') }],
    };
    const wire = encodeMessage({ ...msg, revision: 2013 });
    return { wire, msg: decodeMessage(wire, revision ? { revision } : undefined) };
  };

  it('F10 request: port, direct route, target, 55H trip, 4-byte password', () => {
    const { wire, msg } = down(F10_DOWN);
    expect(unit(msg).data).toEqual({ port: 2, relayDepth: 0, relays: [], target: '665544332211', flag: 0x55, password: '00000002' });
    reencodes(wire, msg);
  });

  it('F10 in revision 2013 stays raw (redefined as a batch read, layout not found)', () => {
    const { wire, msg } = down(F10_DOWN, 2013);
    expect((unit(msg).data as Buffer).toString('hex').toUpperCase()).toBe('0200112233445566550400000002');
    reencodes(wire, msg);
  });

  it('F11 reply: port, target, result, echoed flag (9 bytes)', () => {
    const { wire, msg } = up(0x10, '00000401 02 112233445566 01 AA');
    expect(unit(msg).data).toEqual({ port: 2, target: '665544332211', result: 1, flag: 0xaa });
    reencodes(wire, msg);
  });

  it('F10 request whose password runs past the data area is a DataError', () => {
    const msg: Gw376Message = { dir: 'down', prm: true, func: 11, a1: '0171', a2: 1, afn: 0x10, seq: 4, pw: ZERO_PW, units: [{ pn: 0, fn: 10, data: Buffer.from('0200112233445566550800', 'hex') }] };
    expect(() => decodeMessage(encodeMessage({ ...msg, revision: 2013 }))).toThrow(DataError);
  });
});

describe('AFN00 F4 hardware security authentication error', () => {
  it('error type 1 with 16 FFH (as a public concentrator firmware builds it) decodes and re-encodes', () => {
    const { wire, msg } = up(0x00, '00000800 01 FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF');
    expect(unit(msg).data).toEqual({ errorType: 1, data: 'F'.repeat(32) });
    reencodes(wire, msg);
  });
});

describe('property: the new compiled layouts round-trip', () => {
  it('AFN09 F2–F8 and AFN00 F4', () => {
    const entries = allFns().filter((e) => (e.afn === 0x09 && e.fn >= 2) || (e.afn === 0 && e.fn === 4));
    expect(entries.map((e) => `${e.afn}/${e.fn}`)).toEqual(['0/4', '9/2', '9/3', '9/4', '9/5', '9/6', '9/7', '9/8']);
    checkAllRoundTrip(entries, 80);
  });
});
