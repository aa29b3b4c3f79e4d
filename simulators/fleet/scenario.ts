/**
 * Fault scenarios for the fleet: a JSON file of timed fault events per terminal range.
 *
 * ```json
 * {
 *   "name": "evening storm",
 *   "events": [
 *     { "at": "10s", "terminals": "1-100",  "fault": "offline", "for": "30s" },
 *     { "at": "0s",  "terminals": "all",    "fault": "loss", "percent": 2 },
 *     { "at": "1m",  "terminals": "5,9-12", "fault": "slow", "ms": 3000, "for": "5m" },
 *     { "at": "2m",  "terminals": [7, 8],   "fault": "half-open", "for": "10m" },
 *     { "at": "0s",  "terminals": "3",      "fault": "clock-drift", "offsetS": 300, "ppm": 50 },
 *     { "at": "30s", "terminals": "20-29",  "fault": "meter-missing", "meters": "1-5" }
 *   ]
 * }
 * ```
 * - `at`: when the fault starts, from the fleet's start: a number of ms or a string `500ms`, `30s`, `2m`, `1h`.
 * - `terminals`: A2 addresses of the fleet's terminals: `"all"`, a number, `"1-100,205"` or an array of numbers.
 * - `for` (optional): how long it lasts; after it the fault is cleared. Without it the fault stays.
 *   `offline` requires it (the terminal must come back some time).
 * - `fault` and its parameters:
 *   | fault           | parameters                         | where it acts                                        |
 *   |-----------------|------------------------------------|------------------------------------------------------|
 *   | `offline`       | —                                   | channel: link dropped, no connection until the end    |
 *   | `half-open`     | —                                   | channel: socket open, no heartbeats, no answers       |
 *   | `slow`          | `ms` > 0                            | channel: every answer leaves `ms` late               |
 *   | `loss`          | `percent` 0..100                    | channel: frames dropped both ways                     |
 *   | `corrupt`       | `percent` 0..100                    | channel: outgoing frames with one byte flipped        |
 *   | `duplicate`     | `percent` 0..100                    | channel: outgoing frames sent twice                   |
 *   | `clock-drift`   | `offsetS` and/or `ppm`              | terminal clock (brain when it supports it, else channel) |
 *   | `power-off`     | —                                   | brain (ERC14, gaps) + channel offline for the period  |
 *   | `meter-missing` | `meters`: Pn range like terminals   | brain: those Pn fail (ERC31, no data)                 |
 *   | `deny`          | —                                   | brain: every request answered AFN00 F2                |
 * Errors name the file, the line and the JSON path, and what was expected.
 */
import { readFileSync } from 'node:fs';

export const FAULT_KINDS = ['offline', 'half-open', 'slow', 'loss', 'corrupt', 'duplicate', 'clock-drift', 'power-off', 'meter-missing', 'deny'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** A set of numbers: `all` or sorted disjoint inclusive ranges. */
export type NumberSet = 'all' | readonly (readonly [number, number])[];

export interface ScenarioFault {
  kind: FaultKind;
  ms?: number;
  percent?: number;
  offsetS?: number;
  ppm?: number;
  meters?: NumberSet;
}

export interface ScenarioEvent {
  /** ms from the fleet's start. */
  at: number;
  /** ms; undefined = until the end. */
  for?: number;
  terminals: NumberSet;
  fault: ScenarioFault;
  /** Line of the event in the file (for messages). */
  line: number;
}

export interface Scenario {
  name?: string;
  events: ScenarioEvent[];
}

export class ScenarioError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly path: string,
    what: string,
  ) {
    super(`${file}:${line}: ${path ? `${path}: ` : ''}${what}`);
    this.name = 'ScenarioError';
  }
}

export function inSet(set: NumberSet, n: number): boolean {
  if (set === 'all') return true;
  for (const [a, b] of set) if (n >= a && n <= b) return true;
  return false;
}

/** Members of `set` within [lo, hi]. */
export function membersOf(set: NumberSet, lo: number, hi: number): number[] {
  const out: number[] = [];
  const ranges = set === 'all' ? [[lo, hi] as const] : set;
  for (const [a, b] of ranges) for (let n = Math.max(a, lo); n <= Math.min(b, hi); n++) out.push(n);
  return out;
}

