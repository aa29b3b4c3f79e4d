/** The fleet runner over real TCP: 200 terminals in one process, one timer wheel, ramp, counters, scenario. */
import { afterEach, describe, expect, it } from 'vitest';
import { parseEndpoint } from '../../simulators/concentrator/channels.js';
import { Fleet } from '../../simulators/fleet/fleet.js';
import { parseScenario } from '../../simulators/fleet/scenario.js';
import { TcpMiniMaster } from '../helpers/mini-master.js';
import { MiniTerminal } from '../helpers/mini-terminal.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('fleet over TCP', () => {
  it('200 terminals connect (ramped), log in and heartbeat on one shared timer wheel; scenario faults apply', async () => {
    const master = await TcpMiniMaster.start();
    cleanups.push(() => master.close());
    const lines: string[] = [];
    const devices: MiniTerminal[] = [];
    const scenario = parseScenario(
      JSON.stringify({
        events: [
          { at: '1500ms', terminals: '1-10', fault: 'offline', for: '600ms' },
          { at: '0s', terminals: '190-200', fault: 'deny', for: '10s' },
        ],
      }),
    );
    const fleet = new Fleet({
      terminals: 200,
      metersPerTerminal: 8,
      endpoint: parseEndpoint(`tcp://127.0.0.1:${master.port}`),
      makeDevice: ({ id }) => {
        const d = new MiniTerminal(id, { heartbeatMs: 400 });
        d.keepLog = false;
        devices.push(d);
        return d;
      },
      rampPerSec: 1000,
      progressMs: 300,
      progress: (l) => lines.push(l),
      backoff: { baseMs: 100, maxMs: 1000 },
      scenario,
    });
    cleanups.push(() => fleet.stop());
    await fleet.start();
    const took = await fleet.waitOnline(200, 10_000);
    expect(took).toBeGreaterThanOrEqual(150); // ramp: 200 at 1000/s ≈ 200 ms
    const logins = new Set(master.frames.filter((f) => f.link === 'login').map((f) => f.msg.a2));
    expect(logins.size).toBe(200);
    await new Promise((r) => setTimeout(r, 1300));
    const beats = new Map<number, number>();
    for (const f of master.frames) if (f.link === 'heartbeat') beats.set(f.msg.a2, (beats.get(f.msg.a2) ?? 0) + 1);
    expect(beats.size).toBe(200);
    expect(Math.min(...beats.values())).toBeGreaterThanOrEqual(2);
    // offline period of terminals 1..10 at 1.5 s: they drop and come back after 600 ms
    // (a loaded machine may be past the period already: a second login of the same terminal is what counts)
    const relogin = (f: (typeof master.frames)[number]): boolean =>
      f.link === 'login' && f.msg.a2 <= 10 && master.frames.some((g) => g !== f && g.link === 'login' && g.msg.a2 === f.msg.a2 && g.t <= f.t);
    await master.waitFor(relogin, 20_000, 'a re-login after the offline period');
    await fleet.waitOnline(200, 20_000);
    const relogged = new Set(master.frames.filter((f) => f.link === 'login').map((f) => f.msg.a2).filter((a2, i, all) => all.indexOf(a2) !== i));
    expect([...relogged].every((a2) => a2 <= 10)).toBe(true);
    expect(master.closedConns.length).toBeGreaterThanOrEqual(10);
    // the deny fault went to the devices' faults API (190..200)
    expect(devices.filter((d) => d.faultLog.some((f) => f.denyAll === true)).map((d) => d.id.a2)).toEqual(Array.from({ length: 11 }, (_, i) => 190 + i));
    const s = fleet.stats();
    expect(s.counters).toMatchObject({ terminals: 200, meters: 1600, connected: 200, online: 200 });
    expect(s.counters.logins).toBe(210);
    expect(s.counters.scenarioEvents).toBe(21);
    expect(s.allLoggedInMs).not.toBeNull();
    expect(lines.length).toBeGreaterThan(3);
    expect(lines.at(-1)).toMatch(/^fleet \+[\d.]+s connected \d+\/200 online \d+ logins \d+ reconnects \d+ in \d+ out \d+ faults \d+$/);
    expect(fleet.wheel.size).toBeLessThanOrEqual(200 * 3 + 20);
    const end = await fleet.stop();
    cleanups.length = 1;
    expect(end.counters.connected).toBe(200);
    expect(fleet.counters.connected).toBe(0);
    expect(master.frames.filter((f) => f.link === 'logout')).toHaveLength(200);
  });
});
