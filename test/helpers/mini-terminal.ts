/**
 * A minimal TerminalDevice for channel and fleet tests (stands in for the real brain): link frames from
 * the codec's builders, AFN0C F2 clock, AFN0D F161 daily frozen energy (several frames when many points
 * are asked), AFN00 confirm of frames with CON=1, deny of everything else. Values: forward active total
 * = pn·100 + day, tariffs split evenly.
 */
import { builders, decodeMessage, type Gw376Message, type KnownUnit } from '../../protocols/gw376/index.js';
import type { TerminalDevice, TerminalId } from '../../simulators/concentrator/device.js';

export interface MiniTerminalOptions {
  heartbeatMs?: number;
  /** Units per answer frame before a multi-frame answer is used (default 40). */
  unitsPerFrame?: number;
}

export class MiniTerminal implements TerminalDevice {
  readonly id: TerminalId;
  private pfc = 0;
  heartbeatMs: number;
  readonly unitsPerFrame: number;
  readonly received: Gw376Message[] = [];
  readonly reports: Buffer[] = [];
  readonly faultLog: Record<string, unknown>[] = [];
  deny = false;
  /** The brain's fault API shape the fleet adapter drives. */
  readonly faults = { set: (f: Record<string, unknown>) => void this.faultLog.push(f) };
  keepLog = true;

  constructor(id: TerminalId, o: MiniTerminalOptions = {}) {
    this.id = id;
    this.heartbeatMs = o.heartbeatMs ?? 60_000;
    this.unitsPerFrame = o.unitsPerFrame ?? 40;
  }

  heartbeatPeriodMs(): number {
    return this.heartbeatMs;
  }

  linkFrame(kind: 'login' | 'heartbeat' | 'logout', _now: number): Buffer {
    const seq = this.pfc++ & 15;
    const t = { a1: this.id.a1, a2: this.id.a2 };
    return kind === 'login' ? builders.login(t, seq) : kind === 'heartbeat' ? builders.heartbeat(t, seq) : builders.logout(t, seq);
  }

  pendingReports(_now: number): Buffer[] {
    return this.reports.splice(0);
  }

  receive(frame: Buffer, now: number): Buffer[] {
    const req = decodeMessage(frame);
    if (this.keepLog) this.received.push(req);
    if (this.deny) return [builders.terminalConfirm(req, false)];
    if (req.afn === 0x00) return [];
    if (req.afn === 0x0c && req.units.every((u) => !u.raw && u.fn === 2)) {
      const d = new Date(now + 8 * 3600_000);
      const clock = { ...builders.clockOf(d), year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds() };
      return [builders.response(req, [{ pn: 0, fn: 2, data: { clock } }])];
    }
    if (req.afn === 0x0d && req.units.length > 0 && req.units.every((u) => !u.raw && u.fn === 161)) {
      const units: KnownUnit[] = (req.units as KnownUnit[]).map((u) => {
        const td = (u.data as { td: { year: number; month: number; day: number } }).td;
        const total = u.pn * 100 + td.day;
        const q = Math.round((total / 4) * 100) / 100;
        return { pn: u.pn, fn: 161, data: { td, time: { year: td.year, month: td.month, day: td.day, hour: 0, minute: 5 }, m: 4, values: [total, q, q, q, Math.round((total - 3 * q) * 100) / 100] } };
      });
      const n = Math.ceil(units.length / this.unitsPerFrame);
      const out: Buffer[] = [];
      for (let i = 0; i < n; i++) {
        out.push(
          builders.response(req, units.slice(i * this.unitsPerFrame, (i + 1) * this.unitsPerFrame), {
            fir: i === 0,
            fin: i === n - 1,
            seq: (req.seq + i) & 15,
          }),
        );
      }
      return out;
    }
    return [builders.terminalConfirm(req, req.con === true)];
  }
}
