/**
 * AFN03 relay station command (中继站命令), Q/GDW 376.1-2009 §5.5.1.3.4, F1–F4, p0.
 * Kept as raw bytes (frame layer only): the unit's data is the rest of the data area.
 */
import { registerRawAfn } from './common.js';

export const AFN_RELAY = 0x03;

registerRawAfn({ afn: AFN_RELAY, name: 'relay station command', nameZh: '中继站命令', needsPw: false, needsTp: false, downFunction: 4, confirm: false }, [
  [1, 'relay station working state control', '中继站工作状态控制'],
  [2, 'relay station state query', '中继站工作状态查询'],
  [3, 'relay station working state switch record query', '中继站工作状态切换记录查询'],
  [4, 'relay station running statistics query', '中继站运行状态统计查询'],
]);
