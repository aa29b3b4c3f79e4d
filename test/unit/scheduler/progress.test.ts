import { describe, expect, it } from 'vitest';
import { ProgressBar } from '../../../src/cli/progress.js';

function sink(isTTY: boolean): { out: string[]; write(s: string): void; isTTY: boolean } {
  const out: string[] = [];
  return { out, isTTY, write: (s: string) => void out.push(s) };
}

describe('CLI progress bar', () => {
  it('not a terminal: plain lines at each tenth, no control characters', () => {
    const s = sink(false);
    const b = new ProgressBar(s, 'daily run 1', 10);
    for (let i = 0; i <= 20; i++) b.update(i, 20, 'x');
    b.end(20, 20, 'x');
    expect(s.out).toHaveLength(11);
    expect(s.out.every((l) => l.endsWith('\n') && !l.includes('\r') && !l.includes('\u001b'))).toBe(true);
    expect(s.out[0]).toBe('daily run 1 [----------]   0% 0/20 x\n');
    expect(s.out.at(-1)).toBe('daily run 1 [##########] 100% 20/20 x\n');
  });

  it('a terminal: one line redrawn in place, a newline at the end', () => {
    const s = sink(true);
    const b = new ProgressBar(s, 'clock run 2', 4);
    b.update(1, 2, 'y');
    b.update(1, 2, 'y');
    b.end(2, 2, 'y');
    expect(s.out).toEqual(['\rclock run 2 [##--]  50% 1/2 y\x1b[K', '\rclock run 2 [####] 100% 2/2 y\x1b[K', '\n']);
  });
});
