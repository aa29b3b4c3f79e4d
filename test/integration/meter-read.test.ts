/**
 * Reading a simulated DL/T 645 meter through the same client `hes meter read` uses, over a real socat
 * pty pair (serialport on both ends) and over TCP, with every fault of the simulator's catalogue.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPtyPair, type PtyPair } from '../../drivers/pty-pair.js';
import { TimeoutError } from '../../drivers/errors.js';
import { runMeterSimulator, type MeterSimulatorHandle } from '../../simulators/meter/index.js';
import { energyAt, profileFor } from '../../simulators/model.js';
import { openMeterChannel, type MeterChannel } from '../../src/meter/channel.js';
import { DeniedError } from '../../src/errors.js';
import { requireSocat } from '../helpers/system.js';

const SEED = 42;
// A fixed simulator clock: every value is computable from the model.
const NOW = Date.UTC(2026, 10, 21, 4, 7, 30);
const GOOD = '000000193600';

const FAULTS: Record<string, string> = {
  '000000000101': 'silent',
  '000000000102': 'silent:first=1',
  '000000000103': 'slow:2000',
  '000000000113': 'slow:150',
  '000000000104': 'badChecksum',
  '000000000105': 'badChecksum:first=1',
  '000000000106': 'garbageBefore:6',
  '000000000107': 'garbageAfter:6',
  '000000000108': 'truncated:10',
  '000000000109': 'truncated:10:first=2',
  '000000000110': 'abnormal:0x02',
  '000000000111': 'wrongAddress',
  '000000000112': 'wrongAddress:first=1',
};

const addresses = [GOOD, ...Object.keys(FAULTS)];
const expectedEnergy = (address: string): { total: number; rates: number[] } => energyAt(profileFor(SEED, address), NOW).forwardActive;

function suite(name: string, setup: () => Promise<{ sim: MeterSimulatorHandle; channel: MeterChannel; close(): Promise<void> }>): void {
  describe(name, () => {
    let env: Awaited<ReturnType<typeof setup>>;
    beforeAll(async () => {
      env = await setup();
    });
    afterAll(async () => {
      await env?.close();
    });

    it('reads the forward-active block the model says the meter holds', async () => {
      const r = await env.channel.client.read(GOOD, '0001FF00');
      expect(r.address).toBe(GOOD);
      expect(r.value).toEqual(expectedEnergy(GOOD));
      expect(r.unit).toBe('kWh');
      expect(r.attempts).toBe(1);
    });

    it('reads the meter address on a point-to-point line with the AA wildcard', async () => {
      // All meters answer a wildcard; the simulator answers with the first match.
      await expect(env.channel.client.readAddress()).resolves.toBe(GOOD);
    });

    it('unknown DI → the meter refuses with "no requested data"', async () => {
      const err = await env.channel.client.read(GOOD, 'EEEE0001').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DeniedError);
      expect((err as DeniedError).reasons.join()).toMatch(/no requested data/);
    });

    it('silent meter → TimeoutError after every attempt', async () => {
      const err = await env.channel.client.read('000000000101', '00010000').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TimeoutError);
      expect((err as TimeoutError).attempts).toBe(3);
      expect((err as TimeoutError).requestHex).toMatch(/^FE FE FE FE 68 01 01 00 00 00 00 68 11 04/);
    });

    it('transient faults are recovered by the retry', async () => {
      for (const a of ['000000000102', '000000000105', '000000000112']) {
        const r = await env.channel.client.read(a, '0001FF00');
        expect(r.value, a).toEqual(expectedEnergy(a));
        expect(r.attempts, a).toBe(2);
      }
      // Truncated twice: needs both retries (3 attempts).
      const t = await env.channel.client.read('000000000109', '0001FF00');
      expect(t.attempts).toBe(3);
      expect(t.value).toEqual(expectedEnergy('000000000109'));
    });

    it('garbage around a reply, or a slow reply within the timeout, does not cost a retry', async () => {
      for (const a of ['000000000106', '000000000107', '000000000113']) {
        const r = await env.channel.client.read(a, '0001FF00');
        expect(r.value, a).toEqual(expectedEnergy(a));
        expect(r.attempts, a).toBe(1);
      }
    });

    it('persistent corruption, slow replies and replies from another address end in a timeout', async () => {
      for (const a of ['000000000103', '000000000104', '000000000108', '000000000111']) {
        const err = await env.channel.client.read(a, '00010000').catch((e: unknown) => e);
        expect(err, a).toBeInstanceOf(TimeoutError);
      }
    });

    it('abnormal reply → DeniedError with the error word decoded', async () => {
      const err = await env.channel.client.read('000000000110', '00010000').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DeniedError);
      expect((err as DeniedError).code).toBe(2);
    });

    it('trip and close change the relay bits of status word 3', async () => {
      await env.channel.client.control(GOOD, 'trip');
      const after = await env.channel.client.read(GOOD, '04000503');
      expect((after.value as { bits: Record<string, boolean> }).bits).toMatchObject({ relay_open: true, relay_command_trip: true });
      await env.channel.client.control(GOOD, 'closeDirect');
      const closed = await env.channel.client.read(GOOD, '04000503');
      expect((closed.value as { bits: Record<string, boolean> }).bits).toMatchObject({ relay_open: false, relay_command_trip: false });
    });
  });
}

const simOptions = { addresses, seed: SEED, now: () => NOW, faults: Object.fromEntries(Object.entries(FAULTS).map(([a, f]) => [a, [f]])), tdMs: 20 };
const link = { replyTimeoutMs: 400, retries: 2, interByteTimeoutMs: 60 };

/** Simulator + client on one channel; closing order: client, simulator, then the line itself. */
function env(sim: MeterSimulatorHandle, channel: MeterChannel, line?: PtyPair): { sim: MeterSimulatorHandle; channel: MeterChannel; close(): Promise<void> } {
  return {
    sim,
    channel,
    async close() {
      await channel.close();
      await sim.close();
      await line?.close();
    },
  };
}

suite('meter reading over a socat pty pair (RS-485 simulation)', async () => {
  requireSocat();
  const pty: PtyPair = await openPtyPair();
  const sim = await runMeterSimulator({ ...simOptions, serial: { path: pty.b } });
  return env(sim, await openMeterChannel({ serial: pty.a, serialSettings: '2400,8E1', link }), pty);
});

suite('meter reading over TCP (serial server / DTU)', async () => {
  const sim = await runMeterSimulator({ ...simOptions, tcp: { port: 0 } });
  return env(sim, await openMeterChannel({ tcp: `127.0.0.1:${sim.port}`, link }));
});
