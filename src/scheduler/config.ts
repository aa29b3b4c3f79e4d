/**
 * Scheduler configuration (section `scheduler` of the head-end configuration): the tasks and their
 * defaults — every task enabled for a new archive — per-terminal-class / per-region profiles, key users,
 * concurrency, batching and 补采 (re-collection). Validated here, field by field, with the same
 * "path: what was wrong" problems as src/config/schema.ts.
 */
import { TASK_FNS } from './fns.js';

export type Targets = 'all' | 'key';
export type EventPollMode = 'auto' | 'all';

export interface FrozenTaskSettings {
  enabled: boolean;
  /** Fns requested (AFN0D), all of a quantity together. */
  fns: number[];
}

export interface TaskSettings {
  /** Daily frozen (日冻结) after 00:00 + offset: Td_d = today, data time 00:00. */
  daily: FrozenTaskSettings & { offsetMinutes: number };
  /** Meter-reading-day frozen (抄表日冻结) on each account's 抄表日; `fallbackFns` (daily frozen of that day) when the terminal has no reading-day freeze then. */
  billingDay: FrozenTaskSettings & { offsetMinutes: number; fallbackFns: number[] };
  /** Monthly frozen (月冻结) on the 1st after 00:00 + offset: Td_m = this month. */
  monthly: FrozenTaskSettings & { offsetMinutes: number };
  /** Curves of yesterday after 00:00 + offset. */
  curve: FrozenTaskSettings & { offsetMinutes: number; densityMinutes: number; targets: Targets };
  /** Real-time snapshot (AFN0C) every interval. */
  snapshot: FrozenTaskSettings & { intervalMinutes: number; targets: Targets };
  /** AFN0E event polling with EC pointers; `auto`: only terminals that have not reported actively for `activeWithinHours`. */
  events: { enabled: boolean; intervalMinutes: number; mode: EventPollMode; activeWithinHours: number };
  /** Clock patrol (AFN0C F2) at `atMinute` after 00:00 and clock set (AFN05 F31) beyond `thresholdS`. */
  clock: { enabled: boolean; atMinute: number; thresholdS: number; set: boolean };
}

export type TaskName = keyof TaskSettings;
export const TASK_NAMES: readonly TaskName[] = ['daily', 'billingDay', 'monthly', 'curve', 'snapshot', 'events', 'clock'];

/** Per-terminal settings a profile may change (timing stays global). */
export interface TerminalTaskSettings {
  daily: FrozenTaskSettings;
  billingDay: FrozenTaskSettings & { fallbackFns: number[] };
  monthly: FrozenTaskSettings;
  curve: FrozenTaskSettings & { densityMinutes: number; targets: Targets };
  snapshot: FrozenTaskSettings & { targets: Targets };
  events: { enabled: boolean };
  clock: { enabled: boolean };
  /** The terminal's request limits. */
  batch: SchedulerConfig['batch'];
}

export interface ProfileMatch {
  /** A1 region code (4 digits). */
  region?: string;
  /** Terminal protocol as in the archive (gw376.1-2009, gw376.1-2013). */
  protocol?: string;
  /** Channel as in the archive (tcp, mqtt). */
  channel?: string;
}

export interface Profile {
  match: ProfileMatch;
  tasks?: { [K in TaskName]?: Partial<TerminalTaskSettings[K]> };
  /** Request limits of this terminal class (e.g. 255-byte frames on radio channels). */
  batch?: Partial<SchedulerConfig['batch']>;
}

export interface SchedulerConfig {
  /** Run tasks on their schedule (manual runs and figures work either way). */
  enabled: boolean;
  tasks: TaskSettings;
  /** Applied in order to the terminals they match. */
  profiles: Profile[];
  /** Key users (重点用户): customers of these tariff classes, meters of these wirings, or these accounts. */
  keyUsers: { tariffClasses: string[]; wirings: string[]; accounts: string[] };
  concurrency: {
    /** Terminals worked on at once (all tasks together). */
    terminals: number;
    /** Scheduler requests queued at one terminal at once (the FEP's window decides what is in flight). */
    perTerminal: number;
  };
  batch: {
    /** Points per DA (1..8: 8 = a whole DA1 group, §5.2.3.5.1; 1 for terminals that take one Pn per DA). */
    pnPerUnit: number;
    /** Measuring points per request (bounds the reply: multi-frame answers are reassembled by the FEP). */
    maxPointsPerRequest: number;
    /** User-data length of a request frame (L field, §5.1.2: ≤ 16383 on networks, 255 on radio). */
    maxRequestBytes: number;
  };
  recollect: {
    enabled: boolean;
    /** First 补采 round this long after a round left gaps, s. */
    firstDelayS: number;
    factor: number;
    maxDelayS: number;
    /** The window closes this many hours after 00:00 of the day the task ran (24 = at midnight). */
    closeHours: number;
  };
}

