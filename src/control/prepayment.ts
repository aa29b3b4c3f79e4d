/**
 * Prepayment (预付费, "remote" mode): the head-end keeps each prepaid account's balance from its
 * purchases (top-ups) and the energy its meter collects (AFN0C F129, current forward active energy)
 * priced per kWh. As the domain describes IC-card prepayment (shared/docs/domain.md):
 *   balance ≤ alarm threshold → urge-fee alarm on the meter (DL/T 645 1CH 2AH) and a `prepay` alarm
 *     event on the bus — the reminder customer service sends;
 *   balance < 0 → trip (1CH 1AH), unless the customer is under keep-power (保电): then no trip, a
 *     `trip-blocked` event instead;
 *   a top-up that brings the balance above zero → allow close (1CH 1BH; the customer closes the relay)
 *     and the alarm released.
 * The device commands go through the control service as the head-end's own requests (kind `prepay`,
 * audited, verified). Money is kept in 厘 (0.001 yuan) integers; the API speaks yuan.
 *
 * Terminal mode (`prepay.mode` or per account at opening): the terminal enforces the purchase, as
 * Q/GDW 376.1-2009 purchase control (购电控) does. A top-up is converted to whole kWh at the account's
 * price (A.3 carries integers; the rest waits for the next top-up) and sent as an AFN04 F47 purchase
 * record of the account's total-add group (order number +1, AAH refresh the first time, 55H append
 * after; alarm and trip thresholds in kWh), then — once — AFN05 F16 purchase control on for the group;
 * both are control requests (kind `prepay`) verified by AFN0A F47 and AFN0C F5. The terminal counts the
 * remaining energy down and trips its energy-control rounds at the trip threshold (ERC7); a purchase
 * lifting it above the threshold closes them. Settlement reads what the terminal holds: AFN0C F23
 * (remaining energy of the group) and F6 (purchase-trip rounds); an ERC7 from the terminal triggers it
 * at once. A keep-power customer's group never gets F16 (nothing can trip it: `trip-blocked`). A
 * purchase record whose answer was lost is read back (AFN0A F47): the terminal refuses a repeated order
 * number, so the head-end never credits twice and re-sends unsent money under a new number.
 */
import type { Db, Stmt } from '../archive/db.js';
import type { EventBus, HesEvents } from '../bus.js';
import type { Clock, Timer } from '../clock.js';
import { InputError } from '../errors.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { ConflictError, NotFoundError } from '../service/errors.js';
import { requireOperator, SYSTEM_ACTOR, type Actor } from './actor.js';
import type { AuditChain } from './audit-chain.js';
import type { ControlChannel, FrameObserver } from './channel.js';
import type { ControlParams } from './commands.js';
import type { Protection } from './protection.js';
import type { Outcome } from './requests.js';
import type { ControlService } from './service.js';
import { TargetResolver } from './targets.js';
import { DEFAULT_PREPAY, type PrepayConfig, type PrepayMode } from './config.js';

export type PrepayState = 'normal' | 'alarm' | 'tripped' | 'trip-blocked';

export interface LedgerEntry {
  at: string;
  kind: 'topup' | 'usage';
  amountYuan: number;
  balanceYuan: number;
  kwh?: number;
  ref?: string;
  actor: string;
}

/** What the terminal holds for a terminal-mode account. */
export interface TerminalPrepayView {
  /** Total-add group (Pn of F47/F16). */
  group: number;
  /** Last purchase order number sent (0: none yet). */
  orderNo: number;
  /** AFN05 F16 purchase control confirmed on. */
  purchaseControl: boolean;
  alarmKwh: number;
  tripKwh: number;
  /** Paid but not yet on the terminal (less than 1 kWh, or a purchase not confirmed), yuan. */
  unsentYuan: number;
  /** Remaining energy the terminal last reported (AFN0C F23). */
  remainingKwh?: number;
  readAt?: string;
}

