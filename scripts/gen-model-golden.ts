/**
 * Writes test/fixtures/model-golden.json: the simulator model's values for the cases of
 * test/unit/simulators/model-golden-cases.ts, recorded from the code as it is.
 *
 * Regenerate ONLY on a deliberate, documented change of the formula (simulators/model.ts header):
 * the fixture is the contract that optimisations of the model must keep bit for bit, and the
 * head-end's tests compare stored values against the same formula.
 * Run: npx tsx scripts/gen-model-golden.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { goldenRecords } from '../test/unit/simulators/model-golden-cases.js';

const out = fileURLToPath(new URL('../test/fixtures/model-golden.json', import.meta.url));
const records = goldenRecords();
// One record per line: a formula change shows as a readable diff of the records it touches.
const lines = Object.entries(records).map(([k, v]) => `    ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
const note = 'Recorded by scripts/gen-model-golden.ts from simulators/model.ts. Regenerate only on a deliberate, documented formula change.';
writeFileSync(out, `{\n  "note": ${JSON.stringify(note)},\n  "records": {\n${lines.join(',\n')}\n  }\n}\n`);
console.log(`${out}: ${lines.length} records`);
