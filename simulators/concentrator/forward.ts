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
  relayOpen(pn: number): boolean;
  keepPower(): boolean;
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
  });
  if (env.relayOpen(pn)) meter.status3 |= SW3_RELAY_OPEN | SW3_RELAY_CMD_TRIP;
  if (env.keepPower()) meter.status3 |= SW3_KEEP_POWER;
  const reply = meter.handle(decoded);
  if (!reply) return none;
  return { port: req.port, content: encode645({ address: meter.address, message: reply, version: meter.edition }) };
}
