/**
 * Terminal-level fault flags, toggled at run time by a scenario layer (`terminal.faults.set({...}, now)`).
 *
 * | flag            | effect on the wire (observable by the head-end)                                          |
 * |-----------------|-------------------------------------------------------------------------------------------|
 * | `slowMs`        | the brain answers at once; the channel delays each answer by `replyDelayMs()` (this value) |
 * | `dropPercent`   | that share of received frames is ignored (no answer); deterministic PRNG from the seed    |
 * | `corrupt`       | every answer leaves with its CS byte inverted (the master's deframer rejects it)          |
 * | `duplicate`     | every answer frame is sent twice                                                          |
 * | `denyAll`       | every request is answered AFN00 F2 (all denied)                                           |
 * | `clockDriftPpm` | the terminal clock gains (or loses, < 0) this many µs per second from the moment it is set|
 * | `powerOff`      | no answers, no reports; on power-on ERC14 (off, on) is recorded and data of the outage    |
 * |                 | (daily frozen values and curve points inside it) come back as EEH                         |
 * | `meterMissing`  | those Pn no longer answer: ERC31 when they go missing, EEH for their data, AFN10 forwards  |
 * |                 | to them come back with no content                                                         |
 *
 * Listeners of the terminal turn transitions (power off/on, meters going missing) into events.
 */
import { hash32, mulberry32 } from '../model.js';

export interface FaultFlags {
  slowMs: number;
  dropPercent: number;
  corrupt: boolean;
  duplicate: boolean;
  denyAll: boolean;
  clockDriftPpm: number;
  powerOff: boolean;
  meterMissing: ReadonlySet<number>;
}

export type FaultPatch = Partial<FaultFlags>;

/** Called with the previous and new flags when `set` changes something, at time `now` (UTC ms). */
export type FaultListener = (prev: Readonly<FaultFlags>, next: Readonly<FaultFlags>, now: number) => void;

const NO_METERS: ReadonlySet<number> = new Set<number>();

const DEFAULTS: Readonly<FaultFlags> = Object.freeze({
  slowMs: 0,
  dropPercent: 0,
  corrupt: false,
  duplicate: false,
  denyAll: false,
  clockDriftPpm: 0,
  powerOff: false,
  meterMissing: NO_METERS,
});

export class TerminalFaults {
  /** Shared frozen defaults until the first `set` (a fleet of healthy terminals holds no flag objects). */
  private flags: Readonly<FaultFlags> = DEFAULTS;
  private rng: (() => number) | undefined;
  /** Counters of faults that acted, for the fleet's statistics. */
  readonly fired = { dropped: 0, corrupted: 0, duplicated: 0, denied: 0, silentPowerOff: 0 };

  constructor(
    private readonly seed: string,
    private readonly listener: FaultListener,
    private readonly lastNow: () => number,
  ) {}

  get slowMs(): number {
    return this.flags.slowMs;
  }
  get dropPercent(): number {
    return this.flags.dropPercent;
  }
  get corrupt(): boolean {
    return this.flags.corrupt;
  }
  get duplicate(): boolean {
    return this.flags.duplicate;
  }
  get denyAll(): boolean {
    return this.flags.denyAll;
  }
  get clockDriftPpm(): number {
    return this.flags.clockDriftPpm;
  }
  get powerOff(): boolean {
    return this.flags.powerOff;
  }
  get meterMissing(): ReadonlySet<number> {
    return this.flags.meterMissing;
  }

  /** A copy of the current flags. */
  snapshot(): FaultFlags {
    return { ...this.flags };
  }

  /** Changes some flags at `now` (default: the time of the last frame the terminal handled). */
  set(patch: FaultPatch, now: number = this.lastNow()): void {
    const prev = this.flags;
    const next: FaultFlags = { ...prev };
    if (patch.slowMs !== undefined) next.slowMs = nonNegative('slowMs', patch.slowMs);
    if (patch.dropPercent !== undefined) {
      if (!(patch.dropPercent >= 0 && patch.dropPercent <= 100)) throw new RangeError(`dropPercent ${patch.dropPercent} is not 0..100`);
      next.dropPercent = patch.dropPercent;
    }
    if (patch.corrupt !== undefined) next.corrupt = patch.corrupt;
    if (patch.duplicate !== undefined) next.duplicate = patch.duplicate;
    if (patch.denyAll !== undefined) next.denyAll = patch.denyAll;
    if (patch.clockDriftPpm !== undefined) {
      if (!Number.isFinite(patch.clockDriftPpm)) throw new RangeError('clockDriftPpm must be finite');
      next.clockDriftPpm = patch.clockDriftPpm;
    }
    if (patch.powerOff !== undefined) next.powerOff = patch.powerOff;
    if (patch.meterMissing !== undefined) next.meterMissing = patch.meterMissing.size === 0 ? NO_METERS : new Set(patch.meterMissing);
    this.flags = Object.freeze(next);
    this.listener(prev, this.flags, now);
  }

  /** Clears every fault (as `set` with the defaults). */
  reset(now?: number): void {
    this.set({ ...DEFAULTS }, now);
  }

  /** Whether the frame just received is lost (draws from the terminal's PRNG only when dropping is on). */
  drawDrop(): boolean {
    const p = this.flags.dropPercent;
    if (p <= 0) return false;
    this.rng ??= mulberry32(hash32(`${this.seed}#drop`));
    const lost = this.rng() * 100 < p;
    if (lost) this.fired.dropped++;
    return lost;
  }

  /** Applies `corrupt` and `duplicate` to the answer frames. */
  shape(frames: Buffer[]): Buffer[] {
    if (frames.length === 0) return frames;
    let out = frames;
    if (this.flags.corrupt) {
      out = out.map(corruptCs);
      this.fired.corrupted += out.length;
    }
    if (this.flags.duplicate) {
      const twice: Buffer[] = [];
      for (const f of out) twice.push(f, f);
      this.fired.duplicated += out.length;
      out = twice;
    }
    return out;
  }
}

/** A copy of a 376.1 frame with its checksum byte (second to last) inverted. */
export function corruptCs(frame: Buffer): Buffer {
  const c = Buffer.from(frame);
  c[c.length - 2] = ~c[c.length - 2]! & 0xff;
  return c;
}

function nonNegative(name: string, v: number): number {
  if (!(Number.isFinite(v) && v >= 0)) throw new RangeError(`${name} ${v} must be ≥ 0`);
  return v;
}
