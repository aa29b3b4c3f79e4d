/** DL/T 645 meter simulator: meters, bus, faults, server. */
export { SimulatedMeter, ERR, normaliseAddress, type MeterOptions } from './meter.js';
export { MeterBus, type BusLink, type BusLogger, type BusMeter, type BusOptions, type BusCounters, type PlannedReply, type Timers } from './bus.js';
export { parseFault, parseAddressedFault, FAULT_KINDS, FaultPlan, FaultParseError, corruptReply, neighbourAddress, type FaultKind, type FaultSpec, type FaultTrigger } from './faults.js';
export { runMeterSimulator, buildMeters, type MeterSimulatorOptions, type MeterSimulatorHandle } from './server.js';
export { EventLog, EVENT_DIS, type EventClass } from './events.js';
