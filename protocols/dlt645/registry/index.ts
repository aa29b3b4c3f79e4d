/** The DL/T 645 DI registry with every group loaded. One file per DI class; add new groups here. */
import './energy.js';

export { lookupDi, allDis, defineGroup } from './store.js';
export type { DiDefinition, DiEntry, DiValue, FieldFormat, FieldSpec } from './types.js';
