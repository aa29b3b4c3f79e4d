import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLayering, checkSource } from '../../scripts/layering.js';

const root = path.resolve(import.meta.dirname, '../..');

describe('layering: protocols ← drivers ← src; simulators never import src', () => {
  it('the tree has no import that breaks the layering', () => {
    const v = checkLayering(root);
    expect(v.map((x) => `${x.file}:${x.line} ${x.from} → ${x.to} (${x.specifier})`)).toEqual([]);
  });

  it('flags a protocol module importing a driver', () => {
    const v = checkSource(root, path.join(root, 'protocols/dlt645/x.ts'), "import { SerialTransport } from '../../drivers/serial.js';");
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ from: 'protocols', to: 'drivers' });
  });

  it('flags a simulator importing the head-end, including dynamic and side-effect imports', () => {
    const file = path.join(root, 'simulators/meter/bus.ts');
    expect(checkSource(root, file, "const m = await import('../../src/store/index.js');")).toHaveLength(1);
    expect(checkSource(root, file, "import '../../src/cli/main.js';")).toHaveLength(1);
    expect(checkSource(root, file, "export { x } from '../../src/a.js';")).toHaveLength(1);
  });

  it('allows the permitted directions', () => {
    const file = path.join(root, 'src/meter/a.ts');
    expect(checkSource(root, file, "import { a } from '../../protocols/dlt645/index.js';\nimport { b } from '../../drivers/serial.js';")).toEqual([]);
  });
});
