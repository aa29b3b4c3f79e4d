/** `hes-sim concentrator` and `hes-sim fleet` as a user runs them, against a test-side master. */
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { builders } from '../../protocols/gw376/index.js';
import { runCli, startCli } from '../helpers/cli.js';
import { TcpMiniMaster } from '../helpers/mini-master.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'openhes-cli-'));

describe('hes-sim concentrator', () => {
  it('dials in, logs every frame (hex + decoded), answers, logs out on SIGTERM and saves --state', async () => {
    const master = await TcpMiniMaster.start();
    cleanups.push(() => master.close());
    const dir = tmp();
    const sim = await startCli('hes-sim', ['concentrator', '--connect', `tcp://127.0.0.1:${master.port}`, '--area', '1101', '--terminal', '5', '--meters', '4', '--state', dir], /dialling tcp:\/\/127\.0\.0\.1:\d+/);
    let stderr = '';
    sim.child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const login = await master.waitFor((f) => f.link === 'login', 10_000, 'login');
    master.send(login.conn, builders.readDailyFrozen({ a1: '1101', a2: 5, msa: 1 }, [1, 2], { year: 2024, month: 5, day: 3 }, { seq: 2 })[0]!);
    await master.next((f) => f.msg.afn === 0x0d, 5000, 'F161 answer');
    expect(await sim.stop()).toBe(0);
    expect(master.frames.some((f) => f.link === 'logout')).toBe(true);
    expect(stderr).toMatch(/IN {2}AFN0D ↓ PRM=1 C=4B A=1101-00005 MSA=1 SEQ=2 FIR FIN \| p1 F161 \{"td":\{"year":2024,"month":5,"day":3\}\}.* \| 68 /);
    expect(stderr).toMatch(/OUT AFN0D ↑ PRM=0 C=88 .*p1 F161 \{"td".*"values":\[/);
    expect(stderr).toMatch(/OUT AFN02 logout ↑/);
    expect(existsSync(path.join(dir, '1101-00005.json'))).toBe(true);
  });

  it('rejects a missing or doubled channel with a message', async () => {
    const r = await runCli('hes-sim', ['concentrator', '--area', '1101', '--terminal', '1']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/exactly one of --connect/);
  });
});

describe('hes-sim fleet', () => {
  it('runs 20 terminals for 2 s, writes --stats-json and --write-archive', async () => {
    const master = await TcpMiniMaster.start();
    cleanups.push(() => master.close());
    const dir = tmp();
    const stats = path.join(dir, 'stats.json');
    const r = await runCli('hes-sim', ['fleet', '--terminals', '20', '--meters-per-terminal', '3', '--connect', `tcp://127.0.0.1:${master.port}`, '--duration', '2', '--progress', '1', '--stats-json', stats, '--write-archive', path.join(dir, 'archive'), '--seed', '7'], 30_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/fleet of 20 terminals \(60 meters\)/);
    expect(r.stderr).toMatch(/fleet \+[\d.]+s connected 20\/20 online 20/);
    const s = JSON.parse(readFileSync(stats, 'utf8')) as { counters: { logins: number; connected: number }; allLoggedInMs: number };
    expect(s.counters).toMatchObject({ logins: 20, connected: 20 });
    expect(new Set(master.frames.filter((f) => f.link === 'login').map((f) => f.msg.a2)).size).toBe(20);
    const meters = readFileSync(path.join(dir, 'archive', 'meters.csv'), 'utf8').trim().split('\n');
    expect(meters[0]).toBe('meter_address,terminal_key,pn,port,protocol,baud,wiring,ct_ratio,pt_ratio,customer_id');
    expect(meters).toHaveLength(61);
    expect(meters[1]).toMatch(/^101000010001,1101-00001,1,2,dlt645-2007,2400,/);
  });

  it('a bad scenario file fails with file, line, path and what was expected', async () => {
    const dir = tmp();
    const f = path.join(dir, 'bad.json');
    writeFileSync(f, '{\n  "events": [\n    { "at": "1s", "terminals": "1-5", "fault": "loss", "percent": 120 }\n  ]\n}\n');
    const r = await runCli('hes-sim', ['fleet', '--terminals', '5', '--connect', 'tcp://127.0.0.1:9', '--scenario', f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${f}:3: events[0].percent: expected a number 0..100; got 120`);
  });
});
