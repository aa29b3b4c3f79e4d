/** Wiring of commissioning into a running head-end (one call from HeadEnd.start). */
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { TerminalDirectory } from '../fep/directory.js';
import { parseTerminalKey } from '../fep/directory.js';
import type { Route } from '../admin/server.js';
import { commissionRoutes } from '../admin/commission-routes.js';
import type { Db } from '../archive/db.js';
import type { CommissionDeps } from './context.js';
import { CommissionService } from './service.js';
import type { ControlApi } from './steps/control.js';
import { CommissionStore } from './store.js';

export interface CommissionHost {
  clock: Clock;
  fep: CommissionDeps['fep'];
  terminal: CommissionDeps['terminal'];
  archive: CommissionDeps['archive'] | undefined;
  directory: TerminalDirectory;
  heartbeatS: number;
  utcOffsetMinutes: number;
  defaultPw: string;
  controlAvailable: boolean;
  /** The load-control service the live control loop creates its requests in (two-person path). */
  control?: ControlApi | undefined;
  /** The head-end database: finished reports are kept there (absent: in memory only). */
  db?: Db | undefined;
  logger: Logger;
}

export function commissionRoutesFor(h: CommissionHost): Route[] {
  const deps: CommissionDeps = { clock: h.clock, fep: h.fep, terminal: h.terminal, heartbeatS: h.heartbeatS, utcOffsetMinutes: h.utcOffsetMinutes, ...(h.archive ? { archive: h.archive } : {}) };
  const pwConfigured = (terminal: string): boolean => {
    const k = parseTerminalKey(terminal);
    const pw = k ? h.directory.lookup(k.a1, k.a2)?.pw : undefined;
    return (pw !== undefined && pw.length > 0) || h.defaultPw.length > 0;
  };
  const control = h.control;
  const service = new CommissionService(deps, {
    logger: h.logger,
    control: (roles) => ({ roles, available: h.controlAvailable, pwConfigured, ...(control ? { service: control } : {}) }),
    ...(h.db ? { store: new CommissionStore(h.db) } : {}),
  });
  return commissionRoutes(service);
}
