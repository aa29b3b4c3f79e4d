/** Helpers of the concentrator tests: a master's requests built with the codec, answers decoded with it. */
import { builders, decodeMessage, encodeMessage, type Gw376Message, type KnownUnit } from '../../../../protocols/gw376/index.js';
import { SimulatedTerminal, type TerminalOptions } from '../../../../simulators/concentrator/index.js';
import { fromLocal } from '../../../../simulators/model.js';

/** 2024-05-15 12:07:30 Beijing time. */
export const T = fromLocal(2024, 5, 15, 12, 7, 30);
export const ID = { a1: '1101', a2: 1234 } as const;
export const TARGET = { a1: ID.a1, a2: ID.a2, msa: 1 };
export const KEY = '1101-01234';

export function terminal(opts: TerminalOptions = {}): SimulatedTerminal {
  return new SimulatedTerminal({ ...ID }, opts);
}

let seq = 0;
/** A master request of `afn` with its default PW/CON, carrying `units`. */
export function request(afn: number, units: KnownUnit[], o: { seq?: number; tp?: boolean; pw?: string } = {}): Buffer {
  const s = o.seq ?? (seq = (seq + 1) & 15);
  const h = builders.requestHeader(afn, TARGET, { seq: s, ...(o.tp !== undefined ? { tp: o.tp } : {}), ...(o.pw !== undefined ? { pw: o.pw } : {}) });
  return encodeMessage({ ...h, units });
}

/** Sends a frame and decodes every answer. */
export function ask(t: SimulatedTerminal, frame: Buffer, now = T): Gw376Message[] {
  return t.receive(frame, now).map((f) => decodeMessage(f));
}

/** The data of every known unit of the answers, by `${fn}/${pn}`. */
export function dataOf(msgs: Gw376Message[]): Map<string, unknown> {
  const m = new Map<string, unknown>();
  for (const msg of msgs) for (const u of msg.units) if (!u.raw) m.set(`${u.fn}/${u.pn}`, u.data);
  return m;
}

/** AFN00 Fn of a single answer (1 confirm, 2 deny, 3 per item). */
export function confirmFn(msgs: Gw376Message[]): number | undefined {
  if (msgs.length !== 1 || msgs[0]!.afn !== 0) return undefined;
  const u = msgs[0]!.units[0]!;
  return u.raw ? undefined : u.fn;
}
