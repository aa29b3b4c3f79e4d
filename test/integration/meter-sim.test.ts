/**
 * The meter simulator on real channels: a raw master (drivers' TcpClientTransport / SerialTransport over
 * a socat pty pair) sends DL/T 645 frames and reads the replies off the wire. socat is required: without
 * it the serial tests FAIL with a message saying so (scripts/ensure-system-tools.mjs installs it).
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TcpClientTransport } from '../../drivers/tcp-client.js';
import { SerialTransport } from '../../drivers/serial.js';
import { openPtyPair, socatAvailable, type PtyPair } from '../../drivers/pty-pair.js';
import type { Transport } from '../../drivers/transport.js';
import {
  decodeFrameMessage, Dlt645Deframer, encodeMessage, type DiscardedSpan, type Dlt645Decoded, type Dlt645Request,
} from '../../protocols/dlt645/index.js';
import { runMeterSimulator, type MeterSimulatorHandle } from '../../simulators/meter/server.js';
import { energyAt, fromLocal, instantAt, profileFor } from '../../simulators/model.js';

const T = fromLocal(2024, 5, 15, 12, 7, 30);
const SEED = 11;
const A = '000000000001';
const B = '000000000002';
const C = '123456789012';

/** A minimal master: writes a request, collects decoded frames and discarded junk until `waitMs`. */
async function exchange(t: Transport, message: Dlt645Request, address: string, waitMs: number): Promise<{ frames: Dlt645Decoded[]; junk: DiscardedSpan[]; ms: number; raw: Buffer }> {
  const frames: Dlt645Decoded[] = [];
  const junk: DiscardedSpan[] = [];
  const started = Date.now();
  let firstAt = -1;
  const d = new Dlt645Deframer({
    onFrame: (f) => {
      if (firstAt < 0) firstAt = Date.now() - started;
      frames.push(decodeFrameMessage(f));
    },
    onDiscard: (s) => junk.push(s),
  });
  const chunks: Buffer[] = [];
  const off = t.onData((c) => {
    chunks.push(Buffer.from(c));
    d.push(c);
  });
  await t.write(encodeMessage({ address, message }));
  await new Promise((r) => setTimeout(r, waitMs));
  d.flush();
  off();
  return { frames, junk, ms: firstAt, raw: Buffer.concat(chunks) };
}

const value = (d: Dlt645Decoded): unknown => (d.message as { value?: unknown }).value;

describe('meter simulator over TCP', () => {
  let sim: MeterSimulatorHandle;
  let master: TcpClientTransport;

  beforeAll(async () => {
    sim = await runMeterSimulator({
      tcp: { port: 0 },
      addresses: [A, B, C],
      seed: SEED,
      now: () => T,
      tdMs: 20,
      faults: { [B]: ['silent'], [A]: ['badChecksum:first=1'] },
    });
    master = new TcpClientTransport({ host: '127.0.0.1', port: sim.port! });
    await master.open();
  });
  afterAll(async () => {
    await master?.close();
    await sim?.close();
  });

  it('a read returns the model value, after Td + wire time', async () => {
    const r = await exchange(master, { kind: 'read', di: '00010000' }, C, 250);
    expect(r.frames).toHaveLength(1);
    expect(r.frames[0]!.address).toBe(C);
    expect(value(r.frames[0]!)).toBe(energyAt(profileFor(SEED, C), T).forwardActive.total);
    expect(r.ms).toBeGreaterThanOrEqual(20 + 91 - 5);
    const v = await exchange(master, { kind: 'read', di: '0201FF00' }, C, 250);
    const iv = instantAt(profileFor(SEED, C), T);
    expect(value(v.frames[0]!)).toEqual({ a: iv.phases[0].voltage, b: iv.phases[1].voltage, c: iv.phases[2].voltage });
  });

  it('a silent meter leaves the master to time out', async () => {
    const r = await exchange(master, { kind: 'read', di: '00010000' }, B, 300);
    expect(r.frames).toHaveLength(0);
    expect(sim.bus.counters.faults.silent).toBe(1);
  });

  it('badChecksum:first=1 — the first reply is discarded as junk, the retry succeeds', async () => {
    const first = await exchange(master, { kind: 'read', di: '00010000' }, A, 250);
    expect(first.frames).toHaveLength(0);
    expect(first.junk.map((j) => j.reason)).toContain('bad-checksum');
    const retry = await exchange(master, { kind: 'read', di: '00010000' }, A, 250);
    expect(value(retry.frames[0]!)).toBe(energyAt(profileFor(SEED, A), T).forwardActive.total);
  });

  it('every connection is a view of the same meters', async () => {
    const other = new TcpClientTransport({ host: '127.0.0.1', port: sim.port! });
    await other.open();
    try {
      await exchange(other, { kind: 'writeAddress', newAddress: '000000000033' }, C, 200);
      const r = await exchange(master, { kind: 'readAddress' }, 'AAAAAAAA0033', 250);
      expect((r.frames[0]!.message as { address: string }).address).toBe('000000000033');
    } finally {
      await other.close();
    }
  });
});

