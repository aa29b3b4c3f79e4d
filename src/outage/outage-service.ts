/**
 * The outage view (停电研判) for customer service: is a customer out, since when, and why — from what the
 * head-end sees, with the substation → line → taiqu → customer topology:
 *
 * - terminal power loss: a concentrator reports ERC14 (终端停/上电) — with its power-on time invalid when
 *   it reports the loss itself on backup power ("last gasp"), with both times once power is back;
 * - terminals offline (bus `online`/`offline`, FEP state): unreachable — a power loss or a communication
 *   fault, not confirmed;
 * - the concentrator sits at the taiqu's transformer, so its loss is the taiqu's: when every terminal of
 *   a taiqu / line / substation is out the outage is taiqu-, line- or substation-wide;
 * - the customer's own relay open (load control trip, prepayment trip) — src/outage/relay-state.ts.
 *
 * State is kept per terminal in memory, fed by the bus and seeded at start from the FEP, the stored
 * ERC14 events of the last days and the online log; areas are aggregated on demand (O(terminals)).
 */
import type { EventBus, HesEvents } from '../bus.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { instantOf } from '../scheduler/mapping/parts.js';
import { LocalCalendar } from '../scheduler/time.js';
import { NotFoundError } from '../service/errors.js';
import type { ReadingStore } from '../store/store.js';
import type { RelayState, RelayStateSource } from './relay-state.js';
import type { AreaInfo, AreaLevel, CustomerRef, OutageTopology, TerminalPlace } from './topology.js';

export type OutageCause = 'terminal-power-off' | 'terminal-offline' | 'relay-open' | 'prepayment-trip';
export type OutageScope = 'customer' | 'terminal' | 'taiqu' | 'line' | 'substation';
export type SupplyStatus = 'supplied' | 'out' | 'unknown';

/** What the head-end knows of a terminal's link and power. */
export interface TerminalLiveness {
  /** Keys of the terminals online now. */
  online(): Iterable<string>;
}

/** The online log of earlier runs (table terminal_online, src/scheduler/online-log.ts): each terminal's last interval. */
export interface OfflineHistory {
  lastIntervals(): Map<number, { offlineAt?: number; reason?: string }>;
}

export interface TerminalPower {
  terminal: string;
  state: 'online' | 'offline' | 'unknown';
  /** Since when it is offline (this run or the online log), UTC ms. */
  offlineSince?: number;
  offlineReason?: string;
  /** ERC14 reported a power loss with no power-on yet. */
  powerOffSince?: number;
  /** The last power outage the terminal reported with both times. */
  lastOutage?: { from: number; to: number };
}

export interface AreaState {
  level: AreaLevel;
  id: string;
  name: string;
  terminals: number;
  terminalsOut: number;
  customers: number;
}

export interface CustomerOutage {
  account: string;
  status: SupplyStatus;
  cause?: OutageCause;
  scope?: OutageScope;
  /** Confirmed by the device (ERC14, a confirmed relay command), or inferred (terminal unreachable). */
  confirmed?: boolean;
  since?: number;
  /** One sentence for the agent. */
  explanation: string;
  /** The widest area that is out around the customer. */
  area?: AreaState;
  terminal: TerminalPower;
  taiqu: string;
  relay?: RelayState;
}

export interface OutageArea extends AreaState {
  scope: OutageScope;
  cause: OutageCause;
  confirmed: boolean;
  since?: number;
}

export interface OutageSummary {
  at: number;
  /** Areas out, widest first (a line inside an out substation is not listed again). */
  areas: OutageArea[];
  /** Customers out through the outages above. */
  customersOut: number;
  /** Customers whose own relay is open (trip, prepayment). */
  relayOpen: number;
  /** Terminals never in contact since the head-end started and without an online log. */
  unknownTerminals: number;
}

export interface AffectedCustomer extends CustomerRef {
  cause: OutageCause;
  scope: OutageScope;
  confirmed: boolean;
  since?: number;
}

export interface OutageServiceOptions {
  bus: EventBus<HesEvents>;
  clock: Clock;
  topology: OutageTopology;
  liveness: TerminalLiveness;
  store?: ReadingStore;
  relays?: RelayStateSource;
  offlineHistory?: OfflineHistory;
  /** Stored ERC14 events looked at when starting, days (default 7). */
  lookbackDays?: number;
  utcOffsetMinutes?: number;
  logger?: Logger;
}

interface Power {
  online: boolean;
  seen: boolean;
  offlineSince?: number;
  offlineReason?: string;
  powerOffSince?: number;
  lastOutage?: { from: number; to: number };
}

