/**
 * `hes-sim fleet`: the fleet of SimulatedTerminal brains with shared options (one options object for all
 * terminals), optional scenario, `--state`, `--write-archive` and `--stats-json`.
 */
import { writeFileSync } from 'node:fs';
import { parseEndpoint } from '../concentrator/channels.js';
import { terminalKey } from '../concentrator/device.js';
import { loadState, saveState } from '../concentrator/state.js';
import { SimulatedTerminal, type TerminalJSON, type TerminalOptions } from '../concentrator/terminal.js';
import { writeArchive } from './archive-writer.js';
import { Fleet, type FleetOptions, type FleetStats } from './fleet.js';
import { loadScenario } from './scenario.js';

export interface FleetRunOptions {
  terminals: number;
  metersPerTerminal: number;
  /** tcp://host:port or mqtt://host:port */
  url: string;
  a1?: string;
  seed?: number | string;
  rampPerSec?: number;
  scenarioFile?: string;
  statsJson?: string;
  archiveDir?: string;
  stateDir?: string;
  progressMs?: number;
  mqttConnections?: number;
  /** Terminals check Tp, refuse replays, meters check 1CH deadlines (TerminalOptions.checkTp). */
  checkTp?: boolean;
  progress?: (line: string) => void;
}

export interface FleetRunHandle {
  readonly fleet: Fleet;
  stop(): Promise<FleetStats>;
}

export async function runFleet(o: FleetRunOptions): Promise<FleetRunHandle> {
  const endpoint = parseEndpoint(o.url);
  const scenario = o.scenarioFile ? loadScenario(o.scenarioFile) : undefined;
  const a1 = o.a1 ?? '1101';
  if (!/^\d{4}$/.test(a1)) throw new Error(`area code must be 4 digits, got "${a1}"`);
  const seed = o.seed ?? 1;
  if (o.archiveDir) writeArchive(o.archiveDir, { a1, terminals: o.terminals, metersPerTerminal: o.metersPerTerminal, seed, endpoint: endpoint.url });
  // One options object shared by every terminal (the brain keeps it by reference).
  const shared: TerminalOptions = { seed, meterCount: o.metersPerTerminal, ...(o.checkTp ? { checkTp: true } : {}) };
  const now = Date.now();
  const fo: FleetOptions = {
    terminals: o.terminals,
    metersPerTerminal: o.metersPerTerminal,
    endpoint,
    a1,
    seed,
    makeDevice: ({ id, state }) => {
      const t = new SimulatedTerminal(id, shared);
      if (state !== undefined) t.fromJSON(state as TerminalJSON, now);
      return t;
    },
    ...(o.rampPerSec !== undefined ? { rampPerSec: o.rampPerSec } : {}),
    ...(scenario ? { scenario } : {}),
    ...(o.progressMs !== undefined ? { progressMs: o.progressMs } : {}),
    ...(o.progress ? { progress: o.progress } : {}),
    ...(o.mqttConnections ? { mqttConnections: o.mqttConnections } : {}),
    ...(o.stateDir ? { stateOf: (key: string) => loadState(o.stateDir!, key) } : {}),
  };
  const fleet = new Fleet(fo);
  await fleet.start();
  return {
    fleet,
    async stop() {
      const stats = await fleet.stop();
      if (o.stateDir) for (const d of fleet.devices) saveState(o.stateDir, terminalKey(d.id), (d as SimulatedTerminal).toJSON());
      if (o.statsJson) writeFileSync(o.statsJson, JSON.stringify(stats, null, 2) + '\n');
      return stats;
    },
  };
}
