/**
 * Typed DL/T 645 application messages: what a frame means once its control code and data are read.
 * One variant per command and direction; `decodeMessage`/`encodeMessage` in message.ts convert.
 */
import type { DiValue } from './registry/types.js';
import type { Dlt645Version } from './control.js';

/** Password: level PA (0..9) and 6-digit code P2P1P0 as printed (sent P0 first). */
export interface Password {
  level: number;
  code: string;
}

/** A value read or written under a DI: decoded when the registry knows the DI, raw hex always. */
export interface DiData {
  di: string;
  /** Decoded value, or undefined when the DI is unknown to the registry (`unknown` is then true). */
  value?: DiValue;
  unknown: boolean;
  /** Data bytes after the DI, unscrambled, as spaced hex. */
  raw: string;
}

/** Relay/alarm/keep-power command codes N1 of control code 1CH (DL/T 645-2007 备案 / 费控表规范). */
export const CONTROL_COMMANDS = {
  trip: 0x1a,
  closeAllowed: 0x1b,
  closeDirect: 0x1c,
  alarm: 0x2a,
  alarmRelease: 0x2b,
  keepPower: 0x3a,
  keepPowerRelease: 0x3b,
} as const;
export type ControlCommand = keyof typeof CONTROL_COMMANDS;

export type Dlt645Request =
  | { kind: 'read'; di: string; /** extra request bytes, e.g. load-record N + time (hex) */ params?: string }
  | { kind: 'readFollow'; di: string; seq?: number }
  | { kind: 'readAddress' }
  | { kind: 'write'; di: string; password: Password; operator?: string; data: string; value?: DiValue }
  | { kind: 'writeAddress'; newAddress: string }
  | { kind: 'broadcastTime'; time: string }
  | { kind: 'freeze'; /** mm hh DD MM with null for 99H = any */ minute: number | null; hour: number | null; day: number | null; month: number | null }
  | { kind: 'changeBaud'; baud: number }
  | { kind: 'changePassword'; di?: string; old: Password; new: Password }
  | { kind: 'demandReset'; password: Password; operator?: string }
  | { kind: 'meterClear'; password: Password; operator?: string }
  | { kind: 'eventClear'; password: Password; operator: string; di: string }
  | {
      kind: 'control';
      password: Password;
      operator: string;
      command: ControlCommand | number;
      n2: number;
      /** Deadline of the command, ISO local time, or null when all zero. */
      validUntil: string | null;
    }
  | { kind: 'security'; data: string };

export type Dlt645Response =
  | ({ kind: 'readReply'; more: boolean } & DiData)
  | ({ kind: 'readFollowReply'; more: boolean; seq: number | null } & DiData)
  | { kind: 'readAddressReply'; address: string }
  | { kind: 'ack'; /** function acknowledged */ func: number; /** payload of replies that carry one (baud Z, new password) */ data?: string; baud?: number; password?: Password }
  | { kind: 'error'; func: number; code: number; flags: ErrorFlag[]; /** 2-byte SERR of security replies */ wide?: boolean };

export type ErrorFlag =
  | 'other'
  | 'noData'
  | 'unauthorized'
  | 'baudUnchangeable'
  | 'yearZonesExceeded'
  | 'daySlotsExceeded'
  | 'tariffsExceeded'
  | 'reserved';

export type Dlt645Message = Dlt645Request | Dlt645Response;

/** The decoded frame: link fields plus the typed message. */
export interface Dlt645Decoded {
  version: Dlt645Version;
  address: string;
  control: number;
  func: number;
  direction: 'request' | 'response';
  abnormal: boolean;
  more: boolean;
  preamble: number;
  message: Dlt645Message;
}