export interface BalanceView {
  account: string;
  mode: PrepayMode;
  /** Terminal mode: remaining energy × price + unsent money (an estimate from the last reading). */
  balanceYuan: number;
  state: PrepayState;
  priceYuanPerKwh: number;
  alarmYuan: number;
  lastKwh?: number;
  lastReadAt?: string;
  terminal?: TerminalPrepayView;
  history: LedgerEntry[];
}

export interface TopUpInput {
  account: string;
  amountYuan: number;
  /** Payment reference (bank, IC card, counter receipt). */
  ref?: string;
  /** For an account opened by this top-up (default from the configuration). */
  priceYuanPerKwh?: number;
  alarmYuan?: number;
  /** For an account opened by this top-up: who enforces it (default `prepay.mode`). */
  mode?: PrepayMode;
  /** Terminal mode, new account: total-add group 1..8 (default `prepay.group`). */
  group?: number;
}

interface AccountRow {
  account_no: string;
  balance_li: number;
  price_li: number;
  alarm_li: number;
  last_kwh: number | null;
  last_read_at: number | null;
  state: PrepayState;
}

interface TerminalRow {
  account_no: string;
  group_no: number;
  order_no: number;
  residue_li: number;
  control_on: number;
  alarm_kwh: number;
  trip_kwh: number;
  remaining_kwh: number | null;
  read_at: number | null;
}

/** F47 as the control service validates it (commands.ts checkParam 47). */
interface PurchaseRecord {
  orderNo: number;
  mode: 'refresh' | 'append';
  amount: number;
  alarmThreshold: number;
  tripThreshold: number;
}

const yuan = (li: number): number => li / 1000;

function liOf(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw new InputError(field, `expected an amount in yuan ${min}..${max}, got ${JSON.stringify(v)}`);
  const li = Math.round(v * 1000);
  if (Math.abs(li - v * 1000) > 1e-6) throw new InputError(field, `${v}: at most 3 decimals (厘)`);
  return li;
}

export interface PrepaymentOptions {
  db: Db;
  control: ControlService;
  channel: ControlChannel;
  audit: AuditChain;
  protection: Protection;
  bus: EventBus<HesEvents>;
  clock: Clock;
  logger?: Logger;
  config?: Partial<PrepayConfig>;
}

export class Prepayment {
  private readonly c: PrepayConfig;
  private readonly st: Record<'get' | 'open' | 'update' | 'ledger' | 'history' | 'accounts' | 'exists' | 'tGet' | 'tOpen' | 'tUpdate' | 'tByGroup', Stmt>;
  private readonly unsubscribe: () => void;
  private readonly resolver: TargetResolver;
  private readonly locks = new Map<string, Promise<unknown>>();
  private timer: Timer | undefined;
  private closed = false;
  private readonly log: Logger;