const DAY_MS = 86_400_000;

const fmt = (t: number | undefined, offsetMs: number): string => (t === undefined ? 'an unknown time' : `${new Date(t + offsetMs).toISOString().slice(0, 16).replace('T', ' ')}`);

export class OutageService {
  private readonly power = new Map<string, Power>();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly cal: LocalCalendar;
  private readonly log: Logger;
  private readonly startedAt: number;
  private history = new Map<number, { offlineAt?: number; reason?: string }>();

  constructor(private readonly o: OutageServiceOptions) {
    this.cal = new LocalCalendar(o.utcOffsetMinutes ?? 480);
    this.log = o.logger ?? silentLogger;
    this.startedAt = o.clock.now();
    for (const key of o.liveness.online()) this.entry(key).online = true;
    this.unsubscribe.push(
      o.bus.subscribe('online', (p) => {
        const e = this.entry(p.terminal);
        e.online = true;
        e.seen = true;
        delete e.offlineSince;
        delete e.offlineReason;
        // A terminal that talks has power again (its ERC14 with the power-on time follows).
        delete e.powerOffSince;
      }),
      o.bus.subscribe('offline', (p) => {
        const e = this.entry(p.terminal);
        e.online = false;
        e.seen = true;
        e.offlineSince = p.at;
        e.offlineReason = p.reason;
      }),
      o.bus.subscribe('event', (p) => {
        for (const r of p.records) if (r.erc === 14) this.onErc14(p.terminal, r.data);
      }),
    );
  }

