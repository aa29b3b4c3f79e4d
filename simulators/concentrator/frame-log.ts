/**
 * One readable line per 376.1 frame for technicians (`hes-sim concentrator`):
 *   `12:00:01.250 IN  AFN0D ↓ PRM=1 C=4B A=1101-00001 MSA=1 SEQ=9 FIR FIN TpV | p1 F161 {"td":…} | 68 4A 00 …`
 * Direction, AFN, what the control field says, address, sequence flags, the decoded units (JSON, long
 * values shortened) and the whole frame in hex. Undecodable frames print their hex and the error.
 */
import { decodeMessage, type MessageUnit } from '../../protocols/gw376/index.js';

const hex2 = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');

export function hexOf(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (i ? ' ' : '') + hex2(b[i]!);
  return s;
}

const LINK_NAMES: Record<number, string> = { 1: 'login', 2: 'logout', 3: 'heartbeat' };

function unitText(u: MessageUnit, max: number): string {
  if (u.raw) return `raw(${u.reason}) ${hexOf(u.bytes)}`;
  const head = `p${u.pn} F${u.fn}`;
  if (u.data === undefined) return head;
  let j = JSON.stringify(u.data, (_k, v: unknown) => (v instanceof Uint8Array || (typeof v === 'object' && v !== null && (v as { type?: string }).type === 'Buffer') ? hexOf(Buffer.from(v as Uint8Array)) : v));
  if (j.length > max) j = j.slice(0, max) + '…';
  return `${head} ${j}`;
}

/** Summary of a frame (no hex). */
export function describeFrame(bytes: Buffer, maxUnitChars = 160): string {
  try {
    const m = decodeMessage(bytes);
    const c = bytes[6] ?? 0;
    const flags = [m.fir ? 'FIR' : '', m.fin ? 'FIN' : '', m.con ? 'CON' : '', m.tp ? 'TpV' : '', m.dir === 'up' && m.fcbAcd ? 'ACD' : ''].filter(Boolean).join(' ');
    const afn = `AFN${hex2(m.afn)}`;
    const link = m.afn === 0x02 && !m.units[0]?.raw ? ` ${LINK_NAMES[m.units[0]?.fn ?? 0] ?? ''}` : '';
    const units = m.units.slice(0, 8).map((u) => unitText(u, maxUnitChars));
    if (m.units.length > 8) units.push(`… ${m.units.length - 8} more units`);
    const ec = m.ec ? ` EC=${m.ec.important}/${m.ec.normal}` : '';
    return `${afn}${link} ${m.dir === 'up' ? '↑' : '↓'} PRM=${m.prm ? 1 : 0} C=${hex2(c)} A=${m.a1}-${String(m.a2).padStart(5, '0')} MSA=${m.msa} SEQ=${m.seq}${flags ? ' ' + flags : ''}${ec} | ${units.join('; ')}`;
  } catch (e) {
    return `undecodable (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`;
  }
}

/** `HH:MM:SS.mmm IN  <summary> | <hex>` (local time of the process). */
export function frameLine(dir: 'in' | 'out', bytes: Buffer, note?: string, at = new Date()): string {
  const t = at.toTimeString().slice(0, 8) + '.' + String(at.getMilliseconds()).padStart(3, '0');
  return `${t} ${dir === 'in' ? 'IN ' : 'OUT'} ${note ? `[${note}] ` : ''}${describeFrame(bytes)} | ${hexOf(bytes)}`;
}
