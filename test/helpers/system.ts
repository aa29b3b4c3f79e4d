/** Test helpers for system tools: fail (never skip) with a message naming what is missing. */
import { socatAvailable } from '../../drivers/pty-pair.js';

export function requireSocat(): void {
  if (!socatAvailable()) {
    throw new Error('socat is missing: run `node scripts/ensure-system-tools.mjs` as root (apt-get install socat) — serial tests need virtual pty pairs');
  }
}
