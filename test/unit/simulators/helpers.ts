/** Helpers for the simulator tests: build requests as a master would and decode replies. */
import {
  decodeFrameMessage, decodeMessage, encodeMessage, type Dlt645Decoded, type Dlt645Message, type Dlt645Request, type Dlt645Response,
} from '../../../protocols/dlt645/index.js';
import { decodeFrame } from '../../../protocols/dlt645/frame.js';
import type { SimulatedMeter } from '../../../simulators/meter/meter.js';
import { fromLocal } from '../../../simulators/model.js';

/** 2024-05-15 12:07:30 Beijing time. */
export const T = fromLocal(2024, 5, 15, 12, 7, 30);
export const PW = { level: 2, code: '000000' };
export const OPERATOR = '12345678';

export function frameOf(message: Dlt645Request, address: string, version: 2007 | 1997 = 2007): Buffer {
  return encodeMessage({ address, message, version });
}

export function request(message: Dlt645Request, address: string, version: 2007 | 1997 = 2007): Dlt645Decoded {
  return decodeMessage(frameOf(message, address, version));
}

/** Sends a request to the meter and returns the reply decoded from its bytes (as a master sees it). */
export function ask(meter: SimulatedMeter, message: Dlt645Request, address = meter.address): { decoded: Dlt645Decoded; bytes: Buffer } | null {
  const reply = meter.handle(request(message, address, meter.edition));
  if (!reply) return null;
  const bytes = encodeMessage({ address: meter.address, message: reply as Dlt645Response, version: meter.edition });
  return { decoded: decodeFrameMessage(decodeFrame(bytes), { version: meter.edition }), bytes };
}

export function readValue(meter: SimulatedMeter, di: string): unknown {
  const r = ask(meter, { kind: 'read', di });
  const m = r!.decoded.message as Dlt645Message & { value?: unknown };
  if (m.kind !== 'readReply') throw new Error(`read ${di}: ${JSON.stringify(m)}`);
  return m.value;
}

export function control(command: Extract<Dlt645Request, { kind: 'control' }>['command'], password = PW): Dlt645Request {
  return { kind: 'control', password, operator: OPERATOR, command, n2: 0, validUntil: null };
}
