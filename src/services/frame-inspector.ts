/**
 * Decodes any frame a technician pastes: detects DL/T 645 or Q/GDW 376.1 by its header and returns a
 * structured, printable description. Used by `hes decode` (and later the API).
 */
import { parseHex } from '../../protocols/codec/hex.js';
import { decodeFrame } from '../../protocols/dlt645/frame.js';
import { decodeFrameMessage } from '../../protocols/dlt645/message.js';
import type { Dlt645Decoded } from '../../protocols/dlt645/messages.js';
import { lookupDi } from '../../protocols/dlt645/registry/index.js';
import { parseDi } from '../../protocols/dlt645/di.js';
import { FrameError } from '../../protocols/codec/errors.js';
import type { Dlt645Version } from '../../protocols/dlt645/control.js';
import { decodeMessage as decodeGw376, lookupAfn, lookupFn, type Gw376Message } from '../../protocols/gw376/index.js';

const hex2 = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');

export type InspectedFrame =
  | { protocol: 'dlt645'; hex: string; decoded: Dlt645Decoded; di?: { name: string; nameZh: string; unit?: string } }
  | { protocol: 'gw376'; hex: string; decoded: Gw376Message; names: Record<string, string> };

/** Which protocol a frame's header announces (after FE preamble bytes). */
export function detectProtocol(bytes: Buffer): 'dlt645' | 'gw376' {
  let p = 0;
  while (p < bytes.length && bytes[p] === 0xfe) p++;
  if (bytes[p] !== 0x68) throw new FrameError('no-start', '68H (after optional FE bytes)', bytes, p);
  // Q/GDW 376.1: 68 L L 68 with both L equal (§5.2.1); DL/T 645: 68 A0..A5 68.
  if (bytes.length >= p + 6 && bytes[p + 5] === 0x68 && bytes[p + 1] === bytes[p + 3] && bytes[p + 2] === bytes[p + 4]) {
    if (bytes[p + 7] !== 0x68) return 'gw376';
  }
  return 'dlt645';
}

export function inspectFrame(text: string, opts: { version?: Dlt645Version } = {}): InspectedFrame {
  const bytes = parseHex(text);
  const protocol = detectProtocol(bytes);
  const hex = bytes.toString('hex').toUpperCase().replace(/(..)(?!$)/g, '$1 ');
  if (protocol === 'gw376') {
    const decoded = decodeGw376(bytes);
    // Name every (AFN, Fn) present so a technician sees what each unit is.
    const names: Record<string, string> = {};
    const afn = lookupAfn(decoded.afn);
    if (afn) names[`AFN${hex2(decoded.afn)}`] = `${afn.name} (${afn.nameZh})`;
    for (const u of decoded.units) {
      if (u.raw) continue;
      const e = lookupFn(decoded.afn, u.fn);
      if (e) names[`F${u.fn}`] = `${e.name} (${e.nameZh})`;
    }
    return { protocol, hex, decoded, names };
  }
  const decoded = decodeFrameMessage(decodeFrame(bytes), opts.version ? { version: opts.version } : {});
  const m = decoded.message;
  const out: InspectedFrame = { protocol, hex, decoded };
  if ('di' in m && typeof m.di === 'string') {
    const e = lookupDi(parseDi(m.di, decoded.version), decoded.version);
    if (e) out.di = e.unit ? { name: e.name, nameZh: e.nameZh, unit: e.unit } : { name: e.name, nameZh: e.nameZh };
  }
  return out;
}