export const DEFAULT_SCHEDULER: SchedulerConfig = {
  enabled: true,
  tasks: {
    daily: { enabled: true, offsetMinutes: 5, fns: [161, 162, 163, 164] },
    billingDay: { enabled: true, offsetMinutes: 10, fns: [169, 170, 171, 172], fallbackFns: [161, 162, 163, 164] },
    monthly: { enabled: true, offsetMinutes: 15, fns: [177, 178, 179, 180] },
    curve: { enabled: true, offsetMinutes: 30, fns: [81, 82, 83, 84, 89, 90, 91, 92, 93, 94, 101], densityMinutes: 15, targets: 'key' },
    snapshot: { enabled: true, intervalMinutes: 60, fns: [25, 33], targets: 'key' },
    events: { enabled: true, intervalMinutes: 60, mode: 'auto', activeWithinHours: 24 },
    clock: { enabled: true, atMinute: 120, thresholdS: 5, set: true },
  },
  profiles: [],
  keyUsers: { tariffClasses: ['commercial', 'industrial'], wirings: ['three-phase-4w', 'three-phase-3w'], accounts: [] },
  concurrency: { terminals: 1000, perTerminal: 2 },
  batch: { pnPerUnit: 8, maxPointsPerRequest: 64, maxRequestBytes: 4096 },
  recollect: { enabled: true, firstDelayS: 600, factor: 2, maxDelayS: 7200, closeHours: 24 },
};

/** The settings of one terminal: the task defaults with every matching profile applied in order. */
export function settingsFor(c: SchedulerConfig, t: { region: string; protocol: string; channel: string }): TerminalTaskSettings {
  const s: TerminalTaskSettings = {
    daily: { enabled: c.tasks.daily.enabled, fns: c.tasks.daily.fns },
    billingDay: { enabled: c.tasks.billingDay.enabled, fns: c.tasks.billingDay.fns, fallbackFns: c.tasks.billingDay.fallbackFns },
    monthly: { enabled: c.tasks.monthly.enabled, fns: c.tasks.monthly.fns },
    curve: { enabled: c.tasks.curve.enabled, fns: c.tasks.curve.fns, densityMinutes: c.tasks.curve.densityMinutes, targets: c.tasks.curve.targets },
    snapshot: { enabled: c.tasks.snapshot.enabled, fns: c.tasks.snapshot.fns, targets: c.tasks.snapshot.targets },
    events: { enabled: c.tasks.events.enabled },
    clock: { enabled: c.tasks.clock.enabled },
    batch: c.batch,
  };
  for (const p of c.profiles) {
    const m = p.match;
    if ((m.region !== undefined && m.region !== t.region) || (m.protocol !== undefined && m.protocol !== t.protocol) || (m.channel !== undefined && m.channel !== t.channel)) continue;
    for (const name of TASK_NAMES) {
      const over = p.tasks?.[name];
      if (over) (s as unknown as Record<string, object>)[name] = { ...s[name], ...over };
    }
    if (p.batch) s.batch = { ...s.batch, ...p.batch };
  }
  return s;
}

// ── validation ───────────────────────────────────────────────────────────────────────────────

type Problems = string[];
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function obj(v: unknown, path: string, p: Problems, keys: readonly string[], required = true): Obj | undefined {
  if (!isObj(v)) {
    p.push(`${path}: expected an object, got ${JSON.stringify(v)}`);
    return undefined;
  }
  for (const k of Object.keys(v)) if (!keys.includes(k)) p.push(`${path}.${k}: unknown setting (known: ${keys.join(', ')})`);
  if (required) for (const k of keys) if (!(k in v)) p.push(`${path}.${k}: missing`);
  return v;
}

function bool(v: unknown, path: string, p: Problems): void {
  if (typeof v !== 'boolean') p.push(`${path}: expected true or false, got ${JSON.stringify(v)}`);
}

