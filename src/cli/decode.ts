/** `hes decode <hex…> [--json]`: decodes a DL/T 645 or Q/GDW 376.1 frame. */
import type { Command } from 'commander';
import { inspectFrame } from '../services/frame-inspector.js';
import { renderValue, toJson } from './format.js';
import type { Dlt645Decoded } from '../../protocols/dlt645/messages.js';
import { functionName } from '../../protocols/dlt645/control.js';
import type { DiValue } from '../../protocols/dlt645/registry/types.js';
import type { Gw376Message } from '../../protocols/gw376/index.js';
import { toHex } from '../../protocols/codec/hex.js';

export function registerDecode(program: Command, out: (s: string) => void): void {
  program
    .command('decode')
    .description('decode a DL/T 645 or Q/GDW 376.1 frame given as hex (FE preamble and spaces allowed)')
    .argument('<hex...>', 'frame bytes, e.g. "68 AA AA AA AA AA AA 68 13 00 DF 16"')
    .option('--json', 'print JSON')
    .option('--edition <year>', 'DL/T 645 edition when ambiguous: 2007 or 1997')
    .action((hex: string[], opts: { json?: boolean; edition?: string }) => {
      const version = opts.edition === '1997' ? 1997 : opts.edition === '2007' ? 2007 : undefined;
      const result = inspectFrame(hex.join(' '), version ? { version } : {});
      if (opts.json) {
        out(toJson(result));
        return;
      }
      if (result.protocol === 'dlt645') out(renderDlt645(result.decoded, result.di));
      else out(renderGw376(result.decoded, result.names));
    });
}

function renderDlt645(d: Dlt645Decoded, di?: { name: string; nameZh: string; unit?: string }): string {
  const m = d.message as Record<string, unknown> & { kind: string };
  const lines = [
    `protocol   DL/T 645-${d.version}`,
    `address    ${d.address}`,
    `control    ${d.control.toString(16).toUpperCase().padStart(2, '0')}H  ${functionName(d.func, d.version) ?? '?'} ${d.direction}${d.abnormal ? ' ABNORMAL' : ''}${d.more ? ' (more frames follow)' : ''}`,
    `message    ${m.kind}`,
  ];
  if (d.preamble) lines.splice(1, 0, `preamble   ${d.preamble} × FE`);
  for (const [k, v] of Object.entries(m)) {
    if (k === 'kind' || k === 'value' || v === undefined) continue;
    lines.push(`${k.padEnd(10)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  }
  if (di) lines.push(`name       ${di.name} (${di.nameZh})`);
  if ('value' in m) lines.push(`value      ${renderValue(m.value as DiValue, di?.unit)}`);
  return lines.join('\n');
}

const h2 = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');

function renderGw376(m: Gw376Message, names: Record<string, string>): string {
  const lines = [
    `protocol   Q/GDW 376.1${m.revision ? `-${m.revision}` : ''} (protocol id ${m.protocolId ?? 2})`,
    `control    ${m.dir === 'down' ? 'DIR=0 master→terminal' : 'DIR=1 terminal→master'}, PRM=${m.prm ? 1 : 0}, ${m.dir === 'down' ? 'FCB' : 'ACD'}=${m.fcbAcd ? 1 : 0}${m.dir === 'down' ? `, FCV=${m.fcv ? 1 : 0}` : ''}, function ${m.func}`,
    `address    A1 ${m.a1}  A2 ${m.a2}  MSA ${m.msa ?? 0}${m.group ? ' (group)' : ''}`,
    `AFN        ${h2(m.afn)}H ${names[`AFN${h2(m.afn)}`] ?? ''}`,
    `SEQ        ${m.seq}  FIR=${m.fir ? 1 : 0} FIN=${m.fin ? 1 : 0} CON=${m.con ? 1 : 0}${m.tp ? ' TpV=1' : ''}`,
  ];
  for (const u of m.units) {
    if (u.raw) {
      lines.push(`unit       raw (${u.reason}) Pn ${u.pns.join(',') || '-'} Fn ${u.fns.join(',') || '-'}: ${toHex(u.bytes)}`);
      continue;
    }
    const name = names[`F${u.fn}`] ?? 'unknown';
    lines.push(`unit       p${u.pn} F${u.fn} ${name}`);
    if (u.data !== undefined) {
      for (const l of toJson(u.data).split('\n')) lines.push(`             ${l}`);
    }
  }
  if (m.pw !== undefined) lines.push(`PW         ${m.pw}`);
  if (m.ec) lines.push(`EC         important ${m.ec.important}, normal ${m.ec.normal}`);
  if (m.tp) {
    const t = m.tp.sendTime;
    const sent = t ? `sent day ${t.day} ${pad2(t.hour)}:${pad2(t.minute)}:${pad2(t.second)} (terminal time)` : 'send time not BCD';
    lines.push(`Tp         PFC ${m.tp.pfc}, ${sent}, allowed delay ${m.tp.delayMinutes === 0 ? 'not checked' : `${m.tp.delayMinutes} min`}`);
  }
  if (m.auxShortfall) lines.push('note       an announced AUX part did not fit and was treated as absent');
  return lines.join('\n');
}

const pad2 = (n: number): string => String(n).padStart(2, '0');