describe('meter simulator over a serial line (socat pty pair)', () => {
  let pair: PtyPair;
  let sim: MeterSimulatorHandle;
  let master: SerialTransport;

  beforeAll(async () => {
    if (!socatAvailable()) throw new Error('socat is not installed: the serial tests need it (apt-get install socat, or node scripts/ensure-system-tools.mjs)');
    pair = await openPtyPair();
    sim = await runMeterSimulator({ serial: { path: pair.b }, addresses: [C], seed: SEED, now: () => T, tdMs: 20, preamble: 2, faults: { [C]: ['garbageBefore:first=1'] } });
    master = new SerialTransport({ path: pair.a, baudRate: 2400 });
    await master.open();
  });
  afterAll(async () => {
    await master?.close();
    await sim?.close();
    await pair?.close();
  });

  it('reads the model value through the pty; garbage before the first reply is skipped by the deframer', async () => {
    const r = await exchange(master, { kind: 'read', di: '0001FF00' }, C, 400);
    expect(r.frames).toHaveLength(1);
    expect(r.junk.length).toBeGreaterThan(0);
    expect(r.raw.length).toBe(4 + 2 + 12 + 24); // garbage, FE FE, frame with DI + 20 bytes
    expect(value(r.frames[0]!)).toEqual(energyAt(profileFor(SEED, C), T).forwardActive);
    const again = await exchange(master, { kind: 'read', di: '00010000' }, C, 400);
    expect(again.junk).toHaveLength(0);
    expect([...again.raw.subarray(0, 3)]).toEqual([0xfe, 0xfe, 0x68]);
    expect(value(again.frames[0]!)).toBe(energyAt(profileFor(SEED, C), T).forwardActive.total);
  });
});

describe('hes-sim meter (the CLI process)', () => {
  it('prints the ready line, answers on TCP and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['bin/hes-sim.mjs', 'meter', '--tcp', '0', '--address', '1,2,123456789012', '--seed', '5', '--td', '20'], {
      cwd: new URL('../..', import.meta.url).pathname,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const ready = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ready line; stderr: ${err}`)), 20_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) {
          clearTimeout(timer);
          resolve(out.trim());
        }
      });
    });
    expect(ready).toMatch(/^hes-sim: 3 meters on tcp 127\.0\.0\.1:\d+$/);
    const port = Number(/:(\d+)$/.exec(ready)![1]);
    const master = new TcpClientTransport({ host: '127.0.0.1', port });
    await master.open();
    const r = await exchange(master, { kind: 'read', di: '04000401' }, '000000000002', 300);
    await master.close();
    expect(value(r.frames[0]!)).toBe('000000000002');
    const code = await new Promise<number | null>((resolve) => {
      child.once('exit', (c) => resolve(c));
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
  });
});
