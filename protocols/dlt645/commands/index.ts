/** The command table: (edition, function code) → codec. */
import type { Dlt645Version } from '../control.js';
import type { Dlt645Message } from '../messages.js';
import { READ_ADDRESS_2007, WRITE_ADDRESS_1997, WRITE_ADDRESS_2007 } from './address.js';
import {
  CHANGE_BAUD_1997, CHANGE_BAUD_2007, CHANGE_PASSWORD_1997, CHANGE_PASSWORD_2007, DEMAND_RESET_1997,
  DEMAND_RESET_2007, EVENT_CLEAR_2007, METER_CLEAR_2007,
} from './admin.js';
import { BROADCAST_TIME, FREEZE } from './broadcast.js';
import { CONTROL_2007 } from './control.js';
import { READ_1997, READ_2007, READ_FOLLOW_1997, READ_FOLLOW_2007 } from './read.js';
import { SECURITY_2007 } from './security.js';
import type { CommandCodec } from './types.js';
import { WRITE_1997, WRITE_2007 } from './write.js';

const ALL: CommandCodec[] = [
  READ_2007, READ_FOLLOW_2007, READ_ADDRESS_2007, WRITE_2007, WRITE_ADDRESS_2007, BROADCAST_TIME, FREEZE,
  CHANGE_BAUD_2007, CHANGE_PASSWORD_2007, DEMAND_RESET_2007, METER_CLEAR_2007, EVENT_CLEAR_2007, CONTROL_2007,
  SECURITY_2007,
  READ_1997, READ_FOLLOW_1997, WRITE_1997, WRITE_ADDRESS_1997, CHANGE_BAUD_1997, CHANGE_PASSWORD_1997,
  DEMAND_RESET_1997,
] as CommandCodec[];

const BY_FUNC = new Map<number, CommandCodec>();
const BY_KIND = new Map<string, CommandCodec>();
for (const c of ALL) {
  BY_FUNC.set(c.version * 256 + c.func, c);
  // Broadcast time is shared by both editions.
  if (c.func === 0x08) BY_FUNC.set(1997 * 256 + 0x08, c);
  BY_KIND.set(`${c.version}:${c.request}`, c);
  if (c.func === 0x08) BY_KIND.set(`1997:${c.request}`, c);
}

export function commandFor(version: Dlt645Version, func: number): CommandCodec | undefined {
  return BY_FUNC.get(version * 256 + func);
}

export function commandForKind(version: Dlt645Version, kind: Dlt645Message['kind']): CommandCodec | undefined {
  return BY_KIND.get(`${version}:${kind}`);
}

export function allCommands(): readonly CommandCodec[] {
  return ALL;
}

export type { CommandCodec } from './types.js';
export { errorFlags, errorCode, ERR_TEXT } from './fields.js';
export { baudFromZ, zFromBaud } from './admin.js';
