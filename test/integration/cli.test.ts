/**
 * The CLI as a user runs it: `hes meter read|scan|time|control` against `hes-sim meter` (both real
 * processes) over a socat pty pair and over TCP; `hes decode` / `hes encode` exit codes and output.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPtyPair, type PtyPair } from '../../drivers/pty-pair.js';
import { energyAt, profileFor } from '../../simulators/model.js';
import { requireSocat } from '../helpers/system.js';
import { runCli, startCli } from '../helpers/cli.js';

const SEED = 7;
const METER = '000000193600';
const SILENT = '000000193601';

describe('hes meter against hes-sim over a socat pty pair', () => {
  let pty: PtyPair;
  let sim: Awaited<ReturnType<typeof startCli>>;
  beforeAll(async () => {
    requireSocat();
    pty = await openPtyPair();
    sim = await startCli('hes-sim', ['meter', '--serial', pty.b, '--address', `${METER},${SILENT}`, '--seed', String(SEED), '--fault', `${SILENT}=silent`], /hes-sim: .*meters? on serial/);
  });
  afterAll(async () => {
    expect(await sim?.stop()).toBe(0);
    await pty?.close();
  });

  it('reads energy, voltages and status as JSON with the model’s values', async () => {
    const before = Date.now();
    const r = await runCli('hes', ['meter', 'read', '--serial', pty.a, '--address', METER, '--di', '0001FF00', '0201FF00', '04000503', '--json']);
    const after = Date.now();
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Array<{ di: string; value: { total: number }; unit?: string }>;
    expect(out.map((x) => x.di)).toEqual(['0001FF00', '0201FF00', '04000503']);
    const p = profileFor(SEED, METER);
    expect(out[0]!.value.total).toBeGreaterThanOrEqual(energyAt(p, before).forwardActive.total);
    expect(out[0]!.value.total).toBeLessThanOrEqual(energyAt(p, after).forwardActive.total);
    expect(out[0]!.unit).toBe('kWh');
  });

  it('prints readable lines by default', async () => {
    const r = await runCli('hes', ['meter', 'read', '--serial', pty.a, '--address', METER, '--di', '00010000']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^00010000 {2}forward active energy total \(正向有功电能总\): \d+(\.\d+)? kWh$/m);
  });

  it('a silent meter ends in a timeout: exit 1 and a message naming the request', async () => {
    const r = await runCli('hes', ['meter', 'read', '--serial', pty.a, '--address', SILENT, '--di', '00010000', '--timeout', '300', '--retries', '1']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/00010000 {2}ERROR TimeoutError: .*no valid reply to function 11H within 300 ms after 2 attempt\(s\)/);
  });

  it('trip then read the relay state, then close', async () => {
    expect((await runCli('hes', ['meter', 'control', '--serial', pty.a, '--address', METER, '--command', 'trip'])).code).toBe(0);
    const s = await runCli('hes', ['meter', 'read', '--serial', pty.a, '--address', METER, '--di', '04000503', '--json']);
    expect(JSON.parse(s.stdout)[0].value.bits).toMatchObject({ relay_open: true });
    expect((await runCli('hes', ['meter', 'control', '--serial', pty.a, '--address', METER, '--command', 'closeDirect'])).code).toBe(0);
  });

  it('sets a meter clock by addressed writes and reads it back', async () => {
    const r = await runCli('hes', ['meter', 'time', '--set', '--serial', pty.a, '--address', METER, '--at', '2026-11-21T02:00:00Z']);
    expect(r.code, r.stderr).toBe(0);
    const t = await runCli('hes', ['meter', 'read', '--serial', pty.a, '--address', METER, '--di', '04000101', '--json']);
    // 02:00 UTC is 10:00 in China Standard Time, the meter's local time; same date.
    expect(JSON.parse(t.stdout)[0].value).toEqual({ week: 6, date: '2026-11-21' });
  });
});

describe('hes meter against hes-sim over TCP', () => {
  let sim: Awaited<ReturnType<typeof startCli>>;
  let port: string;
  beforeAll(async () => {
    sim = await startCli('hes-sim', ['meter', '--tcp', '0', '--address', METER, '--seed', String(SEED)], /hes-sim: .* on tcp 127\.0\.0\.1:(\d+)/);
    port = sim.match[1]!;
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('scan finds the meter address with the AA wildcard', async () => {
    const r = await runCli('hes', ['meter', 'scan', '--tcp', `127.0.0.1:${port}`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(METER);
  });

  it('broadcast time is sent without waiting for a reply', async () => {
    const r = await runCli('hes', ['meter', 'time', '--set', '--broadcast', '--tcp', `127.0.0.1:${port}`, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true });
  });
});

describe('hes input errors exit 2 with a message saying what is wrong', () => {
  const cases: [string[], RegExp][] = [
    [['decode', '68 00 36 19 00 00 00 68 93 06 33 69 4C 33 33 33 38 16'], /bad-checksum: expected CS 39H/],
    [['decode', '68 zz'], /hex digits only/],
    [['meter', 'read', '--tcp', '127.0.0.1:1', '--address', '12345', '--di', '0001FF0'], /not a 8-hex-digit/],
    [['meter', 'read', '--tcp', 'localhost', '--address', '000000193600', '--di', '00010000'], /is not host:port/],
    [['meter', 'read', '--address', '000000193600', '--di', '00010000'], /--serial <path> or --tcp/],
    [['encode', 'gw376', '--afn', '0D', '--fn', '161', '--pn', '1-8', '--area', '1101', '--terminal', '1234'], /needs unit data/],
    [['encode', 'gw376', '--afn', '0D', '--fn', '161', '--pn', '1-8', '--date', '2026-13-01', '--area', '1101', '--terminal', '1234'], /'2026-13-01' is not a date/],
  ];
  for (const [args, message] of cases) {
    it(args.join(' '), async () => {
      const r = await runCli('hes', args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
    });
  }

  it('decode prints the fields of a 376.1 frame and a 645 frame', async () => {
    const gw = await runCli('hes', ['decode', '68 32 00 32 00 68 C9 71 01 01 00 00 02 70 00 00 01 00 AF 16']);
    expect(gw.code, gw.stderr).toBe(0);
    expect(gw.stdout).toMatch(/Q\/GDW 376\.1/);
    expect(gw.stdout).toMatch(/p0 F1 /);
    const d = await runCli('hes', ['decode', 'FE FE 68 00 36 19 00 00 00 68 91 18 33 32 34 33 63 69 33 33 89 35 33 33 4C 33 33 33 6B 33 33 33 4A 66 33 33 E9 16']);
    expect(d.code).toBe(0);
    expect(d.stdout).toMatch(/total 36\.3 kWh, T1 2\.56 kWh, T2 0\.19 kWh, T3 0\.38 kWh, T4 33\.17 kWh/);
  });

  it('encode gw376 builds a frame that decode reads back', async () => {
    const e = await runCli('hes', ['encode', 'gw376', '--afn', '0D', '--fn', '161', '--pn', '1-2', '--date', '2026-11-21', '--area', '1101', '--terminal', '1234']);
    expect(e.code, e.stderr).toBe(0);
    const d = await runCli('hes', ['decode', e.stdout.trim(), '--json']);
    const units = JSON.parse(d.stdout).decoded.units as Array<{ pn: number; fn: number; data: unknown }>;
    expect(units).toMatchObject([
      { pn: 1, fn: 161, data: { td: { year: 2026, month: 11, day: 21 } } },
      { pn: 2, fn: 161, data: { td: { year: 2026, month: 11, day: 21 } } },
    ]);
  });

  it('encode gw376 --pw puts the PW on AFNs that carry one, and refuses it elsewhere or malformed', async () => {
    const pw = '0123456789abcdef0123456789ABCDEF';
    const e = await runCli('hes', ['encode', 'gw376', '--afn', '01', '--fn', '1', '--area', '1101', '--terminal', '1234', '--pw', pw, '--tp']);
    expect(e.code, e.stderr).toBe(0);
    const d = await runCli('hes', ['decode', e.stdout.trim()]);
    expect(d.stdout).toContain(`PW         ${pw.toUpperCase()}`);
    expect(d.stdout).toMatch(/Tp {9}PFC 0, sent day \d{1,2} \d\d:\d\d:\d\d \(terminal time\), allowed delay 5 min/);
    const noPw = await runCli('hes', ['encode', 'gw376', '--afn', '0C', '--fn', '2', '--area', '1101', '--terminal', '1234', '--pw', pw]);
    expect(noPw.code).not.toBe(0);
    expect(noPw.stderr).toMatch(/pw.*AFN 0CH frames carry no PW/);
    const bad = await runCli('hes', ['encode', 'gw376', '--afn', '01', '--fn', '1', '--area', '1101', '--terminal', '1234', '--pw', 'secret']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/pw.*32 hex digits/);
  });
});

describe('npm start', () => {
  it('the whole head-end with the default fleet: ready, the printed key works on the printed API, a daily reading is there, Ctrl-C exits 0', async () => {
    const { spawn } = await import('node:child_process');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const root = path.resolve(import.meta.dirname, '../..');
    const data = mkdtempSync(path.join(tmpdir(), 'hes-npm-start-'));
    // Free ports instead of the fixed defaults, so the test does not depend on what else runs here.
    const env = { ...process.env, HES_FEP_PORT: '0', HES_ADMIN_PORT: '0', HES_API_PORT: '0', HES_NORTHBOUND_MQTT: 'embedded:0' };
    const c = spawn(path.join(root, 'node_modules/.bin/tsx'), ['scripts/start.ts', '--data', data], { cwd: root, env });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => c.on('close', (code) => resolve(code)));
    try {
      const end = Date.now() + 120_000;
      while (!/— ready$/m.test(out)) {
        if (c.exitCode !== null || Date.now() > end) throw new Error(`not ready: ${out}\n${err}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(out).toMatch(/50 simulated concentrators × 100 meters/);
      expect(out).toMatch(/50\/50 terminals online/);
      const api = /^ {2}API +(http:\/\/127\.0\.0\.1:\d+)/m.exec(out)![1]!;
      const key = /^ {2}admin key +(ohes_\S+)$/m.exec(out)![1]!;
      const tries = out.match(/^ {2}\d\. curl .*$/gm)!;
      expect(tries).toHaveLength(3);
      const date = /date=(\d{4}-\d\d-\d\d)/.exec(tries[2]!)![1]!;
      const auth = { authorization: `Bearer ${key}` };
      const t = await fetch(`${api}/api/v1/terminals?state=online&limit=5`, { headers: auth });
      expect(t.status).toBe(200);
      expect(((await t.json()) as { total: number }).total).toBe(50);
      expect((await fetch(`${api}/api/v1/terminals`)).status).toBe(401);
      const r = await fetch(`${api}/api/v1/billing/daily-readings?date=${date}&accounts=1101000010001`, { headers: auth });
      const row = ((await r.json()) as { items: { quality: string; registers: { ea_imp: { total: number } } }[] }).items[0]!;
      expect(row.quality).toBe('collected');
      expect(row.registers.ea_imp.total).toBeGreaterThan(0);
      const s = await fetch(`${api}/api/v1/accounts/1101000010001`, { headers: auth });
      expect(s.status).toBe(200);
      c.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(out).toMatch(/^stopped$/m);
      await expect(fetch(`${api}/health`)).rejects.toThrow();
    } finally {
      if (c.exitCode === null) c.kill('SIGKILL');
      rmSync(data, { recursive: true, force: true });
    }
  }, 180_000);

  it('--meter-demo: simulated meters on a virtual line, one round of readings', async () => {
    requireSocat();
    const { spawn } = await import('node:child_process');
    const path = await import('node:path');
    const root = path.resolve(import.meta.dirname, '../..');
    const r = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const c = spawn(path.join(root, 'node_modules/.bin/tsx'), ['scripts/start.ts', '--meter-demo', '--rounds', '1', '--meters', '2'], { cwd: root });
      let out = '';
      let err = '';
      c.stdout.on('data', (d: Buffer) => (out += d.toString()));
      c.stderr.on('data', (d: Buffer) => (err += d.toString()));
      c.on('close', (code) => resolve({ code, out, err }));
    });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/2 simulated DL\/T 645 meter\(s\) on serial/);
    expect(r.out.match(/forward active energy block \(total \+ tariffs\): total [\d.]+ kWh/g)).toHaveLength(2);
    expect(r.out).not.toMatch(/ERROR/);
  });
});

describe('archive of a simulated fleet in two commands', () => {
  it('hes-sim fleet --write-archive (without a head-end) then hes archive import', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const dir = mkdtempSync(path.join(tmpdir(), 'hes-arch-'));
    const w = await runCli('hes-sim', ['fleet', '--terminals', '3', '--meters-per-terminal', '4', '--write-archive', path.join(dir, 'csv')]);
    expect(w.code, w.stderr).toBe(0);
    expect(w.stdout).toMatch(/archive of 3 terminals \(12 meters\) written/);
    const i = await runCli('hes', ['archive', 'import', path.join(dir, 'csv'), '--data', path.join(dir, 'data')]);
    expect(i.code, i.stderr).toBe(0);
    expect(i.stdout).toMatch(/meters\.csv\s+12\s+12 inserted/);
  });
});
