/** Test helpers for system tools: fail (never skip) with a message naming what is missing. */
import { mosquittoPath } from '../../drivers/mosquitto.js';
import { socatAvailable } from '../../drivers/pty-pair.js';

export function requireSocat(): void {
  if (!socatAvailable()) {
    throw new Error('socat is missing: run `node scripts/ensure-system-tools.mjs` as root (apt-get install socat) — serial tests need virtual pty pairs');
  }
}

/** Fails (never skips) when Mosquitto is missing, naming what to do. */
export function requireMosquitto(): void {
  if (!mosquittoPath()) {
    throw new Error('mosquitto is missing: run `node scripts/ensure-system-tools.mjs` as root (apt-get install mosquitto) — the MQTT channel tests need an external broker');
  }
}

/** Fails (never skips) when influxd is missing (test/helpers/influxd.ts starts one). */
export { requireInfluxd } from './influxd.js';
