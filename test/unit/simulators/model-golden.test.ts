import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { profileFor } from '../../../simulators/model.js';
import { goldenRecords, IDS, SEEDS } from './model-golden-cases.js';

/** Recorded by scripts/gen-model-golden.ts; regenerated only on a deliberate, documented formula change. */
const fixture = JSON.parse(readFileSync(new URL('../../fixtures/model-golden.json', import.meta.url), 'utf8')) as { records: Record<string, unknown> };

describe('model golden values: the optimised model gives exactly the recorded values', () => {
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

  it('gives the same values again with the profiles cached', () => {
    expect(goldenRecords()).toEqual(live);
  });
});
