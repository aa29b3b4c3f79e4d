/**
 * Commissioning a terminal with 200 meters (issue 10, "Tests and measures"): how long `hes commission
 * terminal` takes on the simulator, step by step.
 *
 * Setup: the head-end (HeadEnd: archive database, FEP, control service; silent logger) runs in THIS
 * process on a temp data directory holding a one-terminal archive (simulators/fleet/archive-writer,
 * imported); one SimulatedTerminal with the same meters (PW checked, no reply delay) dials in over
 * loopback TCP. Each round runs the whole checklist through the commissioning runner with the head-end's
 * own FEP, archive and control service (what the admin API's run does, without the progress polling):
 * link, identity, clock, params (F10 of every meter against the archive), meters (AFN0C F129 and AFN0D
 * F161 of every meter, 32 Pn per frame), events, and the live control loop on round 1 (trip → verify →
 * close → verify), each request approved by a second operator the moment it is pending (the bench
 * plays that operator through ControlService.approve, so the figure excludes the human wait but
 * includes the step's approval polling).
 *
 * Run: npx tsx bench/commission.bench.ts [--meters 200] [--rounds 3] [--max-minutes 10]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SimulatedTerminal } from '../simulators/concentrator/index.js';
import { dialInFactory, parseEndpoint } from '../simulators/concentrator/channels.js';
import { realScheduler } from '../simulators/concentrator/scheduler.js';
import { TerminalSession } from '../simulators/concentrator/session.js';
import { writeArchive } from '../simulators/fleet/archive-writer.js';
import { Archive, ArchiveDirectory } from '../src/archive/archive.js';
import { importArchive } from '../src/archive/import.js';
import { InProcessBus, type HesEvents } from '../src/bus.js';
import { DEFAULT_TERMINAL_OPTIONS } from '../src/commission/context.js';
import { runTerminalCommissioning } from '../src/commission/runner.js';
import { TERMINAL_STEPS, type CommissionReport } from '../src/commission/types.js';
import { DEFAULT_CONFIG, type HesConfig } from '../src/config/schema.js';
import { terminalKeyOf } from '../src/fep/directory.js';
import { archiveCatalog } from '../src/service/catalog.js';
import { HeadEnd } from '../src/service/head-end.js';
import { A1, BusTally, cleanupOnExit, loadAverage, ms, num, parseArgs, until } from './fep-common.js';
import { header } from './harness.js';

const args = parseArgs({ meters: '200', rounds: '3', 'max-minutes': '10' });
const METERS = num(args.meters, 'meters', 1, 2040);
const ROUNDS = num(args.rounds, 'rounds', 1, 100);
const MAX_MS = num(args['max-minutes'], 'max-minutes', 1, 120) * 60_000;
const KEY = terminalKeyOf(A1, 1);
const TECH = 'bench.technician';
const APPROVER = { name: 'bench.approver', roles: ['operator' as const] };

const root = mkdtempSync(path.join(tmpdir(), 'hes-commission-bench-'));
let he: HeadEnd | undefined;
let session: TerminalSession | undefined;
const cleanup = cleanupOnExit(async () => {
  await session?.stop().catch(() => undefined);
  await he?.stop().catch(() => undefined);
  rmSync(root, { recursive: true, force: true });
}, MAX_MS);

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

try {
  header(`commissioning: one terminal with ${METERS} meters, ${ROUNDS} round(s)`);
  const csv = path.join(root, 'archive');
  const dataDir = path.join(root, 'data');
  writeArchive(csv, { a1: A1, terminals: 1, metersPerTerminal: METERS, seed: 1 });
  const archive = Archive.open(dataDir);
  importArchive(archive.db, csv);
  const config: HesConfig = {
    ...DEFAULT_CONFIG,
    log: { level: 'silent' },
    fep: { ...DEFAULT_CONFIG.fep, port: 0, heartbeatS: 60 },
    admin: { port: 0 },
    data: { dir: dataDir },
    control: { ...DEFAULT_CONFIG.control, verifyIntervalMs: 200 },
    prepay: { ...DEFAULT_CONFIG.prepay, settleIntervalS: 0 },
  };
  const bus = new InProcessBus<HesEvents>();
  const tally = new BusTally(bus);
  const directory = new ArchiveDirectory(archive.db, { pw: config.fep.pw, msa: config.fep.msa });
  he = new HeadEnd({ config, directory, catalog: archiveCatalog(archive), owned: archive, dataDir, archive, controlDb: archive.db, bus, admin: false });
  const a = await he.start();
  const control = he.control!;
  // The second operator: approves each request the technician creates, as soon as it is pending.
  bus.subscribe('control', (e) => {
    if (e.state !== 'pending') return;
    queueMicrotask(() => {
      try {
        if (control.get(e.request).createdBy === TECH) control.approve(APPROVER, e.request);
      } catch (err) {
        console.log(`approval of request ${e.request} failed: ${(err as Error).message}`);
      }
    });
  });
  const id = { a1: A1, a2: 1 };
  const device = new SimulatedTerminal(id, { meterCount: METERS, heartbeatMinutes: 1 });
  session = new TerminalSession({ device, scheduler: realScheduler, connect: dialInFactory(parseEndpoint(`tcp://127.0.0.1:${a.terminal.port}`), id), loginTimeoutMs: 5000, backoff: { baseMs: 200, maxMs: 1000 }, reportPollMs: 500 });
  session.start();
  if (!(await until(() => tally.online >= 1, 30_000, 20))) throw new Error('terminal not online');
  console.log(`setup: HeadEnd in this process (archive of 1 terminal × ${METERS} meters), SimulatedTerminal in this process over loopback TCP; load average ${await loadAverage()}`);

  const deps = {
    clock: he.clock,
    fep: he.fep,
    terminal: (k: string) => he!.terminal(k),
    archive,
    heartbeatS: config.fep.heartbeatS,
    utcOffsetMinutes: config.meter.utcOffsetMinutes,
    control: { roles: ['operator'], available: true, pwConfigured: () => true, service: control },
  };
  const reports: CommissionReport[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    const rep = await runTerminalCommissioning(deps, KEY, { ...DEFAULT_TERMINAL_OPTIONS, steps: [...TERMINAL_STEPS], operator: TECH, withControl: true, controlDryRun: false, testTurn: 1 }, () => undefined);
    const wall = performance.now() - t0;
    reports.push(rep);
    console.log(`round ${i + 1}: ${rep.verdict} (${rep.steps.map((s) => `${s.step} ${s.verdict}`).join(', ')}) in ${ms(wall)} ms`);
    for (const s of rep.steps) if (s.verdict === 'FAIL') console.log(`  ${s.step}: ${s.checks.filter((c) => c.verdict === 'FAIL').map((c) => `${c.name}: ${c.detail}`).join('; ')}`);
  }
  console.log('');
  console.log(`| step | ${reports.map((_, i) => `round ${i + 1}`).join(' | ')} | median |`);
  console.log(`|---|${reports.map(() => '---|').join('')}---|`);
  for (const step of TERMINAL_STEPS) {
    const d = reports.map((r) => r.steps.find((s) => s.step === step)?.durationMs ?? NaN);
    const frames = reports[0]!.steps.find((s) => s.step === step)!.evidence.reduce((n, e) => n + e.frames.length, 0);
    console.log(`| ${step} (${frames} frames) | ${d.map((x) => `${ms(x)} ms`).join(' | ')} | ${ms(median(d))} ms |`);
  }
  const totals = reports.map((r) => r.durationMs);
  console.log(`| **total** | ${totals.map((x) => `${ms(x)} ms`).join(' | ')} | ${ms(median(totals))} ms |`);
  console.log(`load average after: ${await loadAverage()}`);
} catch (e) {
  console.error(e);
  process.exitCode = 1;
} finally {
  await cleanup();
}
