/**
 * DI registry store: lookup by numeric DI per edition. Group files (one per DI class) call `defineGroup`
 * with their definitions; `registry/index.ts` imports every group.
 */
import { compileDi } from './compile.js';
import type { DiDefinition, DiEntry } from './types.js';

const reg2007 = new Map<number, DiEntry>();
const reg1997 = new Map<number, DiEntry>();

export function defineGroup(defs: readonly DiDefinition[], version: 2007 | 1997 = 2007): void {
  const reg = version === 2007 ? reg2007 : reg1997;
  for (const d of defs) {
    if (reg.has(d.di)) throw new Error(`duplicate DL/T 645-${version} DI ${d.di.toString(16)}`);
    reg.set(d.di, compileDi(d, version));
  }
}

export function lookupDi(di: number, version: 2007 | 1997 = 2007): DiEntry | undefined {
  return (version === 2007 ? reg2007 : reg1997).get(di);
}

export function allDis(version: 2007 | 1997 = 2007): DiEntry[] {
  return [...(version === 2007 ? reg2007 : reg1997).values()];
}

export type { DiDefinition, DiEntry, DiValue, FieldFormat, FieldSpec } from './types.js';
