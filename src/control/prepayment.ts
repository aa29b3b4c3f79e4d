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
 */
import type { Db, Stmt } from '../archive/db.js';
import type { EventBus, HesEvents } from '../bus.js';
import type { Clock, Timer } from '../clock.js';
import { InputError } from '../errors.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { NotFoundError } from '../service/errors.js';
import { requireOperator, SYSTEM_ACTOR, type Actor } from './actor.js';
import type { AuditChain } from './audit-chain.js';
import type { ControlChannel, FrameObserver } from './channel.js';
import type { ControlParams } from './commands.js';
import type { Protection } from './protection.js';
import type { ControlService } from './service.js';
import { TargetResolver } from './targets.js';
import { DEFAULT_PREPAY, type PrepayConfig } from './config.js';

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

export interface BalanceView {
  account: string;
  balanceYuan: number;
  state: PrepayState;
  priceYuanPerKwh: number;
  alarmYuan: number;
  lastKwh?: number;
  lastReadAt?: string;
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
  private readonly st: Record<'get' | 'open' | 'update' | 'ledger' | 'history' | 'accounts' | 'exists', Stmt>;
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
    };
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
    return this.locked(input.account, async () => {
      const now = this.o.clock.now();
      let a = this.row(input.account);
      if (!a) {
        this.st.open.run(input.account, price ?? this.c.priceLiPerKwh, alarm ?? this.c.alarmLi, now);
        a = this.row(input.account)!;
      }
      const balance = a.balance_li + amount;
      this.st.ledger.run(input.account, now, 'topup', amount, balance, null, input.ref ?? null, actor.name);
      this.st.update.run({ account: input.account, balance, kwh: a.last_kwh, readAt: a.last_read_at, state: a.state });
      this.o.audit.append({ kind: 'prepay', actor: actor.name, ref: input.account, target: input.account, data: { event: 'topup', amountLi: amount, balanceLi: balance, ref: input.ref } }, { flush: true });
      this.emit(input.account, 'topup', balance);
      await this.evaluate(this.row(input.account)!);
      return this.viewOf(this.row(input.account)!, 20);
    });
  }

  /** Reads the meter's energy now, charges the usage since the last reading, acts on the thresholds. */
  settle(account: string): Promise<BalanceView> {
    return this.locked(account, async () => {
      const a = this.row(account);
      if (!a) throw new NotFoundError('prepay-account', `account ${account} has no prepayment`);
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
    try {
      const v = this.o.control.create(SYSTEM_ACTOR, { action, selector: { accounts: [account] }, reason });
      if (v.state === 'pending') return false; // waits for approval (config control.approval has prepay)
      const d = await this.o.control.completion(v.id);
      const outcome = d.results.run?.[0]?.outcome;
      return outcome === 'confirmed-verified' || outcome === 'confirmed-not-verified';
    } catch (e) {
      this.log.warn({ err: e, account, action: action.kind }, 'prepayment command failed');
      return false;
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
    const v: BalanceView = { account: a.account_no, balanceYuan: yuan(a.balance_li), state: a.state, priceYuanPerKwh: yuan(a.price_li), alarmYuan: yuan(a.alarm_li), history };
    if (a.last_kwh !== null) v.lastKwh = a.last_kwh;
    if (a.last_read_at !== null) v.lastReadAt = new Date(a.last_read_at).toISOString();
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
