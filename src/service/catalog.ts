/**
 * The head-end's list of the terminals it should serve, for listings (`terminal list --offline` shows
 * archive terminals that never came online) and `terminal show`. The FEP only needs
 * `TerminalDirectory.lookup`; this adds enumeration and the archive's facts.
 */
import type { Archive } from '../archive/archive.js';
import type { DialOutTarget } from '../fep/dial-out.js';
import type { MemoryDirectory, TerminalRecord } from '../fep/directory.js';
import { terminalKeyOf } from '../fep/directory.js';

export interface CatalogEntry {
  id: string;
  terminal: string;
  a1: string;
  a2: number;
}

export interface TerminalCatalog {
  /** Every terminal of the archive, in key order. */
  list(): CatalogEntry[];
  /** Number of terminals (cheap). */
  count(): number;
  /** Archive facts of one terminal (no PW), or undefined when it is not in the archive. */
  describe(a1: string, a2: number): Record<string, unknown> | undefined;
  /** Terminals the head-end calls (dial-out) and where they listen; absent = none. */
  dialOutTargets?(): DialOutTarget[];
}

/** The archive (SQLite) as the catalog. */
export function archiveCatalog(archive: Archive): TerminalCatalog {
  let targets: { version: number; list: DialOutTarget[] } | undefined;
  return {
    dialOutTargets: () => {
      // Re-read only after a commit of another connection (hes archive import while serving).
      const version = archive.dataVersion();
      if (targets?.version !== version) targets = { version, list: archive.dialOutTerminals().map((t) => ({ terminal: t.key, host: t.host, port: t.port })) };
      return targets.list;
    },
    list: () => archive.terminals().map((t) => ({ id: t.key, terminal: t.key, a1: t.a1, a2: t.a2 })),
    count: () => archive.stats().terminals,
    describe: (a1, a2) => {
      const t = archive.terminalByAddress(a1, a2);
      if (!t) return undefined;
      const { pw, ...rest } = t;
      return { ...rest, ownPw: pw !== undefined, meterList: archive.metersOf(t.key) };
    },
  };
}

/** An in-memory directory as the catalog (tests, embedding). */
export function memoryCatalog(dir: MemoryDirectory): TerminalCatalog {
  const entry = (r: TerminalRecord): CatalogEntry => ({ id: r.id, terminal: terminalKeyOf(r.a1, r.a2), a1: r.a1, a2: r.a2 });
  return {
    list: () => dir.list().map(entry).sort((a, b) => a.terminal.localeCompare(b.terminal)),
    count: () => dir.size,
    describe: (a1, a2) => {
      const r = dir.lookup(a1, a2);
      if (!r) return undefined;
      return { id: r.id, key: terminalKeyOf(r.a1, r.a2), a1: r.a1, a2: r.a2, ...(r.msa !== undefined ? { msa: r.msa } : {}), meterList: r.meters ?? [] };
    },
  };
}
