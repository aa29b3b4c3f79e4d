/** Q/GDW 376.1 codec: link frame, data identifiers, message layer, deframer, multi-frame, builders. */
import './afn/index.js';

export * from './frame.js';
export * from './pw.js';
export * from './data-id.js';
export * from './message.js';
export * from './deframer.js';
export * from './multiframe.js';
export * as builders from './builders.js';
export * from './registry.js';
export type { ClockA1, YmdDate } from './afn/common.js';
export type { ConfirmItem, PerItemConfirm } from './afn/afn00-confirm.js';
export type { HeartbeatData } from './afn/afn02-link.js';
export type { VersionInfo } from './afn/afn09-config.js';
export type { ForwardRequest, ForwardResponse, MeterReadRequest, MeterReadResponse, SerialControl } from './afn/afn10-forward.js';
export { decodeSerialControl, encodeSerialControl, BAUD_RATES } from './afn/afn10-forward.js';