// ------------------------------------------------------------------ JSON with line numbers

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** JSON.parse that also records the line where each value starts, keyed by its path (`events[2].at`). */
export function parseJsonWithLines(text: string, file: string): { value: Json; lines: Map<string, number> } {
  let i = 0;
  let line = 1;
  const lines = new Map<string, number>();
  const fail = (what: string): never => {
    throw new ScenarioError(file, line, '', `invalid JSON: ${what}`);
  };
  const ws = (): void => {
    while (i < text.length) {
      const c = text[i]!;
      if (c === '\n') line++;
      else if (c !== ' ' && c !== '\t' && c !== '\r') break;
      i++;
    }
  };
  const str = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++;
      if (text[i] === '\n') fail('line break inside a string');
      i++;
    }
    if (i >= text.length) fail('unterminated string');
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return fail('bad escape in a string');
    }
  };
  const val = (path: string): Json => {
    ws();
    lines.set(path, line);
    const c = text[i];
    if (c === '{') {
      i++;
      const o: { [k: string]: Json } = {};
      ws();
      if (text[i] === '}') {
        i++;
        return o;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`expected a "key" in ${path || 'the top object'}, got ${near()}`);
        const k = str();
        ws();
        if (text[i] !== ':') fail(`expected ':' after "${k}", got ${near()}`);
        i++;
        o[k] = val(path ? `${path}.${k}` : k);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return o;
        }
        fail(`expected ',' or '}' in ${path || 'the top object'}, got ${near()}`);
      }
    }
    if (c === '[') {
      i++;
      const a: Json[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return a;
      }
      for (;;) {
        a.push(val(`${path}[${a.length}]`));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return a;
        }
        fail(`expected ',' or ']' in ${path}, got ${near()}`);
      }
    }
    if (c === '"') return str();
    const m = /^(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 40));
    if (!m) return fail(`expected a value at ${path || 'the top'}, got ${near()}`);
    i += m[0].length;
    return JSON.parse(m[0]) as Json;
  };
  const near = (): string => (i >= text.length ? 'end of file' : JSON.stringify(text.slice(i, i + 12)));
  const value = val('');
  ws();
  if (i < text.length) fail(`unexpected ${near()} after the top value`);
  return { value, lines };
}

// ------------------------------------------------------------------ validation

const DURATION_RE = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = DURATION_RE.exec(v.trim());
  return m ? Math.round(Number(m[1]) * UNIT_MS[m[2]!]!) : undefined;
}

/** `all`, `7`, `1-100,205`, or [1, 2, 3] → NumberSet; undefined when malformed. */
export function parseNumberSet(v: unknown, max = 65535): NumberSet | undefined {
  if (v === 'all') return 'all';
  let parts: [number, number][] = [];
  if (typeof v === 'number') parts = [[v, v]];
  else if (Array.isArray(v)) {
    for (const x of v) {
      if (typeof x !== 'number') return undefined;
      parts.push([x, x]);
    }
  } else if (typeof v === 'string') {
    for (const p of v.split(',')) {
      const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(p);
      if (!m) return undefined;
      parts.push([Number(m[1]), Number(m[2] ?? m[1])]);
    }
  } else return undefined;
  if (parts.length === 0 || parts.some(([a, b]) => !Number.isInteger(a) || !Number.isInteger(b) || a < 1 || b > max || a > b)) return undefined;
  parts.sort((x, y) => x[0] - y[0]);
  const merged: [number, number][] = [];
  for (const p of parts) {
    const last = merged[merged.length - 1];
    if (last && p[0] <= last[1] + 1) last[1] = Math.max(last[1], p[1]);
    else merged.push([p[0], p[1]]);
  }
  return merged;
}

const PARAMS: Record<FaultKind, readonly string[]> = {
  offline: [],
  'half-open': [],
  slow: ['ms'],
  loss: ['percent'],
  corrupt: ['percent'],
  duplicate: ['percent'],
  'clock-drift': ['offsetS', 'ppm'],
  'power-off': [],
  'meter-missing': ['meters'],
  deny: [],
};

