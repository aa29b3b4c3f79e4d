import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clearProfileCache, profileFor, QUANTITY_BY_DI2, quantityWhAt, registerValuesAt } from '../../../simulators/model.js';
import { goldenRecords, IDS, normalise, SEEDS } from './model-golden-cases.js';

/** Recorded by scripts/gen-model-golden.ts; regenerated only on a deliberate, documented formula change. */
const fixture = JSON.parse(readFileSync(new URL('../../fixtures/model-golden.json', import.meta.url), 'utf8')) as { records: Record<string, unknown> };

interface EnergyRecord {
  t: number;
  wh: number[][];
  registers: number[][];
}
const energyOf = (key: string): EnergyRecord[] => (fixture.records[key] as { energy: EnergyRecord[] }).energy;
const profileKeys = SEEDS.flatMap((seed) => IDS.map((id) => ({ seed, id, key: `profile ${String(seed)} ${JSON.stringify(id)}` })));

describe('model golden values: the optimised model gives exactly the recorded values', () => {
  clearProfileCache();
  const live = goldenRecords();

  it('covers the same records as the fixture', () => {
    expect(Object.keys(live).sort()).toEqual(Object.keys(fixture.records).sort());
  });

  for (const key of Object.keys(fixture.records)) {
    it(key, () => {
      expect(live[key]).toEqual(fixture.records[key]);
    });
  }

  it('the cases exercise export (PV) and import-only meters', () => {
    const pv = SEEDS.flatMap((s) => IDS.map((id) => profileFor(s, id).pvPeakW > 0));
    expect(pv.filter(Boolean).length).toBeGreaterThanOrEqual(5);
    expect(pv.filter((x) => !x).length).toBeGreaterThanOrEqual(5);
  });

  it('single-quantity registers (registerValuesAt, quantityWhAt) equal the recorded ones, whatever was computed before', () => {
    // Cold profiles, one quantity at a time: the channel groups are filled in a different order than above.
    clearProfileCache();
    for (const [qi, q] of QUANTITY_BY_DI2.entries()) {
      for (const { seed, id, key } of profileKeys) {
        for (const e of energyOf(key)) {
          expect(normalise(registerValuesAt(profileFor(seed, id), e.t, q)), `${key} ${q} ${e.t}`).toEqual(e.registers[qi]);
        }
      }
    }
    const fwd = profileKeys.map(({ seed, id, key }) => energyOf(key).map((e) => [quantityWhAt(profileFor(seed, id), e.t, 'forwardActive'), e.wh[0]]));
    for (const rows of fwd) for (const [got, want] of rows) expect(got).toEqual(want);
  });

  it('gives the same values again with the profiles cached', () => {
    expect(goldenRecords()).toEqual(live);
  });
});
