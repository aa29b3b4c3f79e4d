/** The library examples (examples/*.ts) assert what they show: running them is their test. */
import { readdirSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';

const files = readdirSync(new URL('../../examples/', import.meta.url)).filter((f) => f.endsWith('.ts'));

describe('examples', () => {
  it('there are examples', () => expect(files.length).toBeGreaterThan(0));
  it.each(files)('%s runs with every assertion holding', async (file) => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await import(`../../examples/${file}`);
      expect(log).toHaveBeenLastCalledWith('all library examples hold');
    } finally {
      log.mockRestore();
    }
  });
});
