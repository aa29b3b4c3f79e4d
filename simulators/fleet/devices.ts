/**
 * How the fleet makes terminals and reaches their device-level faults, typed against what the terminal
 * brain (`simulators/concentrator/terminal.ts`, `faults.ts`) exposes: `terminal.faults.set(patch, now)`
 * with the `FaultPatch` keys used below. A device without `faults` simply does not get device faults
 * (counted as `unsupported`).
 */
import type { TerminalDevice, TerminalId } from '../concentrator/device.js';

export interface DeviceSpec {
  id: TerminalId;
  /** Meters behind the terminal (Pn 1..meters). */
  meters: number;
  seed: number | string;
  /** Parameter overrides saved by `--state` (the brain's toJSON), when any. */
  state?: unknown;
}

export type DeviceFactory = (spec: DeviceSpec) => TerminalDevice;

/** The subset of the brain's fault flags the fleet drives (simulators/concentrator/faults.ts FaultPatch). */
export interface DeviceFaultPatch {
  denyAll?: boolean;
  powerOff?: boolean;
  meterMissing?: ReadonlySet<number>;
  clockDriftPpm?: number;
}

export interface DeviceFaultApi {
  set(patch: DeviceFaultPatch, now?: number): void;
}

/** The device's fault API, when it has one. */
export function deviceFaultsOf(d: TerminalDevice): DeviceFaultApi | undefined {
  const f = (d as { faults?: unknown }).faults;
  if (typeof f === 'object' && f !== null && typeof (f as { set?: unknown }).set === 'function') return f as DeviceFaultApi;
  return undefined;
}

/** Saves/restores a device's parameter overrides (the brain's `toJSON` / `fromJSON`), when it has them. */
export function deviceStateOf(d: TerminalDevice): (() => unknown) | undefined {
  const fn = (d as { toJSON?: unknown }).toJSON;
  return typeof fn === 'function' ? () => (fn as () => unknown).call(d) : undefined;
}
