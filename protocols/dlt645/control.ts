/**
 * Control code C (DL/T 645-2007 §4.3.3 / -1997 §4.3): D7 direction (1 = reply), D6 abnormal reply,
 * D5 follow-up frame, D4..D0 function code.
 */

export const C_DIRECTION = 0x80;
export const C_ABNORMAL = 0x40;
export const C_MORE = 0x20;
export const C_FUNCTION = 0x1f;

export type Dlt645Version = 2007 | 1997;

/** Function codes of DL/T 645-2007 (and the 费控 amendment's 03H/1CH). */
export const Fn2007 = {
  security: 0x03,
  broadcastTime: 0x08,
  read: 0x11,
  readFollow: 0x12,
  readAddress: 0x13,
  write: 0x14,
  writeAddress: 0x15,
  freeze: 0x16,
  changeBaud: 0x17,
  changePassword: 0x18,
  demandReset: 0x19,
  meterClear: 0x1a,
  eventClear: 0x1b,
  control: 0x1c,
} as const;

/** Function codes of DL/T 645-1997. */
export const Fn1997 = {
  read: 0x01,
  readFollow: 0x02,
  reread: 0x03,
  write: 0x04,
  broadcastTime: 0x08,
  writeAddress: 0x0a,
  changeBaud: 0x0c,
  changePassword: 0x0f,
  demandReset: 0x10,
} as const;

export type FunctionName2007 = keyof typeof Fn2007;
export type FunctionName1997 = keyof typeof Fn1997;

const NAMES_2007 = new Map<number, FunctionName2007>(
  Object.entries(Fn2007).map(([k, v]) => [v, k as FunctionName2007]),
);
const NAMES_1997 = new Map<number, FunctionName1997>(
  Object.entries(Fn1997).map(([k, v]) => [v, k as FunctionName1997]),
);

/**
 * Which edition a function code belongs to (dlt645 digest §7.1): 11H–1CH and 03H are 2007;
 * 01H, 02H, 04H, 0AH, 0CH, 0FH, 10H are 1997; 08H (broadcast time) is common — reported as 2007
 * unless the caller knows better. 03H is 2007 security, not 1997 re-read, unless the DI length says 1997.
 */
export function versionOfFunction(func: number): Dlt645Version | undefined {
  if (func === 0x08) return 2007;
  if (NAMES_2007.has(func)) return 2007;
  if (NAMES_1997.has(func)) return 1997;
  return undefined;
}

export function functionName(func: number, version: Dlt645Version): string | undefined {
  return version === 2007 ? NAMES_2007.get(func) : NAMES_1997.get(func);
}
