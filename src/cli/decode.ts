/** `hes decode <hex…> [--json]`: decodes a DL/T 645 or Q/GDW 376.1 frame. */
import type { Command } from 'commander';
import { inspectFrame } from '../services/frame-inspector.js';
import { renderValue, toJson } from './format.js';
import type { Dlt645Decoded } from '../../protocols/dlt645/messages.js';
import { functionName } from '../../protocols/dlt645/control.js';
import type { DiValue } from '../../protocols/dlt645/registry/types.js';

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
      else out(typeof result.decoded === 'string' ? result.decoded : toJson(result.decoded));
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
