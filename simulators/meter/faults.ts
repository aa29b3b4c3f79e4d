/**
 * The meter fault catalogue, as data. A meter carries a list of `FaultSpec`s; for every request addressed
 * to it (broadcasts excluded) each fault decides, from its own trigger, whether it fires. Several faults
 * may fire on one request and compose (e.g. slow + garbageBefore).
 *
 * | kind          | argument (CLI)          | effect on the wire                                                     |
 * |---------------|-------------------------|------------------------------------------------------------------------|
 * | silent        | –                       | the meter does not hear the request: nothing is executed, no reply      |
 * |               |                         | (the master times out)                                                 |
 * | slow          | delay ms (default 800)  | the reply starts `delay` ms after the request instead of Td            |
 * | badChecksum   | –                       | CS byte of the reply + 1 (mod 256); everything else intact             |
 * | garbageBefore | byte count (default 4)  | that many pseudo-random bytes (never 68H or FEH) before the reply       |
 * | garbageAfter  | byte count (default 4)  | the same after the 16H                                                 |
 * | truncated     | bytes kept (default ½)  | the reply is cut after that many bytes (FE preamble counted)           |
 * | abnormal      | ERR byte (default 0x01) | the command is executed, but the reply is C = C0H|func with that ERR   |
 * |               |                         | (DL/T 645-2007 §4: bit0 other, bit1 no data, bit2 password …)           |
 * | wrongAddress  | 12-digit address        | the reply carries another address (default: the meter's own with its   |
 * |               |                         | last two digits + 1)                                                   |
 *
 * Triggers (one per fault): `always` (default), `p=0.3` (probability, drawn from a PRNG seeded by
 * seed + meter address + fault index, so a run is reproducible), or `first=N` (the first N requests
 * addressed to the meter are affected, later ones are not — for checking that retries recover).
 *
 * CLI syntax: `kind[:arg][:p=P|:first=N]`, e.g. `silent`, `slow:800`, `badChecksum:first=1`,
 * `abnormal:0x02`, `garbageBefore:p=0.5`, `truncated:8:first=2`, `wrongAddress:000000000099`.
 */
import { hash32, mulberry32, type ModelId } from '../model.js';

