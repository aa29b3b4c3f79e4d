/** The DL/T 645 DI registry with every group loaded. One file per DI class; add new groups here. */
import './energy.js';
import './demand.js';
import './instant.js';
import './events.js';
import './params.js';
import './freeze.js';
import './prepay.js';
import './v1997.js';

export { lookupDi, allDis, defineGroup } from './store.js';
export type { DiDefinition, DiEntry, DiValue, FieldFormat, FieldSpec, ScaledDecoder } from './types.js';
