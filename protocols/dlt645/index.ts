/** DL/T 645-2007 / -1997: sans-I/O codec for electricity meters (frames, messages, DIs, deframer). */
export * from './address.js';
export * from './control.js';
export * from './di.js';
export * from './frame.js';
export * from './deframer.js';
export * from './messages.js';
export * from './message.js';
export * from './fast.js';
export { lookupDi, allDis } from './registry/index.js';
export type { DiEntry, DiValue, DiDefinition, FieldFormat, FieldSpec, ScaledDecoder } from './registry/index.js';
export { commandFor, allCommands, errorFlags, errorCode, ERR_TEXT, baudFromZ, zFromBaud } from './commands/index.js';
export type { CommandCodec } from './commands/index.js';