function int(v: unknown, path: string, p: Problems, min: number, max: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) p.push(`${path}: expected an integer in ${min}..${max}, got ${JSON.stringify(v)}`);
}

function oneOf(v: unknown, path: string, p: Problems, values: readonly string[]): void {
  if (typeof v !== 'string' || !values.includes(v)) p.push(`${path}: expected one of ${values.join(', ')}, got ${JSON.stringify(v)}`);
}

function strings(v: unknown, path: string, p: Problems, re: RegExp, hint: string): void {
  if (!Array.isArray(v)) {
    p.push(`${path}: expected an array of ${hint}, got ${JSON.stringify(v)}`);
    return;
  }
  v.forEach((x, i) => {
    if (typeof x !== 'string' || !re.test(x)) p.push(`${path}[${i}]: expected ${hint}, got ${JSON.stringify(x)}`);
  });
}

function fnList(v: unknown, path: string, p: Problems, allowed: readonly number[], task: string, allowEmpty: boolean): void {
  if (!Array.isArray(v) || (!allowEmpty && v.length === 0)) {
    p.push(`${path}: expected a${allowEmpty ? 'n' : ' non-empty'} array of Fns`);
    return;
  }
  const seen = new Set<unknown>();
  v.forEach((x, i) => {
    if (typeof x !== 'number' || !allowed.includes(x)) p.push(`${path}[${i}]: F${String(x)} is not collected by the ${task} task (one of ${allowed.join(', ')})`);
    else if (seen.has(x)) p.push(`${path}[${i}]: F${x} listed twice`);
    seen.add(x);
  });
}

const DENSITIES = [1, 5, 15, 30, 60];

/** Checks one task's settings; `full` = the global task (timing included), else a profile's partial override. */
function checkTask(name: TaskName, v: unknown, path: string, p: Problems, full: boolean): void {
  const timing: Record<TaskName, string[]> = {
    daily: ['offsetMinutes'],
    billingDay: ['offsetMinutes'],
    monthly: ['offsetMinutes'],
    curve: ['offsetMinutes'],
    snapshot: ['intervalMinutes'],
    events: ['intervalMinutes', 'mode', 'activeWithinHours'],
    clock: ['atMinute', 'thresholdS', 'set'],
  };
  const own: Record<TaskName, string[]> = {
    daily: ['enabled', 'fns'],
    billingDay: ['enabled', 'fns', 'fallbackFns'],
    monthly: ['enabled', 'fns'],
    curve: ['enabled', 'fns', 'densityMinutes', 'targets'],
    snapshot: ['enabled', 'fns', 'targets'],
    events: ['enabled'],
    clock: ['enabled'],
  };
  const keys = full ? [...own[name], ...timing[name]] : own[name];
  const o = obj(v, path, p, keys, full);
  if (!o) return;
  const has = (k: string): boolean => k in o;
  if (has('enabled')) bool(o.enabled, `${path}.enabled`, p);
  if (name !== 'events' && name !== 'clock' && has('fns')) fnList(o.fns, `${path}.fns`, p, TASK_FNS[name].fns, name, false);
  if (has('fallbackFns')) fnList(o.fallbackFns, `${path}.fallbackFns`, p, TASK_FNS.daily.fns, 'daily (fallback)', true);
  if (has('densityMinutes') && (typeof o.densityMinutes !== 'number' || !DENSITIES.includes(o.densityMinutes))) p.push(`${path}.densityMinutes: expected one of ${DENSITIES.join(', ')}, got ${JSON.stringify(o.densityMinutes)}`);
  if (has('targets')) oneOf(o.targets, `${path}.targets`, p, ['all', 'key']);
  if (has('offsetMinutes')) int(o.offsetMinutes, `${path}.offsetMinutes`, p, 0, 23 * 60);
  if (has('intervalMinutes')) int(o.intervalMinutes, `${path}.intervalMinutes`, p, 1, 7 * 24 * 60);
  if (has('mode')) oneOf(o.mode, `${path}.mode`, p, ['auto', 'all']);
  if (has('activeWithinHours')) int(o.activeWithinHours, `${path}.activeWithinHours`, p, 1, 24 * 31);
  if (has('atMinute')) int(o.atMinute, `${path}.atMinute`, p, 0, 24 * 60 - 1);
  if (has('thresholdS')) int(o.thresholdS, `${path}.thresholdS`, p, 1, 86_400);
  if (has('set')) bool(o.set, `${path}.set`, p);
}

