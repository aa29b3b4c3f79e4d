/** Simulated Q/GDW 376.1 concentrator: the sans-I/O terminal and its parts. */
export { terminalKey, type TerminalDevice, type TerminalId } from './device.js';
export { SimulatedTerminal, type TerminalOptions, type TerminalJSON } from './terminal.js';
export { ParamStore, meterAddress, pnOfDefaultAddress, PROTOCOL_645_2007, METER_PORT, type MeterConfig, type ParamsJSON, type ParamDefaults } from './params.js';
export {
  modelIdOf, profileOf, realtimeOf, historyOf, curvePoint, f25Of, registerValues, densityMs, tdKindOf, a15Of, a1Of,
  instantOfDay, instantOfMonth, instantOfA15, monthStartOf, defaultPurchase, INDICATION_QUANTITIES, TARIFFS,
  type MeterContext, type CurveTd, type PurchaseInfo,
} from './meters.js';
export { EventLog, EVENT_CAPACITY, type EventReplyData } from './events.js';
export { ControlState, type ControlEnv, type ControlsJSON } from './controls.js';
export { TerminalFaults, corruptCs, type FaultFlags, type FaultPatch } from './faults.js';
export { TerminalClock } from './clock.js';
export { forwardTransparent, type ForwardEnv } from './forward.js';
