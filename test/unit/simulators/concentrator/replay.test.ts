/**
 * The simulated concentrator with Tp checking: a replayed PW frame is not executed again (a byte-identical
 * copy gets the same answer), a stale one is discarded; forwarded DL/T 645 1CH commands change the
 * meter's own relay state, which later reads and the terminal's real-time data show.
 */
import { describe, expect, it } from 'vitest';
import { builders, decodeMessage, encodeMessage } from '../../../../protocols/gw376/index.js';
import { decodeMessage as decode645, encodeMessage as encode645 } from '../../../../protocols/dlt645/index.js';
import { SimulatedTerminal } from '../../../../simulators/concentrator/terminal.js';

const ID = { a1: '1101', a2: 7 };
const T0 = Date.UTC(2026, 5, 1, 2, 0, 0);
const target = { a1: '1101', a2: 7, msa: 1 };

function trip(now: number, pfc: number): Buffer {
  return builders.remoteTrip(target, { seq: pfc & 15, pfc, now: new Date(now), tp: true, delayMinutes: 5 });
}

/** AFN05 F2 (allow closing) of round 1, with PW and Tp. */
function close(now: number, pfc: number): Buffer {
  return encodeMessage({ ...builders.requestHeader(0x05, target, { seq: pfc & 15, pfc, now: new Date(now), tp: true }), units: [{ pn: 1, fn: 2 }] });
}

function forward(t: SimulatedTerminal, addr: string, message: Parameters<typeof encode645>[0]['message'], now: number): ReturnType<typeof decode645> | undefined {
  const req = builders.forward645(target, encode645({ address: addr, message, version: 2007 }), { seq: 1, now: new Date(now), tp: true });
  const [ans] = t.receive(req, now);
  const u = decodeMessage(ans!).units[0]!;
  const content = u.raw ? undefined : (u.data as { content: Buffer }).content;
  return content && content.length ? decode645(content) : undefined;
}

describe('replay and Tp', () => {
  it('executes a PW frame once; a copy is answered again without acting; a stale one is discarded', () => {
    const t = new SimulatedTerminal(ID, { checkTp: true });
    const f = trip(T0, 3);
    expect(t.receive(f, T0)).toHaveLength(1);
    expect(t.controls.trippedRounds()).toEqual([1]);
    t.receive(close(T0, 4), T0);
    expect(t.controls.trippedRounds()).toEqual([]);
    const again = t.receive(f, T0 + 1000);
    expect(again).toHaveLength(1);
    expect(decodeMessage(again[0]!).units[0]).toMatchObject({ fn: 1 });
    expect(t.controls.trippedRounds()).toEqual([]);
    expect(t.receive(trip(T0, 5), T0 + 6 * 60_000)).toEqual([]);
    expect(t.controls.trippedRounds()).toEqual([]);
  });

  it('without Tp checking every copy executes (the default terminal)', () => {
    const t = new SimulatedTerminal(ID);
    const f = trip(T0, 3);
    t.receive(f, T0);
    t.controls.apply(2, 1, undefined, { now: T0, clock: T0, totalPowerKw: () => 0, groupEnergyKwh: () => 0, param: () => undefined, addEvent: () => undefined, setClock: () => undefined });
    t.receive(f, T0 + 1000);
    expect(t.controls.trippedRounds()).toEqual([1]);
  });
});

describe('forwarded DL/T 645 1CH', () => {
  it("trips and closes one meter's own relay; reads of status word 3 and the terminal's data follow", () => {
    const t = new SimulatedTerminal(ID, { meterCount: 2 });
    const addr = t.params.meterOfPn(2)!.address!;
    const password = { level: 2, code: '000000' };
    const ack = forward(t, addr, { kind: 'control', password, operator: '00000000', command: 'trip', n2: 0, validUntil: null }, T0);
    expect(ack?.message).toMatchObject({ kind: 'ack' });
    expect(t.controls.relayOpen(2)).toBe(true);
    expect(t.controls.relayOpen(1)).toBe(false);
    const sw3 = forward(t, addr, { kind: 'read', di: '04000503' }, T0);
    expect((sw3?.message as unknown as { value: { bits: Record<string, boolean> } }).value.bits).toMatchObject({ relay_open: true, relay_command_trip: true });
    forward(t, addr, { kind: 'control', password, operator: '00000000', command: 'closeDirect', n2: 0, validUntil: null }, T0);
    expect(t.controls.relayOpen(2)).toBe(false);
    // Persisted with the terminal's state.
    forward(t, addr, { kind: 'control', password, operator: '00000000', command: 'keepPower', n2: 0, validUntil: null }, T0);
    const copy = new SimulatedTerminal(ID, { meterCount: 2 });
    copy.fromJSON(JSON.parse(JSON.stringify(t.toJSON())) as ReturnType<SimulatedTerminal['toJSON']>, T0);
    expect(copy.controls.meterStatus3(2) & (1 << 12)).not.toBe(0);
  });

  it('with Tp checking, the meter refuses a 1CH command past its deadline', () => {
    const t = new SimulatedTerminal(ID, { meterCount: 2, checkTp: true });
    const addr = t.params.meterOfPn(1)!.address!;
    const password = { level: 2, code: '000000' };
    const stale = forward(t, addr, { kind: 'control', password, operator: '00000000', command: 'trip', n2: 0, validUntil: '2020-01-01T00:00:00' }, T0);
    expect(stale?.message).toMatchObject({ kind: 'error' });
    expect(t.controls.relayOpen(1)).toBe(false);
  });
});