function checkBatch(v: unknown, path: string, p: Problems, full: boolean): void {
  const o = obj(v, path, p, ['pnPerUnit', 'maxPointsPerRequest', 'maxRequestBytes'], full);
  if (!o) return;
  if ('pnPerUnit' in o) int(o.pnPerUnit, `${path}.pnPerUnit`, p, 1, 8);
  if ('maxPointsPerRequest' in o) int(o.maxPointsPerRequest, `${path}.maxPointsPerRequest`, p, 1, 2040);
  // The smallest useful request: header 8 + Tp 6 + one curve unit (4 + 7) and then some.
  if ('maxRequestBytes' in o) int(o.maxRequestBytes, `${path}.maxRequestBytes`, p, 64, 16_383);
}

/** Validators of the `scheduler` section, one per key, in the shape src/config/schema.ts uses. */
export const SCHEDULER_CHECKS: Record<keyof SchedulerConfig, (v: unknown, path: string, problems: string[]) => void> = {
  enabled: bool,
  tasks: (v, path, p) => {
    const o = obj(v, path, p, TASK_NAMES);
    if (o) for (const n of TASK_NAMES) if (n in o) checkTask(n, o[n], `${path}.${n}`, p, true);
  },
  profiles: (v, path, p) => {
    if (!Array.isArray(v)) {
      p.push(`${path}: expected an array of { match, tasks?, batch? }`);
      return;
    }
    v.forEach((x, i) => {
      const at = `${path}[${i}]`;
      const o = obj(x, at, p, ['match', 'tasks', 'batch'], false);
      if (!o) return;
      if ('batch' in o) checkBatch(o.batch, `${at}.batch`, p, false);
      const m = 'match' in o ? obj(o.match, `${at}.match`, p, ['region', 'protocol', 'channel'], false) : (p.push(`${at}.match: missing`), undefined);
      if (m) {
        if ('region' in m && (typeof m.region !== 'string' || !/^[0-9A-Fa-f]{4}$/.test(m.region))) p.push(`${at}.match.region: expected a 4-digit A1 code, got ${JSON.stringify(m.region)}`);
        for (const k of ['protocol', 'channel'] as const) if (k in m && (typeof m[k] !== 'string' || m[k] === '')) p.push(`${at}.match.${k}: expected a non-empty string`);
      }
      const t = 'tasks' in o ? obj(o.tasks, `${at}.tasks`, p, TASK_NAMES, false) : undefined;
      if (t) for (const n of TASK_NAMES) if (n in t) checkTask(n, t[n], `${at}.tasks.${n}`, p, false);
    });
  },
  keyUsers: (v, path, p) => {
    const o = obj(v, path, p, ['tariffClasses', 'wirings', 'accounts']);
    if (!o) return;
    strings(o.tariffClasses, `${path}.tariffClasses`, p, /^[a-z-]{1,32}$/, 'tariff classes such as commercial');
    strings(o.wirings, `${path}.wirings`, p, /^[a-z0-9-]{1,32}$/, 'wirings such as three-phase-4w');
    strings(o.accounts, `${path}.accounts`, p, /^\d{6,20}$/, 'account numbers (户号, 6..20 digits)');
  },
  concurrency: (v, path, p) => {
    const o = obj(v, path, p, ['terminals', 'perTerminal']);
    if (!o) return;
    int(o.terminals, `${path}.terminals`, p, 1, 1_000_000);
    int(o.perTerminal, `${path}.perTerminal`, p, 1, 64);
  },
  batch: (v, path, p) => checkBatch(v, path, p, true),
  recollect: (v, path, p) => {
    const o = obj(v, path, p, ['enabled', 'firstDelayS', 'factor', 'maxDelayS', 'closeHours']);
    if (!o) return;
    bool(o.enabled, `${path}.enabled`, p);
    int(o.firstDelayS, `${path}.firstDelayS`, p, 1, 86_400);
    if (typeof o.factor !== 'number' || !(o.factor >= 1 && o.factor <= 10)) p.push(`${path}.factor: expected a number in 1..10, got ${JSON.stringify(o.factor)}`);
    int(o.maxDelayS, `${path}.maxDelayS`, p, 1, 86_400);
    int(o.closeHours, `${path}.closeHours`, p, 1, 24 * 31);
  },
};