  constructor(private readonly o: PrepaymentOptions) {
    this.c = { ...DEFAULT_PREPAY, ...o.config };
    this.log = o.logger ?? silentLogger;
    const db = o.db;
    this.resolver = new TargetResolver(db);
    this.st = {
      get: db.prepare('SELECT * FROM prepay_accounts WHERE account_no = ?'),
      open: db.prepare("INSERT INTO prepay_accounts (account_no, balance_li, price_li, alarm_li, state, opened_at) VALUES (?, 0, ?, ?, 'normal', ?)"),
      update: db.prepare('UPDATE prepay_accounts SET balance_li = @balance, last_kwh = @kwh, last_read_at = @readAt, state = @state WHERE account_no = @account'),
      ledger: db.prepare('INSERT INTO prepay_ledger (account_no, at, kind, amount_li, balance_li, kwh, ref, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      history: db.prepare('SELECT at, kind, amount_li, balance_li, kwh, ref, actor FROM prepay_ledger WHERE account_no = ? ORDER BY id DESC LIMIT ?'),
      accounts: db.prepare('SELECT account_no FROM prepay_accounts ORDER BY account_no'),
      exists: db.prepare('SELECT 1 FROM customers WHERE account_no = ?'),
      tGet: db.prepare('SELECT * FROM prepay_terminal WHERE account_no = ?'),
      tOpen: db.prepare('INSERT INTO prepay_terminal (account_no, group_no, alarm_kwh, trip_kwh) VALUES (?, ?, ?, ?)'),
      tUpdate: db.prepare(
        'UPDATE prepay_terminal SET order_no = @order, residue_li = @residue, control_on = @on, remaining_kwh = @remaining, read_at = @readAt WHERE account_no = @account',
      ),
      tByGroup: db.prepare(
        `SELECT p.account_no FROM prepay_terminal p JOIN customers c ON c.account_no = p.account_no JOIN meters m ON m.id = c.meter
         JOIN terminals t ON t.id = m.terminal WHERE t.terminal_key = ? AND p.group_no = ?`,
      ),
    };
    // The terminal's own purchase trip (ERC7, purchase flag) is settled at once, not at the next period.
    this.unsubscribe = o.bus.subscribe('event', (e) => {
      for (const rec of e.records) {
        const d = rec.data as { group?: number; kind?: { purchase?: boolean } } | undefined;
        if (rec.erc !== 7 || d?.kind?.purchase !== true || d.group === undefined) continue;
        for (const r of this.st.tByGroup.all(e.terminal, d.group) as { account_no: string }[]) {
          void this.settle(r.account_no).catch((err: unknown) => this.log.warn({ err, account: r.account_no }, 'settlement after ERC7 failed'));
        }
      }
    });
  }

  /** Starts the periodic settlement (config `prepay.settleIntervalS`). */
  start(): void {
    if (this.c.settleIntervalS <= 0 || this.closed) return;
    this.timer = this.o.clock.setTimeout(() => {
      void this.settleAll().finally(() => this.start());
    }, this.c.settleIntervalS * 1000);
  }

  close(): void {
    this.closed = true;
    this.unsubscribe();
    this.o.clock.clearTimeout(this.timer);
  }

  balance(account: string, historyLimit = 20): BalanceView {
    const a = this.row(account);
    if (!a) throw new NotFoundError('prepay-account', `account ${account} has no prepayment (top it up to open one)`);
    return this.viewOf(a, historyLimit);
  }

  /** A purchase: credit, ledger, audit; then close (and release the alarm) when the balance allows. */
  topUp(actor: Actor, input: TopUpInput): Promise<BalanceView> {
    requireOperator(actor, 'record top-ups');
    const amount = liOf(input.amountYuan, 'amount', 0.001, 1_000_000);
    if (input.ref !== undefined && (typeof input.ref !== 'string' || input.ref.length > 64)) throw new InputError('ref', 'expected a reference of at most 64 characters');
    if (!this.st.exists.get(input.account)) throw new NotFoundError('account', `account ${input.account} is not in the archive`);
    const price = input.priceYuanPerKwh !== undefined ? liOf(input.priceYuanPerKwh, 'price', 0.001, 100) : undefined;
    const alarm = input.alarmYuan !== undefined ? liOf(input.alarmYuan, 'alarm', 0, 100_000) : undefined;
    if (input.mode !== undefined && input.mode !== 'head-end' && input.mode !== 'terminal') throw new InputError('mode', "expected 'head-end' or 'terminal'");
    if (input.group !== undefined && (!Number.isInteger(input.group) || input.group < 1 || input.group > 8)) throw new InputError('group', 'expected a total-add group 1..8');
    return this.locked(input.account, async () => {
      const now = this.o.clock.now();
      let a = this.row(input.account);
      if (!a) {
        const mode = input.mode ?? this.c.mode;
        const p = price ?? this.c.priceLiPerKwh;
        const al = alarm ?? this.c.alarmLi;
        if (mode === 'terminal') {
          const alarmKwh = Math.ceil(al / p);
          if (this.c.tripKwh > alarmKwh) throw new InputError('alarm', `the alarm threshold (${alarmKwh} kWh) is below the trip threshold prepay.tripKwh (${this.c.tripKwh} kWh)`);
        }
        this.o.db.transaction(() => {
          this.st.open.run(input.account, p, al, now);
          if (mode === 'terminal') this.st.tOpen.run(input.account, input.group ?? this.c.group, Math.ceil(al / p), this.c.tripKwh);
        })();
        a = this.row(input.account)!;
      } else if (input.mode !== undefined && input.mode !== this.modeOf(input.account)) {
        throw new ConflictError('mode', `account ${input.account} is in ${this.modeOf(input.account)} mode: the mode is chosen when the prepayment opens`);
      }
      const balance = a.balance_li + amount;
      const t = this.terminalRow(input.account);
      this.o.db.transaction(() => {
        this.st.ledger.run(input.account, now, 'topup', amount, balance, null, input.ref ?? null, actor.name);
        this.st.update.run({ account: input.account, balance, kwh: a.last_kwh, readAt: a.last_read_at, state: a.state });
        // Terminal mode: the money waits as unsent until the F47 purchase record carries it.
        if (t) this.st.tUpdate.run({ account: input.account, order: t.order_no, residue: t.residue_li + amount, on: t.control_on, remaining: t.remaining_kwh, readAt: t.read_at });
      })();
      this.o.audit.append({ kind: 'prepay', actor: actor.name, ref: input.account, target: input.account, data: { event: 'topup', amountLi: amount, balanceLi: balance, ref: input.ref } }, { flush: true });
      this.emit(input.account, 'topup', balance);
      if (t) {
        await this.pushPurchase(input.account);
        await this.readTerminal(input.account);
      } else await this.evaluate(this.row(input.account)!);
      return this.viewOf(this.row(input.account)!, 20);
    });
  }

  private modeOf(account: string): PrepayMode {
    return this.terminalRow(account) ? 'terminal' : 'head-end';
  }

  private terminalRow(account: string): TerminalRow | undefined {
    return this.st.tGet.get(account) as TerminalRow | undefined;
  }

  /**
   * Terminal mode: sends the unsent money as whole kWh in an AFN04 F47 purchase record (then AFN05 F16
   * once). The order number is taken before sending; a purchase not confirmed is read back (AFN0A F47):
   * the terminal holding our order number means it took it (the answer was lost), otherwise the money
   * stays unsent for the next purchase. Returns whether the terminal holds everything it can.
   */
  private async pushPurchase(account: string): Promise<boolean> {
    const a = this.row(account)!;
    let t = this.terminalRow(account)!;
    const kwh = Math.floor(t.residue_li / a.price_li);
    if (kwh > 0) {
      const record: PurchaseRecord = { orderNo: t.order_no + 1, mode: t.order_no === 0 ? 'refresh' : 'append', amount: kwh, alarmThreshold: t.alarm_kwh, tripThreshold: t.trip_kwh };
      this.saveTerminal(t, { order_no: record.orderNo });
      const outcome = await this.request(account, { kind: 'set-param', fn: 47, pn: t.group_no, value: record }, `prepayment: purchase ${record.orderNo} of ${kwh} kWh`);
      let taken = outcome === 'confirmed-verified' || outcome === 'confirmed-not-verified' || outcome === 'pending';
      if (!taken && outcome !== undefined) taken = await this.terminalHolds(account, t.group_no, record.orderNo);
      t = this.terminalRow(account)!;
      if (!taken) {
        this.log.warn({ account, orderNo: record.orderNo, outcome }, 'purchase record not taken by the terminal: the money stays unsent');
        return false;
      }
      this.saveTerminal(t, { residue_li: t.residue_li - kwh * a.price_li });
      this.o.audit.append({ kind: 'prepay', actor: SYSTEM_ACTOR.name, ref: account, target: account, data: { event: 'purchase-record', orderNo: record.orderNo, kwh, group: t.group_no, outcome } }, { flush: true });
      t = this.terminalRow(account)!;
    }
    if (t.control_on === 0 && t.order_no > 0) {
      if (this.o.protection.get(account)) return true; // keep-power: purchase control stays off, nothing trips
      const outcome = await this.request(account, { kind: 'power-control', control: 'purchase', on: true, group: t.group_no }, 'prepayment: purchase control on');
      if (outcome !== 'confirmed-verified' && outcome !== 'confirmed-not-verified') return false; // retried at the next settlement
      this.saveTerminal(this.terminalRow(account)!, { control_on: 1 });
    }
    return true;
  }

  private saveTerminal(t: TerminalRow, change: Partial<TerminalRow>): void {
    const n = { ...t, ...change };
    this.st.tUpdate.run({ account: n.account_no, order: n.order_no, residue: n.residue_li, on: n.control_on, remaining: n.remaining_kwh, readAt: n.read_at });
  }

  /** Whether AFN0A F47 of the group shows purchase `orderNo` (a record whose answer was lost). */
  private async terminalHolds(account: string, group: number, orderNo: number): Promise<boolean> {
    try {
      const [target] = this.resolver.resolve({ accounts: [account] }, false);
      const f47 = (await this.o.channel.param(target!.terminal, 47, group, () => undefined)) as { orderNo?: number } | undefined;
      return f47?.orderNo === orderNo;
    } catch (e) {
      // Unknown: treated as not taken; the terminal refuses the number if it did take it, so no double credit.
      this.log.warn({ err: e, account }, 'purchase record read-back failed');
      return false;
    }
  }

  /**
   * Terminal mode: reads the remaining energy (AFN0C F23 of the group) and the purchase trip (F6), and
   * follows the terminal's state: alarm at or below the alarm threshold, tripped when its rounds opened,
   * closed after a purchase lifted it. Usage is the drop of the remaining energy, priced.
   */
  private async readTerminal(account: string): Promise<void> {
    const a = this.row(account)!;
    const t = this.terminalRow(account)!;
    const [target] = this.resolver.resolve({ accounts: [account] }, false);
    const observe: FrameObserver = () => undefined;
    const f23 = (await this.o.channel.realtime(target!.terminal, 23, t.group_no, observe)) as { remaining?: number | null } | undefined;
    const f6 = (await this.o.channel.realtime(target!.terminal, 6, 0, observe)) as { groups?: number[]; states?: { purchaseTrip?: number[] }[] } | undefined;
    const remaining = f23?.remaining;
    if (typeof remaining !== 'number') throw new InputError('remaining', `no remaining energy (AFN0C F23) of group ${t.group_no} from ${target!.terminal}`);
    const i = (f6?.groups ?? []).indexOf(t.group_no);
    const tripped = i >= 0 && (f6?.states?.[i]?.purchaseTrip?.length ?? 0) > 0;
    const now = this.o.clock.now();
    const balance = Math.round(remaining * a.price_li) + t.residue_li;
    const protectedNow = t.control_on === 0 && this.o.protection.get(account) !== undefined;
    const state: PrepayState = tripped ? 'tripped' : protectedNow && remaining <= t.trip_kwh ? 'trip-blocked' : remaining <= t.alarm_kwh ? 'alarm' : 'normal';
    this.o.db.transaction(() => {
      if (t.remaining_kwh !== null && balance < a.balance_li) {
        const cost = a.balance_li - balance;
        this.st.ledger.run(account, now, 'usage', -cost, balance, Math.round((cost / a.price_li) * 10_000) / 10_000, null, SYSTEM_ACTOR.name);
      }
      this.st.update.run({ account, balance, kwh: a.last_kwh, readAt: now, state });
      this.saveTerminal(t, { remaining_kwh: remaining, read_at: now });
    })();
    if (state === a.state) return;
    if (state === 'tripped') this.emit(account, 'trip', balance, `the terminal's purchase control tripped group ${t.group_no} (remaining ${remaining} kWh)`);
    else if (a.state === 'tripped') this.emit(account, 'close', balance, `remaining ${remaining} kWh above the trip threshold: the terminal closed group ${t.group_no}`);
    if (state === 'alarm') this.emit(account, 'alarm', balance, `remaining ${remaining} kWh at or below ${t.alarm_kwh} kWh`);
    if (state === 'trip-blocked') this.emit(account, 'trip-blocked', balance, 'keep-power customer: purchase control is off, not tripped');
    this.audit(account, `terminal-${state}`, balance);
  }

  /** Reads the meter's energy now, charges the usage since the last reading, acts on the thresholds. */
  settle(account: string): Promise<BalanceView> {
    return this.locked(account, async () => {
      const a = this.row(account);
      if (!a) throw new NotFoundError('prepay-account', `account ${account} has no prepayment`);
      if (this.terminalRow(account)) {
        await this.pushPurchase(account); // unsent money or purchase control not yet on: try again
        await this.readTerminal(account);
        return this.viewOf(this.row(account)!, 20);
      }
      const [t] = this.resolver.resolve({ accounts: [account] }, true);
      const m = t!.meter!;
      const observe: FrameObserver = () => undefined;
      const data = (await this.o.channel.realtime(m.terminal, 129, m.pn, observe)) as { values?: (number | null)[] } | undefined;
      const kwh = data?.values?.[0];
      if (typeof kwh !== 'number') throw new InputError('energy', `no forward active energy from ${m.terminal} p${m.pn}`);
      const now = this.o.clock.now();
      let balance = a.balance_li;
      if (a.last_kwh !== null && kwh > a.last_kwh) {
        const used = kwh - a.last_kwh;
        const cost = Math.round(used * a.price_li);
        balance -= cost;
        this.st.ledger.run(account, now, 'usage', -cost, balance, Math.round(used * 10_000) / 10_000, null, SYSTEM_ACTOR.name);
      }
      this.st.update.run({ account, balance, kwh, readAt: now, state: a.state });
      await this.evaluate(this.row(account)!);
      return this.viewOf(this.row(account)!, 20);
    });
  }

  /** Settles every prepaid account (one at a time per account; failures logged and retried next time). */
  async settleAll(limit = 32): Promise<void> {
    const accounts = (this.st.accounts.all() as { account_no: string }[]).map((r) => r.account_no);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < accounts.length && !this.closed) {
        const a = accounts[next++]!;
        await this.settle(a).catch((e: unknown) => this.log.warn({ err: e, account: a }, 'prepayment settlement failed'));
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, accounts.length) }, worker));
  }

  /** The thresholds: alarm, trip (keep-power respected), close after a top-up. */
  private async evaluate(a: AccountRow): Promise<void> {
    const account = a.account_no;
    const b = a.balance_li;
    let state = a.state;
    if (b > 0 && (state === 'tripped' || state === 'trip-blocked')) {
      if (state === 'tripped') {
        const ok = await this.command(account, { kind: 'close' }, 'prepayment: topped up');
        if (!ok) return; // retried at the next settlement or top-up
        this.emit(account, 'close', b);
      }
      state = b > a.alarm_li ? 'normal' : 'alarm';
      if (state === 'normal') await this.command(account, { kind: 'urge-fee', on: false }, 'prepayment: balance restored');
    } else if (b > a.alarm_li && state === 'alarm') {
      await this.command(account, { kind: 'urge-fee', on: false }, 'prepayment: balance restored');
      state = 'normal';
    } else if (b <= a.alarm_li && state === 'normal') {
      await this.command(account, { kind: 'urge-fee', on: true }, 'prepayment: low balance');
      this.emit(account, 'alarm', b, `balance ${yuan(b)} yuan at or below ${yuan(a.alarm_li)}`);
      this.audit(account, 'alarm', b);
      state = 'alarm';
    }
    if (b < 0 && state !== 'tripped' && state !== 'trip-blocked' && this.c.trip === 'auto') {
      const shield = this.o.protection.get(account);
      if (shield) {
        state = 'trip-blocked';
        this.emit(account, 'trip-blocked', b, `keep-power customer (${shield.reason}): not tripped`);
        this.audit(account, 'trip-blocked', b);
      } else if (await this.command(account, { kind: 'trip' }, 'prepayment: balance below zero')) {
        state = 'tripped';
        this.emit(account, 'trip', b);
      }
    }
    if (state !== a.state) this.st.update.run({ account, balance: b, kwh: a.last_kwh, readAt: a.last_read_at, state });
  }

  /** A device command as the head-end's own control request; true when the meter confirmed it. */
  private async command(account: string, action: ControlParams, reason: string): Promise<boolean> {
    const outcome = await this.request(account, action, reason);
    return outcome === 'confirmed-verified' || outcome === 'confirmed-not-verified';
  }

  /**
   * The head-end's own control request on the account (its meter, or its terminal for terminal-only
   * actions): the outcome, 'pending' while it waits for approval (control.approval has prepay), or
   * undefined when it could not be created (logged).
   */
  private async request(account: string, action: ControlParams, reason: string): Promise<Outcome | 'pending' | undefined> {
    try {
      const v = this.o.control.create(SYSTEM_ACTOR, { action, selector: { accounts: [account] }, reason });
      if (v.state === 'pending') return 'pending';
      const d = await this.o.control.completion(v.id);
      return d.results.run?.[0]?.outcome;
    } catch (e) {
      this.log.warn({ err: e, account, action: action.kind }, 'prepayment command failed');
      return undefined;
    }
  }

  private audit(account: string, event: string, balance: number): void {
    this.o.audit.append({ kind: 'prepay', actor: SYSTEM_ACTOR.name, ref: account, target: account, data: { event, balanceLi: balance } }, { flush: true });
  }

  private emit(account: string, kind: HesEvents['prepay']['kind'], balanceLi: number, detail?: string): void {
    const p: HesEvents['prepay'] = { account, kind, balanceYuan: yuan(balanceLi), at: this.o.clock.now() };
    if (detail) p.detail = detail;
    this.o.bus.publish('prepay', p);
  }

  private row(account: string): AccountRow | undefined {
    return this.st.get.get(account) as AccountRow | undefined;
  }

  private viewOf(a: AccountRow, limit: number): BalanceView {
    const history = (this.st.history.all(a.account_no, limit) as { at: number; kind: 'topup' | 'usage'; amount_li: number; balance_li: number; kwh: number | null; ref: string | null; actor: string }[]).map((h) => {
      const e: LedgerEntry = { at: new Date(h.at).toISOString(), kind: h.kind, amountYuan: yuan(h.amount_li), balanceYuan: yuan(h.balance_li), actor: h.actor };
      if (h.kwh !== null) e.kwh = h.kwh;
      if (h.ref !== null) e.ref = h.ref;
      return e;
    });
    const t = this.terminalRow(a.account_no);
    const v: BalanceView = { account: a.account_no, mode: t ? 'terminal' : 'head-end', balanceYuan: yuan(a.balance_li), state: a.state, priceYuanPerKwh: yuan(a.price_li), alarmYuan: yuan(a.alarm_li), history };
    if (a.last_kwh !== null) v.lastKwh = a.last_kwh;
    if (a.last_read_at !== null) v.lastReadAt = new Date(a.last_read_at).toISOString();
    if (t) {
      v.terminal = { group: t.group_no, orderNo: t.order_no, purchaseControl: t.control_on === 1, alarmKwh: t.alarm_kwh, tripKwh: t.trip_kwh, unsentYuan: yuan(t.residue_li) };
      if (t.remaining_kwh !== null) v.terminal.remainingKwh = t.remaining_kwh;
      if (t.read_at !== null) v.terminal.readAt = new Date(t.read_at).toISOString();
    }
    return v;
  }

  /** Runs `fn` after the previous operation on the same account. */
  private locked<T>(account: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(account) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(account, tail);
    void tail.then(() => {
      if (this.locks.get(account) === tail) this.locks.delete(account);
    });
    return run;
  }
}
