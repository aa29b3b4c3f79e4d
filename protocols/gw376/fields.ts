/**
 * Field groups shared by several data-unit and event layouts (spread into a `struct({ … })`, so the
 * fields stay flat in the decoded value and keep their wire order).
 */
import type { Spec } from './layout.js';

/** Phase voltages (A.7, V) then phase currents (A.25, A): Ua Ub Uc Ia Ib Ic. */
export const PHASE_UI = { ua: 'A7', ub: 'A7', uc: 'A7', ia: 'A25', ib: 'A25', ic: 'A25' } as const satisfies Record<string, Spec>;
