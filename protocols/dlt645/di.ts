/**
 * Data identifiers (数据标识). 2007: 4 bytes DI3 DI2 DI1 DI0, printed `DI3DI2DI1DI0` in hex, sent DI0
 * first (DL/T 645-2007 §4.3.5 / 附录A). 1997: 2 bytes DI1 DI0, printed `DI1DI0`, sent DI0 first.
 * Internally a DI is the unsigned integer of its printed hex (0x0001FF00), so lookups are numeric.
 */
import { EncodeError } from '../codec/errors.js';

export function parseDi(text: string, version: 2007 | 1997 = 2007): number {
  const width = version === 2007 ? 8 : 4;
  const t = text.trim().replace(/^0x/i, '');
  if (t.length !== width || !/^[0-9a-fA-F]+$/.test(t)) {
    throw new EncodeError('di', `'${text}' is not a ${width}-hex-digit DL/T 645-${version} data identifier`);
  }
  return parseInt(t, 16) >>> 0;
}

export function formatDi(di: number, version: 2007 | 1997 = 2007): string {
  return di.toString(16).toUpperCase().padStart(version === 2007 ? 8 : 4, '0');
}
