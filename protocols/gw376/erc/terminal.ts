/** Terminal-level events: ERC1–4, 14, 20, 21, 32 (init/version, parameters, state inputs, power, auth, faults, traffic). */
import { array, ascii, bits, bitset, bytes, struct } from '../layout.js';
import type { ErcDef } from './common.js';

/** ERC1 数据初始化和版本变更记录 (Le 14). */
export const ERC1 = struct({
  time: 'A15',
  flags: bits(1, { dataInit: 0, versionChange: 1 }),
  oldVersion: ascii(4),
  newVersion: ascii(4),
});
/** ERC2 参数丢失记录 (Le 6). */
export const ERC2 = struct({ time: 'A15', flags: bits(1, { terminalParams: 0, pointParams: 1 }) });
/** ERC3 参数变更记录: initiating MSA then the changed data-unit identifiers (DA, DT). */
export const ERC3 = struct({ time: 'A15', msa: 'u8', ids: array(struct({ da: 'u16', dt: 'u16' }), '*') });
/** ERC4 状态量变位记录 (Le 7). */
export const ERC4 = struct({ time: 'A15', changed: bitset(1, 1), state: bitset(1, 1) });
/** ERC14 终端停/上电事件 (2009: Le 10). */
export const ERC14 = struct({ powerOff: 'A15', powerOn: 'A15' });
/**
 * ERC14 in 1376.1-2013 (Le 11): the digest says only that 2013 adds an attribute byte (事件属性). Taken
 * here as a trailing byte kept as a number, its bits not interpreted — UNVERIFIED (position and meaning
 * not checked against the 2013 text; the `search` tool was not available).
 */
export const ERC14_2013 = struct({ powerOff: 'A15', powerOn: 'A15', attribute: 'u8' });
/** ERC20 消息认证错误记录 (Le 22). */
export const ERC20 = struct({ time: 'A15', pw: bytes(16), msa: 'u8' });
/** ERC21 终端故障记录 (Le 6): 1 memory, 2 clock, 3 main board comms, 4 485 reading, 5 display, 6 carrier channel. */
export const ERC21 = struct({ time: 'A15', code: 'u8' });
/** ERC32 通信流量超门限事件 (Le 13). */
export const ERC32 = struct({ time: 'A15', monthBytes: 'u32', thresholdBytes: 'u32' });

export const TERMINAL_ERCS: ErcDef[] = [
  { erc: 1, name: 'data init / version change', nameZh: '数据初始化和版本变更记录', node: ERC1, typed: true },
  { erc: 2, name: 'parameter loss', nameZh: '参数丢失记录', node: ERC2, typed: true },
  { erc: 3, name: 'parameter change', nameZh: '参数变更记录', node: ERC3, typed: true },
  { erc: 4, name: 'status input change', nameZh: '状态量变位记录', node: ERC4, typed: true },
  { erc: 14, name: 'terminal power off/on', nameZh: '终端停/上电事件', node: ERC14, typed: true, node2013: ERC14_2013 },
  { erc: 20, name: 'message authentication error', nameZh: '消息认证错误记录', node: ERC20, typed: true },
  { erc: 21, name: 'terminal fault', nameZh: '终端故障记录', node: ERC21, typed: true },
  { erc: 32, name: 'traffic over threshold', nameZh: '通信流量超门限事件', node: ERC32, typed: true },
];
