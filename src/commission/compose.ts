/** Wiring of commissioning into a running head-end (one call from HeadEnd.start). */
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { TerminalDirectory } from '../fep/directory.js';
import { parseTerminalKey } from '../fep/directory.js';
import type { Route } from '../admin/server.js';
import { commissionRoutes } from '../admin/commission-routes.js';
import type { CommissionDeps } from './context.js';
import { CommissionService } from './service.js';

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
  logger: Logger;
}

export function commissionRoutesFor(h: CommissionHost): Route[] {
  const deps: CommissionDeps = { clock: h.clock, fep: h.fep, terminal: h.terminal, heartbeatS: h.heartbeatS, utcOffsetMinutes: h.utcOffsetMinutes, ...(h.archive ? { archive: h.archive } : {}) };
  const pwConfigured = (terminal: string): boolean => {
    const k = parseTerminalKey(terminal);
    const pw = k ? h.directory.lookup(k.a1, k.a2)?.pw : undefined;
    return (pw !== undefined && pw.length > 0) || h.defaultPw.length > 0;
  };
  const service = new CommissionService(deps, { logger: h.logger, control: (roles) => ({ roles, available: h.controlAvailable, pwConfigured }) });
  return commissionRoutes(service);
}