  /** Seeds the state from the stored ERC14 events of the last days (call once after construction). */
  async start(): Promise<void> {
    try {
      this.history = this.o.offlineHistory?.lastIntervals() ?? new Map();
    } catch (err) {
      this.log.warn({ err }, 'outage view: the online log could not be read');
    }
    const store = this.o.store;
    if (!store) return;
    const now = this.o.clock.now();
    try {
      for await (const e of store.events({ erc: [14], from: now - (this.o.lookbackDays ?? 7) * DAY_MS, to: now + 1 })) {
        const t = this.o.topology.terminalById(e.terminal);
        if (t) this.onErc14(t.key, (e.record as { data?: unknown }).data ?? null, true);
      }
    } catch (err) {
      this.log.warn({ err }, 'outage view: stored power events could not be read; starting from live state only');
    }
  }

  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u();
  }

  private entry(key: string): Power {
    let e = this.power.get(key);
    if (!e) this.power.set(key, (e = { online: false, seen: false }));
    return e;
  }

  private onErc14(key: string, data: unknown, replay = false): void {
    if (typeof data !== 'object' || data === null) return;
    const d = data as Record<string, unknown>;
    const off = instantOf(d.powerOff, this.cal);
    const on = instantOf(d.powerOn, this.cal);
    const e = this.entry(key);
    if (off !== undefined && on !== undefined) {
      if (!e.lastOutage || e.lastOutage.to <= on) e.lastOutage = { from: off, to: on };
      if (e.powerOffSince !== undefined && e.powerOffSince <= on) delete e.powerOffSince;
    } else if (off !== undefined) {
      // A replayed loss only counts while the terminal has not been heard from since.
      if (!(replay && e.online) && !(e.lastOutage && e.lastOutage.from >= off)) e.powerOffSince = off;
    }
  }

  /** The power/link state of one terminal. */
  terminalPower(key: string): TerminalPower {
    const e = this.power.get(key);
    const out: TerminalPower = { terminal: key, state: 'unknown' };
    if (e?.online) out.state = 'online';
    else {
      let at = e?.offlineSince;
      let reason = e?.offlineReason;
      if (at === undefined) {
        const t = this.o.topology.terminal(key);
        const h = t ? this.history.get(t.id) : undefined;
        // An interval closed by our own shutdown says nothing about the terminal.
        if (h?.offlineAt !== undefined && h.reason !== 'shutdown' && h.reason !== 'restart') {
          at = h.offlineAt;
          reason = h.reason;
        }
      }
      if (at !== undefined || e?.powerOffSince !== undefined) {
        out.state = 'offline';
        if (at !== undefined) out.offlineSince = at;
        if (reason !== undefined) out.offlineReason = reason;
      }
    }
    if (e?.powerOffSince !== undefined) out.powerOffSince = e.powerOffSince;
    if (e?.lastOutage) out.lastOutage = { ...e.lastOutage };
    return out;
  }

  private isOut(p: TerminalPower): boolean {
    return p.state === 'offline' || p.powerOffSince !== undefined;
  }

  /** Terminals per area and how many of them are out. */
  private areaCounts(): Map<string, { terminals: number; out: number; customers: number }> {
    const m = new Map<string, { terminals: number; out: number; customers: number }>();
    for (const t of this.o.topology.terminals()) {
      const out = this.isOut(this.terminalPower(t.key));
      for (const k of [`taiqu:${t.taiqu}`, `line:${t.line}`, `substation:${t.substation}`]) {
        let c = m.get(k);
        if (!c) m.set(k, (c = { terminals: 0, out: 0, customers: 0 }));
        c.terminals++;
        c.customers += t.customers;
        if (out) c.out++;
      }
    }
    return m;
  }

  private areaState(level: AreaLevel, id: string, c: { terminals: number; out: number; customers: number }): AreaState {
    return { level, id, name: this.o.topology.area(level, id)?.name ?? id, terminals: c.terminals, terminalsOut: c.out, customers: c.customers };
  }

  /** The widest area around a terminal that is completely out, or the terminal alone. */
  private scopeOf(t: TerminalPlace, counts: Map<string, { terminals: number; out: number; customers: number }>): { scope: OutageScope; area?: AreaState } {
    for (const [level, id] of [['substation', t.substation], ['line', t.line], ['taiqu', t.taiqu]] as [AreaLevel, string][]) {
      const c = counts.get(`${level}:${id}`);
      if (c && c.out === c.terminals) return { scope: level, area: this.areaState(level, id, c) };
    }
    return { scope: 'terminal' };
  }

  /** Is this customer out, since when, why. */
  customer(account: string): CustomerOutage {
    const c = this.o.topology.customer(account);
    if (!c) throw new NotFoundError('account', `account ${account} is not in the archive`);
    const place = this.o.topology.terminal(c.terminal);
    const term = this.terminalPower(c.terminal);
    const relay = this.o.relays?.relayOf(account);
    const off = this.cal.offsetMs;
    const base: CustomerOutage = { account, status: 'supplied', explanation: '', terminal: term, taiqu: c.taiqu };
    if (relay) base.relay = relay;
    if (place && this.isOut(term)) {
      const { scope, area } = this.scopeOf(place, this.areaCounts());
      const confirmed = term.powerOffSince !== undefined;
      const since = term.powerOffSince ?? term.offlineSince;
      const where =
        scope === 'terminal' ? `the concentrator ${c.terminal}` : scope === 'taiqu' ? `taiqu ${area!.name} (${area!.id})` : `${scope} ${area!.name} (${area!.id}), all ${area!.terminals} concentrators`;
      const what = confirmed ? `reported a power loss (ERC14) at ${fmt(since, off)}` : `has been unreachable since ${fmt(since, off)} (power loss or communication fault, not confirmed)`;
      const wide = scope === 'line' || scope === 'substation' ? `${scope}-wide outage: ` : scope === 'taiqu' ? 'taiqu-wide outage: ' : '';
      return {
        ...base,
        status: 'out',
        cause: confirmed ? 'terminal-power-off' : 'terminal-offline',
        scope,
        confirmed,
        ...(since !== undefined ? { since } : {}),
        ...(area ? { area } : {}),
        explanation: `${wide}${where} ${what}`,
      };
    }
    if (relay && relay.position !== 'closed') {
      const cause: OutageCause = relay.by === 'prepayment' ? 'prepayment-trip' : 'relay-open';
      const who = relay.by === 'prepayment' ? 'prepayment (balance below zero)' : `load control request ${relay.request ?? ''}`.trim();
      const explanation =
        relay.position === 'open'
          ? `the customer's meter relay was opened by ${who} at ${fmt(relay.since, off)}`
          : `supply was allowed again at ${fmt(relay.since, off)}: the customer closes the relay with the meter's button`;
      return { ...base, status: 'out', cause, scope: 'customer', confirmed: true, since: relay.since, explanation };
    }
    if (term.state === 'unknown') {
      return { ...base, status: 'unknown', explanation: `no contact with the concentrator ${c.terminal} since the head-end started at ${fmt(this.startedAt, off)}` };
    }
    const last = term.lastOutage ? `; last power outage ${fmt(term.lastOutage.from, off)} – ${fmt(term.lastOutage.to, off)}` : '';
    return { ...base, explanation: `supplied: the concentrator ${c.terminal} is online and the meter's relay is not known open${last}` };
  }

  /** Current outages by area, widest first, and counts. */
  summary(): OutageSummary {
    const counts = this.areaCounts();
    const areas: OutageArea[] = [];
    const covered = new Set<string>();
    let customersOut = 0;
    let unknown = 0;
    const terminals = this.o.topology.terminals();
    const powers = new Map(terminals.map((t) => [t.key, this.terminalPower(t.key)]));
    for (const level of ['substation', 'line', 'taiqu'] as AreaLevel[]) {
      const groups = new Map<string, TerminalPlace[]>();
      for (const t of terminals) {
        const g = groups.get(t[level]);
        if (g) g.push(t);
        else groups.set(t[level], [t]);
      }
      for (const [id, members] of groups) {
        const c = counts.get(`${level}:${id}`)!;
        if (c.out !== c.terminals) continue;
        if (members.every((x) => covered.has(x.key))) continue;
        for (const x of members) covered.add(x.key);
        const ps = members.map((x) => powers.get(x.key)!);
        areas.push({ ...this.areaState(level, id, c), scope: level, ...causeOf(ps) });
        customersOut += c.customers;
      }
    }
    for (const t of terminals) {
      const p = powers.get(t.key)!;
      if (p.state === 'unknown' && p.powerOffSince === undefined) unknown++;
      if (covered.has(t.key) || !this.isOut(p)) continue;
      areas.push({ level: 'taiqu', id: t.taiqu, name: `${this.o.topology.area('taiqu', t.taiqu)?.name ?? t.taiqu} / ${t.key}`, terminals: 1, terminalsOut: 1, customers: t.customers, scope: 'terminal', ...causeOf([p]) });
      customersOut += t.customers;
    }
    return { at: this.o.clock.now(), areas, customersOut, relayOpen: this.o.relays?.openRelays().length ?? 0, unknownTerminals: unknown };
  }

  /** The area (unknown → NotFoundError). */
  area(level: AreaLevel, id: string): AreaInfo {
    const a = this.o.topology.area(level, id);
    if (!a) throw new NotFoundError(level, `${level} ${id} is not in the archive`);
    return a;
  }

  /**
   * Customers of an area (or everywhere) that are out, terminal by terminal (in key order), then the
   * customers of the area whose own relay is open. Resumable after (terminal, account).
   */
  async *affected(level: AreaLevel | undefined, id: string | undefined, after?: { terminal: string; account: string }): AsyncGenerator<AffectedCustomer> {
    if (level && id) this.area(level, id);
    const counts = this.areaCounts();
    const inArea = (t: TerminalPlace): boolean => !level || t[level] === id;
    for (const t of this.o.topology.terminals()) {
      if (!inArea(t) || (after && t.key < after.terminal && after.terminal !== '~relay')) continue;
      if (after?.terminal === '~relay') break;
      const p = this.terminalPower(t.key);
      if (!this.isOut(p)) continue;
      const { scope } = this.scopeOf(t, counts);
      const confirmed = p.powerOffSince !== undefined;
      const since = p.powerOffSince ?? p.offlineSince;
      let last = after && t.key === after.terminal ? after.account : '';
      for (;;) {
        const page = this.o.topology.customersOfTerminal(t.key, last, 500);
        for (const c of page) {
          yield { ...c, cause: confirmed ? 'terminal-power-off' : 'terminal-offline', scope, confirmed, ...(since !== undefined ? { since } : {}) };
        }
        if (page.length < 500) break;
        last = page.at(-1)!.account;
        await new Promise((r) => setImmediate(r));
      }
    }
    for (const r of this.o.relays?.openRelays() ?? []) {
      if (after?.terminal === '~relay' && r.account <= after.account) continue;
      const c = this.o.topology.customer(r.account);
      if (!c) continue;
      const t = this.o.topology.terminal(c.terminal);
      // Customers behind an out terminal were listed with it.
      if (!t || !inArea(t) || this.isOut(this.terminalPower(t.key))) continue;
      yield { ...c, cause: r.by === 'prepayment' ? 'prepayment-trip' : 'relay-open', scope: 'customer', confirmed: true, since: r.since };
    }
  }
}

function causeOf(ps: TerminalPower[]): { cause: OutageCause; confirmed: boolean; since?: number } {
  const confirmed = ps.some((p) => p.powerOffSince !== undefined);
  const times = ps.map((p) => p.powerOffSince ?? p.offlineSince).filter((t): t is number => t !== undefined);
  return { cause: confirmed ? 'terminal-power-off' : 'terminal-offline', confirmed, ...(times.length ? { since: Math.min(...times) } : {}) };
}
