/**
 * Archive → terminal F10 sync against a simulated concentrator, frames only (no sockets): the
 * requests are built with the gw376 builders/encodeMessage and handed to `SimulatedTerminal.receive`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builders, decodeMessage, encodeMessage } from '../../protocols/gw376/index.js';
import { SimulatedTerminal } from '../../simulators/concentrator/index.js';
import { Archive } from '../../src/archive/archive.js';
import { importArchive } from '../../src/archive/import.js';
import { F10Sync, describeDifference, type TerminalRequest } from '../../src/archive/f10-sync.js';
import { fleetArchive, rm, tmpDir } from '../unit/archive/helpers.js';

/** A `TerminalRequest` served by a simulated terminal, as the FEP's `request` would be. */
function simulatedRequest(t: SimulatedTerminal, sent: Buffer[]): TerminalRequest {
  let seq = 0;
  return async (_terminal, r) => {
    const now = Date.now();
    const h = builders.requestHeader(r.afn, { a1: t.id.a1, a2: t.id.a2, msa: 1 }, { seq: seq++ & 15, now: new Date(now) });
    const frame = encodeMessage({ ...h, units: r.units });
    sent.push(frame);
    const replies = t.receive(frame, now).map((b) => decodeMessage(b));
    if (!replies.length) throw new Error('no answer');
    const first = replies[0]!;
    const units = replies.flatMap((m) => m.units);
    if (first.afn !== 0) return { units };
    const u = first.units[0]!;
    const fn = u.raw ? 0 : u.fn;
    const items = fn === 3 ? ((u.raw ? undefined : (u.data as { items: { pns: number[]; fns: number[]; err: number }[] }))?.items ?? []) : undefined;
    return { units, confirm: { ok: fn === 1 || (fn === 3 && items!.every((i) => i.err === 0)), fn, ...(items ? { items } : {}) } };
  };
}

describe('F10 sync: archive → simulated concentrator and back', () => {
  let src: string;
  let data: string;
  let archive: Archive;
  beforeAll(() => {
    src = fleetArchive({ a1: '1101', terminals: 2, metersPerTerminal: 150, seed: 1 });
    data = tmpDir();
    archive = Archive.open(data);
    importArchive(archive.db, src);
  });
  afterAll(() => {
    archive?.close();
    rm(src, data);
  });

  it('a terminal with its default configuration already matches the archive (same addresses)', async () => {
    const t = new SimulatedTerminal({ a1: '1101', a2: 1 }, { meterCount: 150 });
    const sync = new F10Sync(archive, simulatedRequest(t, []));
    const r = await sync.compare('1101-00001');
    expect(r).toEqual({ terminal: '1101-00001', archive: 150, read: 150, differences: [] });
  });

  it('pushes the configuration, reads it back equal, then reports a meter changed in the archive', async () => {
    // A terminal that knows only 8 meters: 142 are missing until the push.
    const t = new SimulatedTerminal({ a1: '1101', a2: 2 }, { meterCount: 8 });
    const sent: Buffer[] = [];
    const sync = new F10Sync(archive, simulatedRequest(t, sent));
    const before = await sync.compare('1101-00002');
    expect(before.differences.filter((d) => d.kind === 'missing').map((d) => d.pn)).toEqual(Array.from({ length: 142 }, (_, i) => i + 9));

    sent.length = 0;
    expect(await sync.push('1101-00002')).toEqual({ records: 150, requests: 2 });
    expect(decodeMessage(sent[0]!)).toMatchObject({ afn: 0x04, units: [{ pn: 0, fn: 10, data: { n: 100 } }] });
    expect(t.params.meterCount()).toBe(150);
    expect((await sync.compare('1101-00002')).differences).toEqual([]);

    // Change one meter in the archive: Pn 17 now on port 3 at 9600 bps (re-import of meters.csv).
    const dir = tmpDir();
    try {
      const lines = readFileSync(path.join(src, 'meters.csv'), 'utf8').split('\n');
      const i = lines.findIndex((l) => l.startsWith('101000020017,'));
      lines[i] = '101000020017,1101-00002,17,3,dlt645-2007,9600,single-phase,1,1,C1101-00002-0017';
      writeFileSync(path.join(dir, 'meters.csv'), lines.join('\n'));
      expect(importArchive(archive.db, path.join(dir, 'meters.csv')).counts.meters).toEqual({ inserted: 0, updated: 1, unchanged: 299 });
    } finally {
      rm(dir);
    }
    const after = await sync.compare('1101-00002');
    expect(after.differences.map(describeDifference)).toEqual(['P17 mismatch: port archive 3, terminal 2; baud archive 9600, terminal 2400']);
    // Push again: equal.
    await sync.push('1101-00002');
    expect((await sync.compare('1101-00002')).differences).toEqual([]);
  });

  it('reports meters configured in the terminal but not in the archive, and unknown terminals', async () => {
    const t = new SimulatedTerminal({ a1: '1101', a2: 1 }, { meterCount: 152 });
    const sync = new F10Sync(archive, simulatedRequest(t, []));
    const r = await sync.compare('1101-00001', Array.from({ length: 160 }, (_, i) => i + 1));
    expect(r.differences.map((d) => [d.pn, d.kind])).toEqual([
      [151, 'extra'],
      [152, 'extra'],
    ]);
    await expect(sync.compare('1101-00077')).rejects.toThrow(/not in the archive/);
  });

  it('sync with push writes the archive, deletes (Pn 0) configurations the archive lacks, and reads back equal', async () => {
    const t = new SimulatedTerminal({ a1: '1101', a2: 1 }, { meterCount: 152 });
    const sent: Buffer[] = [];
    const sync = new F10Sync(archive, simulatedRequest(t, sent));
    const seqs = Array.from({ length: 160 }, (_, i) => i + 1);
    const r = await sync.sync('1101-00001', { push: true, seqs });
    expect(r.differences.map((d) => [d.pn, d.kind])).toEqual([
      [151, 'extra'],
      [152, 'extra'],
    ]);
    expect(r.push).toEqual({ written: 150, deleted: [151, 152], requests: 2, read: 150, differences: [] });
    const writes = sent.map((b) => decodeMessage(b)).filter((m) => m.afn === 0x04);
    const last = (writes[1]!.units[0] as { data: { meters: { seq: number; pn: number }[] } }).data.meters;
    expect(last.slice(-2)).toEqual([expect.objectContaining({ seq: 151, pn: 0 }), expect.objectContaining({ seq: 152, pn: 0 })]);
    // Without push nothing is written.
    sent.length = 0;
    expect((await sync.sync('1101-00001', { seqs })).push).toBeUndefined();
    expect(sent.map((b) => decodeMessage(b).afn)).toEqual([0x0a]);
  });
});
