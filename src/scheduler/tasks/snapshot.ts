/**
 * Real-time snapshot (AFN0C, e.g. F25 power/PF/U/I and F33 energies) of the key users (or all meters, per
 * profile) every interval. Not gap-driven: a snapshot is what the meter showed when the terminal read it
 * (data time = the terminal's read time), so there is nothing to re-collect later.
 */
import type { Quality } from '../../store/store.js';
import { settingsFor } from '../config.js';
import { executeRequests, newExecStats } from '../executor.js';
import { TD_BYTES } from '../fns.js';
import { planRequests } from '../planner.js';
import { isKeyUser, type TerminalTarget } from '../targets.js';
import type { SeriesEnv, TerminalOutcome } from './series.js';

export async function collectSnapshot(env: SeriesEnv, t: TerminalTarget, quality: Quality, pns?: ReadonlySet<number>): Promise<TerminalOutcome> {
  const s = settingsFor(env.config, t);
  const out: TerminalOutcome = { terminal: t.key, status: 'skipped', meters: 0, expected: 0, gapsBefore: 0, gapsAfter: 0, metersWithGaps: 0, stats: newExecStats() };
  if (!s.snapshot.enabled) return out;
  let meters = env.archive.meters(t.id);
  if (pns) meters = meters.filter((m) => pns.has(m.pn));
  if (s.snapshot.targets === 'key') meters = meters.filter((m) => isKeyUser(m, env.config.keyUsers));
  out.meters = meters.length;
  if (meters.length === 0) {
    out.status = 'complete';
    return out;
  }
  if (!env.fep.isOnline(t.key)) {
    out.status = 'offline';
    out.stats.offline = true;
    return out;
  }
  const needs = meters.map((m) => ({ pn: m.pn, fns: s.snapshot.fns, tdKey: '' }));
  const meterOfPn = new Map(meters.map((m) => [m.pn, m.id]));
  out.stats = await executeRequests(env, { terminal: t.key, kind: 'snapshot', quality, meterOfPn }, planRequests(0x0c, needs, TD_BYTES.none, s.batch));
  out.status = out.stats.offline ? 'offline' : out.stats.failed > 0 ? 'gaps' : 'complete';
  return out;
}
