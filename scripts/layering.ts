/**
 * Layering rule of the tree: protocols ← drivers ← src; simulators use protocols/drivers, never src.
 * `checkLayering` lists every import that breaks it; the test suite fails on any.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export const LAYERS = ['protocols', 'drivers', 'simulators', 'src'] as const;
export type Layer = (typeof LAYERS)[number];

/** Which layers each layer may import from (itself always allowed). */
export const ALLOWED: Record<Layer, readonly Layer[]> = {
  protocols: [],
  drivers: ['protocols'],
  simulators: ['protocols', 'drivers'],
  src: ['protocols', 'drivers'],
};

export interface Violation {
  file: string;
  line: number;
  specifier: string;
  from: Layer;
  to: Layer;
}

const IMPORT_RE = /(?:^|[^\w.])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[^\w.])import\s*\(\s*['"]([^'"]+)['"]\s*\)|(?:^|[^\w.])import\s+['"]([^'"]+)['"]/g;

function layerOf(root: string, file: string): Layer | undefined {
  const top = path.relative(root, file).split(path.sep)[0];
  return (LAYERS as readonly string[]).includes(top ?? '') ? (top as Layer) : undefined;
}

/** Checks the imports in one file's source text. */
export function checkSource(root: string, file: string, text: string): Violation[] {
  const from = layerOf(root, file);
  if (!from) return [];
  const out: Violation[] = [];
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (!spec || !spec.startsWith('.')) continue;
    const to = layerOf(root, path.resolve(path.dirname(file), spec));
    if (!to || to === from || ALLOWED[from].includes(to)) continue;
    const line = text.slice(0, m.index).split('\n').length;
    out.push({ file: path.relative(root, file), line, specifier: spec, from, to });
  }
  return out;
}

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else if (/\.(ts|mts|js|mjs)$/.test(name)) yield p;
  }
}

export function checkLayering(root: string): Violation[] {
  const out: Violation[] = [];
  for (const layer of LAYERS) {
    const dir = path.join(root, layer);
    try {
      statSync(dir);
    } catch {
      continue;
    }
    for (const f of walk(dir)) out.push(...checkSource(root, f, readFileSync(f, 'utf8')));
  }
  return out;
}
