/**
 * Where the InfluxDB tags come from: the store is keyed by archive ids (contract), Grafana wants the
 * names people use (645 address, terminal key, 台区, region code). A resolver answers in batches; the
 * archive adapter (archive-tags.ts) is the production one, `functionTagResolver` serves tests and benches.
 */

/** Tags of a meter's points (all non-empty strings). */
export interface MeterTags {
  /** DL/T 645 address, 12 digits. */
  meter: string;
  /** Terminal key `<A1>-<A2 as 5 digits>`. */
  terminal: string;
  taiqu: string;
  /** A1 region code (行政区划码). */
  region: string;
}

/** Tags of a terminal's events. */
export interface TerminalTags {
  terminal: string;
  taiqu: string;
  region: string;
}

export interface TagResolver {
  /** The tags of these archive meter ids; ids the archive does not know are absent from the map. */
  meters(ids: readonly number[]): ReadonlyMap<number, MeterTags>;
  /** The tags of these archive terminal ids; unknown ids are absent. */
  terminals(ids: readonly number[]): ReadonlyMap<number, TerminalTags>;
}

/** A resolver from two functions (tests, benches, a head-end without archive). */
export function functionTagResolver(meter: (id: number) => MeterTags | undefined, terminal: (id: number) => TerminalTags | undefined): TagResolver {
  const collect = <T>(ids: readonly number[], f: (id: number) => T | undefined): Map<number, T> => {
    const out = new Map<number, T>();
    for (const id of ids) {
      const t = f(id);
      if (t !== undefined) out.set(id, t);
    }
    return out;
  };
  return {
    meters: (ids) => collect(ids, meter),
    terminals: (ids) => collect(ids, terminal),
  };
}
