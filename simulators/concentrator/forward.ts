/**
 * AFN10 F1 transparent forwarding (透明转发, Q/GDW 376.1-2009 §5.16) to the DL/T 645 meters behind the
 * terminal. The 645 frame's address selects the measuring point (AFN04 F10); a transient SimulatedMeter
 * with model id `${terminal}/${pn}` answers it (so values equal the terminal's own AFN0C/0D values) and is
 * dropped afterwards: writes to it (parameters, passwords) are not kept. Its relay and keep-power bits
 * follow the terminal's control state. Unknown or missing meters give an empty content (no answer in the
 * frame timeout).
 */
import { decodeMessage as decode645, encodeMessage as encode645 } from '../../protocols/dlt645/index.js';
import type { ForwardRequest, ForwardResponse } from '../../protocols/gw376/index.js';
import { SimulatedMeter } from '../meter/meter.js';
import type { ModelId } from '../model.js';
import { modelIdOf } from './meters.js';

/** DL/T 645-2007 status word 3 (digest §5.3): relay open, relay commanded open, keep power. */
const SW3_RELAY_OPEN = 1 << 4;
const SW3_RELAY_CMD_TRIP = 1 << 6;
const SW3_KEEP_POWER = 1 << 12;

export interface ForwardEnv {
  readonly seed: ModelId;
  readonly terminal: string;
  readonly now: number;
  readonly clock: number;
  pnOfAddress(address: string): number | undefined;
  /** DL/T 645 edition of the meter of `pn` (from F10's protocol byte). */
  editionOf(pn: number): 2007 | 1997;
  present(pn: number): boolean;
  /** A terminal output (remote-trip round, purchase trip) is open for the meter of `pn`. */
  relayOpen(pn: number): boolean;
  keepPower(): boolean;
  /** The meter's own status word 3 (its 1CH commands), kept by the terminal between forwards. */
  meterStatus3(pn: number): number;
  setMeterStatus3(pn: number, status3: number): void;
  /** Meters refuse 1CH commands whose validity deadline (N3..N8) is zero or past (digest §3.2). */
  checkDeadline: boolean;
}

export function forwardTransparent(req: ForwardRequest, env: ForwardEnv): ForwardResponse {
  const none: ForwardResponse = { port: req.port, content: Buffer.alloc(0) };
  let decoded;
  try {
    decoded = decode645(req.content);
  } catch {
    return none;
  }
  const pn = env.pnOfAddress(decoded.address);
  if (pn === undefined || !env.present(pn)) return none;
  const meter = new SimulatedMeter({
    address: decoded.address,
    edition: env.editionOf(pn),
    seed: env.seed,
    modelId: modelIdOf(env.terminal, pn),
    now: () => env.now,
    clockOffsetMs: env.clock - env.now,
    checkControlDeadline: env.checkDeadline,
  });
  // A 1CH command acts on the meter's own state (kept per Pn); reads also show the terminal's outputs.
  const control = decoded.message.kind === 'control';
  meter.status3 = env.meterStatus3(pn);
  if (!control && env.relayOpen(pn)) meter.status3 |= SW3_RELAY_OPEN | SW3_RELAY_CMD_TRIP;
  if (!control && env.keepPower()) meter.status3 |= SW3_KEEP_POWER;
  const reply = meter.handle(decoded);
  if (control) env.setMeterStatus3(pn, meter.status3);
  if (!reply) return none;
  return { port: req.port, content: encode645({ address: meter.address, message: reply, version: meter.edition }) };
}
