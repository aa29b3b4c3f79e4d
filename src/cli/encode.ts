/** `hes encode gw376 …` and `hes encode dlt645 …`: build request frames and print them as hex. */
import type { Command } from 'commander';
import { toHex } from '../../protocols/codec/hex.js';
import { InputError } from '../errors.js';
import { buildDlt645Read, buildGw376Request, parsePnList, timeLabelData } from '../services/frame-builder.js';
import { toJson } from './format.js';

function intOf(name: string, text: string, radix: 10 | 16, min: number, max: number): number {
  const ok = radix === 16 ? /^(0x)?[0-9a-f]+$/i.test(text) : /^\d+$/.test(text);
  const n = ok ? parseInt(text.replace(/^0x/i, ''), radix) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new InputError(name, `'${text}' is not ${radix === 16 ? 'hex ' : ''}${min}..${max}`);
  return n;
}

export function registerEncode(program: Command, out: (s: string) => void): void {
  const encode = program.command('encode').description('build request frames and print them as hex');

  encode
    .command('gw376')
    .description('a Q/GDW 376.1 master request, e.g. --afn 0D --fn 161 --pn 1-8 --date 2026-11-21 --area 1101 --terminal 1234')
    .requiredOption('--afn <hex>', 'application function code, hex (0C, 0D, 0A …)')
    .requiredOption('--fn <n...>', 'Fn number(s)')
    .option('--pn <list>', 'measuring points: 0 (terminal), 1-8, 1,3,5-7', '0')
    .requiredOption('--area <A1>', 'region code A1, 4 digits')
    .requiredOption('--terminal <A2>', 'terminal address A2, 1..65535 (decimal)')
    .option('--msa <n>', 'master station address 1..127', '1')
    .option('--seq <n>', 'PSEQ 0..15', '0')
    .option('--date <YYYY-MM-DD>', 'daily time label Td_d (AFN0D daily Fns)')
    .option('--month <YYYY-MM>', 'monthly time label Td_m (AFN0D monthly Fns)')
    .option('--from <YYYY-MM-DDThh:mm>', 'curve start (AFN0D curve Fns)')
    .option('--density <n>', 'curve density code (1 = 15 min, 2 = 30 min, 3 = 60 min)', '1')
    .option('--points <n>', 'curve points', '96')
    .option('--data <json>', 'unit data as JSON, for Fns with other downlink data (AFN04/05)')
    .option('--tp', 'add a time label Tp (send time now, 5 minutes allowed delay)')
    .option('--pw <hex>', 'PW, 32 hex digits, for AFN01/04/05/06/0F/10 (default: 16 zero bytes)')
    .option('--json', 'print JSON')
    .action((o: Record<string, string | boolean | string[] | undefined>) => {
      let data: unknown;
      if (typeof o.data === 'string') {
        try {
          data = JSON.parse(o.data);
        } catch (e) {
          throw new InputError('data', `not valid JSON: ${(e as Error).message}`);
        }
      } else {
        data = timeLabelData({
          ...(typeof o.date === 'string' ? { date: o.date } : {}),
          ...(typeof o.month === 'string' ? { month: o.month } : {}),
          ...(typeof o.from === 'string' ? { from: o.from } : {}),
          density: intOf('density', String(o.density), 10, 0, 255),
          points: intOf('points', String(o.points), 10, 1, 255),
        });
      }
      const frame = buildGw376Request({
        afn: intOf('afn', String(o.afn), 16, 0, 0xff),
        fns: (o.fn as string[]).map((f) => intOf('fn', f.replace(/^F/i, ''), 10, 1, 248)),
        pns: parsePnList(String(o.pn)),
        area: String(o.area),
        terminal: intOf('terminal', String(o.terminal), 10, 1, 65535),
        msa: intOf('msa', String(o.msa), 10, 0, 127),
        seq: intOf('seq', String(o.seq), 10, 0, 15),
        ...(data === undefined ? {} : { data }),
        ...(o.tp ? { tp: true } : {}),
        ...(typeof o.pw === 'string' ? { pw: o.pw } : {}),
      });
      out(o.json ? toJson({ protocol: 'gw376', hex: toHex(frame) }) : toHex(frame));
    });

  encode
    .command('dlt645')
    .description('a DL/T 645 read request (with 4 FE wake-up bytes)')
    .requiredOption('--address <12 digits>', 'meter address (AA wildcards allowed)')
    .requiredOption('--di <DI>', 'data identifier')
    .option('--edition <year>', '2007 or 1997', '2007')
    .option('--json', 'print JSON')
    .action((o: { address: string; di: string; edition: string; json?: boolean }) => {
      if (o.edition !== '2007' && o.edition !== '1997') throw new InputError('edition', `'${o.edition}' is not 2007 or 1997`);
      const frame = buildDlt645Read(o.address, o.di, o.edition === '1997' ? 1997 : 2007);
      out(o.json ? toJson({ protocol: 'dlt645', hex: toHex(frame) }) : toHex(frame));
    });
}
