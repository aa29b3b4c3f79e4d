/**
 * `hes serve` with its MQTT channel, as a real child process: `--mqtt embedded:0` (the in-process aedes
 * broker on a free port, printed in the ready line) and `--mqtt mqtt://…` (an external Mosquitto started
 * for the test; fails, never skips, when Mosquitto is missing). A simulated concentrator dials in over
 * MQTT (topic pair hes/<A1>/<A2>/up|down), is listed online on channel mqtt, and answers `hes call`
 * with the model's values: AFN0C F33 for 200 Pn (multi-frame) on the embedded broker, AFN0C F25 and
 * AFN0D F161 through Mosquitto.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, type MosquittoHandle } from '../../drivers/mosquitto.js';
import { SimulatedTerminal, f25Of, historyOf, profileOf, realtimeOf, type MeterContext } from '../../simulators/concentrator/index.js';
import { dialInFactory, parseEndpoint } from '../../simulators/concentrator/channels.js';
import { TerminalSession } from '../../simulators/concentrator/session.js';
import { realScheduler, type Scheduler } from '../../simulators/concentrator/scheduler.js';
import { writeArchive } from '../../simulators/fleet/archive-writer.js';
import { instantAt } from '../../simulators/model.js';
import { runCli, startCli, NO_SCHEDULER } from '../helpers/cli.js';
import { requireMosquitto } from '../helpers/system.js';

const KEY = '1101-00001';
const ID = { a1: '1101', a2: 1 };
const T0 = Date.UTC(2026, 10, 22, 2, 0, 0);
const fixedTime: Scheduler = { now: () => T0, setTimer: (d, fn) => realScheduler.setTimer(d, fn), clearTimer: (h) => realScheduler.clearTimer(h) };
const ctx: MeterContext = { seed: 1, terminal: KEY, now: T0, clock: T0, present: () => true, inOutage: () => false, relayOpen: () => false, readingDays: [1] };
const asJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

const root = mkdtempSync(path.join(tmpdir(), 'hes-serve-mqtt-'));
const dataDir = path.join(root, 'data');

beforeAll(async () => {
  const csv = path.join(root, 'archive');
  writeArchive(csv, { a1: '1101', terminals: 1, metersPerTerminal: 8, seed: 1, endpoint: 'mqtt://127.0.0.1:1883' });
  const imp = await runCli('hes', ['archive', 'import', csv, '--data', dataDir], 30_000);
  expect(imp.code).toBe(0);
}, 60_000);

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

async function until(what: string, ok: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `hes serve --mqtt <mqtt>` and a concentrator (200 meters) dialling in to the broker the head-end uses. */
function serveWithMqtt(mqtt: () => string) {
  const h = { url: '', broker: '', server: undefined as Awaited<ReturnType<typeof startCli>> | undefined, session: undefined as TerminalSession | undefined };
  beforeAll(async () => {
    h.server = await startCli('hes', ['serve', '--data', dataDir, '--terminal-port', '0', '--admin-port', '0', '--api-port', '0', '--mqtt', mqtt()], /admin (http:\/\/127\.0\.0\.1:\d+) mqtt (mqtt:\/\/127\.0\.0\.1:\d+)/, 30_000, NO_SCHEDULER);
    h.url = h.server.match[1]!;
    h.broker = h.server.match[2]!;
    h.session = new TerminalSession({
      device: new SimulatedTerminal(ID, { meterCount: 200, maxUserLength: 800 }),
      scheduler: fixedTime,
      connect: dialInFactory(parseEndpoint(h.broker), ID),
      loginTimeoutMs: 1000,
      backoff: { baseMs: 200, maxMs: 1000 },
    });
    h.session.start();
    await until('the terminal online over MQTT', async () => ((await (await fetch(`${h.url}/v1/terminals/${KEY}`)).json()) as { state: string }).state === 'online');
  }, 60_000);
  afterAll(async () => {
    await h.session?.stop();
    if (h.server && h.server.child.exitCode === null) expect(await h.server.stop()).toBe(0);
  });
  return h;
}

describe('hes serve --mqtt embedded:0 (aedes in the head-end process)', () => {
  const h = serveWithMqtt(() => 'embedded:0');

  it('the embedded broker listens on 127.0.0.1 and the terminal is online on channel mqtt', async () => {
    expect(h.broker).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    expect(h.broker).not.toBe('mqtt://127.0.0.1:0');
    const r = await runCli('hes', ['terminal', 'list', '--online', '--json', '--url', h.url], 30_000);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([expect.objectContaining({ terminal: KEY, state: 'online', channel: 'mqtt' })]);
  }, 30_000);

  it('call 0C/33 --pn 1-200: the multi-frame answer carries the model’s energy for every point', async () => {
    const r = await runCli('hes', ['call', KEY, '0C/33', '--pn', '1-200', '--json', '--url', h.url], 60_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { kind: string; frames: number; units: { pn: number; fn: number; data: unknown }[] };
    expect(out.kind).toBe('realtime');
    expect(out.frames).toBeGreaterThan(1);
    expect(out.units.map((u) => u.pn)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    for (const u of out.units) expect(u.data).toEqual(asJson(realtimeOf(33, u.pn, ctx)));
  }, 60_000);
});

describe('hes serve --mqtt mqtt://… (external Mosquitto)', () => {
  let mosq: MosquittoHandle | undefined;
  beforeAll(async () => {
    requireMosquitto();
    mosq = await startMosquitto();
  });
  afterAll(async () => {
    await mosq?.stop();
  });
  const h = serveWithMqtt(() => mosq!.url);

  it('serves the terminal through Mosquitto: call 0C/25 and 0D/161 return the model’s values', async () => {
    expect(h.broker).toBe(mosq!.url);
    const rt = await runCli('hes', ['call', KEY, '0C/25', '--pn', '1', '--json', '--url', h.url], 30_000);
    expect(rt.stderr).toBe('');
    expect(rt.code).toBe(0);
    expect((JSON.parse(rt.stdout) as { units: unknown[] }).units).toEqual([{ pn: 1, fn: 25, data: asJson(f25Of(instantAt(profileOf(ctx, 1), T0), T0)) }]);
    const date = { year: 2026, month: 11, day: 21 };
    const d = await runCli('hes', ['call', KEY, '0D/161', '--pn', '1-8', '--date', '2026-11-21', '--json', '--url', h.url], 30_000);
    expect(d.code).toBe(0);
    for (const u of (JSON.parse(d.stdout) as { units: { pn: number; data: unknown }[] }).units) expect(u.data).toEqual(asJson(historyOf(161, u.pn, date, ctx)));
  }, 60_000);
});