export const FAULT_KINDS = ['silent', 'slow', 'badChecksum', 'garbageBefore', 'garbageAfter', 'truncated', 'abnormal', 'wrongAddress'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export type FaultTrigger = { mode: 'always' } | { mode: 'probability'; p: number } | { mode: 'first'; n: number };

export interface FaultSpec {
  kind: FaultKind;
  trigger: FaultTrigger;
  /** slow: reply delay in ms. */
  delayMs?: number;
  /** garbageBefore/After: number of bytes; truncated: bytes kept. */
  bytes?: number;
  /** abnormal: the ERR byte. */
  err?: number;
  /** wrongAddress: the address to reply from. */
  address?: string;
}

export class FaultParseError extends Error {
  constructor(text: string, why: string) {
    super(`fault '${text}': ${why} (expected kind[:arg][:p=P|:first=N], kinds: ${FAULT_KINDS.join(', ')})`);
    this.name = 'FaultParseError';
  }
}

function parseIntArg(text: string, arg: string, what: string): number {
  const n = /^0x[0-9a-f]+$/i.test(arg) ? parseInt(arg, 16) : /^\d+$/.test(arg) ? Number(arg) : NaN;
  if (!Number.isFinite(n)) throw new FaultParseError(text, `${what} '${arg}' is not a number`);
  return n;
}

/** Parses one CLI fault, e.g. `slow:800:first=2`. Throws FaultParseError naming what is wrong. */
export function parseFault(text: string): FaultSpec {
  const [kindText, ...parts] = text.trim().split(':');
  const kind = FAULT_KINDS.find((k) => k.toLowerCase() === (kindText ?? '').toLowerCase());
  if (!kind) throw new FaultParseError(text, `unknown kind '${kindText}'`);
  const spec: FaultSpec = { kind, trigger: { mode: 'always' } };
  for (const part of parts) {
    const kv = /^(p|first)=(.+)$/i.exec(part);
    if (kv) {
      if (kv[1]!.toLowerCase() === 'p') {
        const p = Number(kv[2]);
        if (!(p >= 0 && p <= 1)) throw new FaultParseError(text, `probability '${kv[2]}' is not in [0, 1]`);
        spec.trigger = { mode: 'probability', p };
      } else {
        spec.trigger = { mode: 'first', n: parseIntArg(text, kv[2]!, 'first') };
      }
      continue;
    }
    switch (kind) {
      case 'slow':
        spec.delayMs = parseIntArg(text, part, 'delay');
        break;
      case 'garbageBefore':
      case 'garbageAfter':
      case 'truncated':
        spec.bytes = parseIntArg(text, part, 'byte count');
        break;
      case 'abnormal': {
        const err = parseIntArg(text, part, 'ERR');
        if (err > 0xff) throw new FaultParseError(text, `ERR ${part} is not a byte`);
        spec.err = err;
        break;
      }
      case 'wrongAddress':
        if (!/^\d{12}$/.test(part)) throw new FaultParseError(text, `address '${part}' is not 12 digits`);
        spec.address = part;
        break;
      default:
        throw new FaultParseError(text, `'${kind}' takes no argument, got '${part}'`);
    }
  }
  return spec;
}

/** Parses `address=fault` (the CLI's --fault): returns the address and the spec. */
export function parseAddressedFault(text: string): { address: string; fault: FaultSpec } {
  const i = text.indexOf('=');
  const address = i > 0 ? text.slice(0, i).trim() : '';
  if (!/^\d{1,12}$/.test(address)) throw new FaultParseError(text, 'expected <address>=<fault>');
  return { address: address.padStart(12, '0'), fault: parseFault(text.slice(i + 1)) };
}

/** The faults that fired on one request. */
export interface FiredFaults {
  silent: boolean;
  delayMs?: number;
  badChecksum: boolean;
  garbageBefore?: number;
  garbageAfter?: number;
  truncated?: number | 'half';
  abnormal?: number;
  wrongAddress?: string;
  kinds: FaultKind[];
}

/** Per-meter fault state: counts requests and draws triggers deterministically. */
export class FaultPlan {
  readonly specs: readonly FaultSpec[];
  private requests = 0;
  private readonly draws: (() => number)[];
  /** Deterministic byte source for garbage faults. */
  readonly bytes: () => number;

  constructor(specs: readonly FaultSpec[], seed: ModelId, address: string) {
    this.specs = specs;
    this.draws = specs.map((_, i) => mulberry32(hash32(`${seed}:${address}:fault:${i}`)));
    const rb = mulberry32(hash32(`${seed}:${address}:garbage`));
    this.bytes = () => {
      for (;;) {
        const b = Math.floor(rb() * 256);
        if (b !== 0x68 && b !== 0xfe) return b;
      }
    };
  }

  /** Decides which faults fire on the next request addressed to the meter. */
  next(): FiredFaults {
    const index = this.requests++;
    const fired: FiredFaults = { silent: false, badChecksum: false, kinds: [] };
    this.specs.forEach((f, i) => {
      const t = f.trigger;
      // Every probability fault draws on every request, so one fault's draws do not depend on another's.
      const draw = this.draws[i]!();
      const on = t.mode === 'always' || (t.mode === 'first' ? index < t.n : draw < t.p);
      if (!on) return;
      fired.kinds.push(f.kind);
      switch (f.kind) {
        case 'silent':
          fired.silent = true;
          break;
        case 'slow':
          fired.delayMs = f.delayMs ?? 800;
          break;
        case 'badChecksum':
          fired.badChecksum = true;
          break;
        case 'garbageBefore':
          fired.garbageBefore = f.bytes ?? 4;
          break;
        case 'garbageAfter':
          fired.garbageAfter = f.bytes ?? 4;
          break;
        case 'truncated':
          fired.truncated = f.bytes ?? 'half';
          break;
        case 'abnormal':
          fired.abnormal = f.err ?? 0x01;
          break;
        case 'wrongAddress':
          fired.wrongAddress = f.address ?? '';
          break;
      }
    });
    return fired;
  }
}

/** The default address of a wrongAddress fault: the meter's own with its last two digits + 1. */
export function neighbourAddress(address: string): string {
  const last = (Number(address.slice(10)) + 1) % 100;
  return address.slice(0, 10) + String(last).padStart(2, '0');
}

/**
 * Applies the byte-level faults to an encoded reply (preamble included). The order is: checksum,
 * truncation, then garbage around what is left.
 */
export function corruptReply(frame: Buffer, preamble: number, fired: FiredFaults, nextByte: () => number): Buffer {
  let out = Buffer.from(frame);
  if (fired.badChecksum) {
    const csAt = out.length - 2;
    out[csAt] = (out[csAt]! + 1) & 0xff;
  }
  if (fired.truncated !== undefined) {
    const keep = fired.truncated === 'half' ? preamble + Math.floor((out.length - preamble) / 2) : fired.truncated;
    out = out.subarray(0, Math.max(0, Math.min(keep, out.length - 1)));
  }
  const garbage = (n: number): Buffer => Buffer.from(Array.from({ length: n }, nextByte));
  if (fired.garbageBefore) out = Buffer.concat([garbage(fired.garbageBefore), out]);
  if (fired.garbageAfter) out = Buffer.concat([out, garbage(fired.garbageAfter)]);
  return out;
}