/** Validates a parsed scenario; `lines` maps JSON paths to lines for messages. */
export function validateScenario(value: unknown, file = '<scenario>', lines: ReadonlyMap<string, number> = new Map()): Scenario {
  const err = (path: string, what: string): never => {
    let l = lines.get(path);
    for (let p = path; l === undefined && p; p = p.replace(/(\.[^.[\]]+|\[\d+\])$/, '')) l = lines.get(p);
    throw new ScenarioError(file, l ?? 1, path, what);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return err('', 'expected an object { "name"?, "events": [...] }');
  const top = value as Record<string, unknown>;
  for (const k of Object.keys(top)) if (k !== 'name' && k !== 'events' && k !== 'description') err(k, `unknown key (expected name, description, events)`);
  if (top.name !== undefined && typeof top.name !== 'string') err('name', 'expected a string');
  if (!Array.isArray(top.events)) return err('events', 'expected an array of events');
  const events: ScenarioEvent[] = (top.events as unknown[]).map((e, idx) => {
    const p = `events[${idx}]`;
    if (typeof e !== 'object' || e === null || Array.isArray(e)) return err(p, 'expected an object { at, terminals, fault, … }');
    const o = e as Record<string, unknown>;
    const kind = o.fault;
    if (typeof kind !== 'string' || !(FAULT_KINDS as readonly string[]).includes(kind)) {
      return err(`${p}.fault`, `expected one of ${FAULT_KINDS.join(', ')}; got ${JSON.stringify(kind)}`);
    }
    const k = kind as FaultKind;
    const allowed = new Set(['at', 'for', 'terminals', 'fault', 'comment', ...PARAMS[k]]);
    for (const key of Object.keys(o)) if (!allowed.has(key)) err(`${p}.${key}`, `unknown key for fault "${k}" (expected ${[...allowed].join(', ')})`);
    const at = parseDuration(o.at);
    if (at === undefined) err(`${p}.at`, `expected a time from the start: ms number or "500ms", "30s", "2m", "1h"; got ${JSON.stringify(o.at)}`);
    let dur: number | undefined;
    if (o.for !== undefined) {
      dur = parseDuration(o.for);
      if (dur === undefined || dur <= 0) err(`${p}.for`, `expected a positive duration like "30s"; got ${JSON.stringify(o.for)}`);
    } else if (k === 'offline') err(`${p}`, 'fault "offline" needs "for" (how long the terminals stay off)');
    const terminals = parseNumberSet(o.terminals);
    if (!terminals) err(`${p}.terminals`, `expected "all", an A2 number, a range list like "1-100,205" or an array of numbers; got ${JSON.stringify(o.terminals)}`);
    const fault: ScenarioFault = { kind: k };
    const pct = (name: 'percent'): number => {
      const v = o[name];
      if (typeof v !== 'number' || !(v >= 0 && v <= 100)) err(`${p}.${name}`, `expected a number 0..100; got ${JSON.stringify(v)}`);
      return v as number;
    };
    switch (k) {
      case 'slow':
        if (typeof o.ms !== 'number' || !(o.ms > 0)) err(`${p}.ms`, `expected a delay in ms > 0; got ${JSON.stringify(o.ms)}`);
        fault.ms = o.ms as number;
        break;
      case 'loss':
      case 'corrupt':
      case 'duplicate':
        fault.percent = pct('percent');
        break;
      case 'clock-drift':
        if (o.offsetS === undefined && o.ppm === undefined) err(p, 'fault "clock-drift" needs "offsetS" (seconds ahead, < 0 behind) and/or "ppm"');
        if (o.offsetS !== undefined) {
          if (typeof o.offsetS !== 'number' || !Number.isFinite(o.offsetS)) err(`${p}.offsetS`, 'expected a number of seconds');
          fault.offsetS = o.offsetS as number;
        }
        if (o.ppm !== undefined) {
          if (typeof o.ppm !== 'number' || !Number.isFinite(o.ppm)) err(`${p}.ppm`, 'expected a number (µs per s)');
          fault.ppm = o.ppm as number;
        }
        break;
      case 'meter-missing': {
        const m = parseNumberSet(o.meters, 2040);
        if (!m) err(`${p}.meters`, `expected "all", a Pn, a range list like "1-5,9" (1..2040) or an array; got ${JSON.stringify(o.meters)}`);
        fault.meters = m!;
        break;
      }
      default:
        break;
    }
    const ev: ScenarioEvent = { at: at!, terminals: terminals!, fault, line: lines.get(p) ?? 1 };
    if (dur !== undefined) ev.for = dur;
    return ev;
  });
  events.sort((a, b) => a.at - b.at);
  const s: Scenario = { events };
  if (typeof top.name === 'string') s.name = top.name;
  return s;
}

export function parseScenario(text: string, file = '<scenario>'): Scenario {
  const { value, lines } = parseJsonWithLines(text, file);
  return validateScenario(value, file, lines);
}

export function loadScenario(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ScenarioError(file, 0, '', `cannot read: ${e instanceof Error ? e.message : String(e)}`);
  }
  return parseScenario(text, file);
}
