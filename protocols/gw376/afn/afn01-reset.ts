/**
 * AFN01 reset (复位命令), Q/GDW 376.1-2009 §5.5.1.3.2. Downlink with PW (and usually Tp); p0, no data.
 * The terminal answers with AFN00. Default control function code 1 (reset).
 */
import { registerAfn, registerFns } from '../registry.js';

export const AFN_RESET = 0x01;

registerAfn({ afn: AFN_RESET, name: 'reset', nameZh: '复位命令', needsPw: true, needsTp: true, downFunction: 1, confirm: true });
registerFns([
  { afn: AFN_RESET, fn: 1, name: 'hardware initialisation', nameZh: '硬件初始化', p0Only: true },
  { afn: AFN_RESET, fn: 2, name: 'data area initialisation', nameZh: '数据区初始化', p0Only: true },
  { afn: AFN_RESET, fn: 3, name: 'restore factory parameters', nameZh: '参数及全体数据区初始化（即恢复至出厂配置）', p0Only: true },
  { afn: AFN_RESET, fn: 4, name: 'initialise parameters except communication', nameZh: '参数（除与系统主站通信有关的）及全体数据区初始化', p0Only: true },
]);
