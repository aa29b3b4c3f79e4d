/**
 * Relay state from load control's records (migration 0003 tables, written here as src/control writes
 * them): the last confirmed meter-level trip / close of an account, prepayment trips told apart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeArchive } from '../../../simulators/fleet/archive-writer.js';
import { openDatabase } from '../../../src/archive/db.js';
import { importArchive } from '../../../src/archive/import.js';
import { ControlRelayState } from '../../../src/outage/relay-state.js';

const root = mkdtempSync(path.join(tmpdir(), 'hes-relay-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('relay state', () => {
  it('trip opens, its restore allows closing, a close closes; system trips are prepayment trips', () => {
    writeArchive(root, { a1: '1101', terminals: 1, metersPerTerminal: 4, seed: 1 });
    const db = openDatabase(':memory:');
    importArchive(db, root);
    let id = 0;
    const request = (kind: string, action: Record<string, unknown>, by: string): number => {
      id++;
      db.prepare(
        `INSERT INTO control_requests (id, kind, selector, params, targets, hash, needs_approval, created_by, created_at, expires_at, state)
         VALUES (?, ?, '{}', ?, '[]', 'h', 0, ?, 0, 0, 'done')`,
      ).run(id, kind, JSON.stringify({ action }), by);
      return id;
    };
    const result = (req: number, phase: string, target: string, outcome: string, at: number): void => {
      db.prepare('INSERT INTO control_results (request, phase, target, outcome, at) VALUES (?, ?, ?, ?, ?)').run(req, phase, target, outcome, at);
    };
    const [a1, a2, a3, a4] = ['1101000010001', '1101000010002', '1101000010003', '1101000010004'];
    const trip = request('trip', { kind: 'trip' }, 'alice');
    result(trip, 'run', a1!, 'confirmed-verified', 100);
    result(trip, 'run', a2!, 'confirmed-verified', 100);
    result(trip, 'run', a3!, 'timeout', 100);
    result(trip, 'restore', a2!, 'confirmed-verified', 200);
    const pre = request('prepay', { kind: 'trip' }, 'system');
    result(pre, 'run', a4!, 'confirmed-not-verified', 300);
    // a terminal-level target is not a customer's relay
    result(trip, 'run', '1101-00001', 'confirmed-verified', 100);
    const rs = new ControlRelayState(db);
    expect(rs.relayOf(a1!)).toEqual({ account: a1, position: 'open', since: 100, by: 'control', request: trip });
    expect(rs.relayOf(a2!)).toMatchObject({ position: 'close-allowed', since: 200 });
    expect(rs.relayOf(a3!)).toBeUndefined();
    expect(rs.relayOf(a4!)).toMatchObject({ position: 'open', by: 'prepayment' });
    expect(rs.openRelays().map((r) => [r.account, r.position])).toEqual([
      [a1, 'open'],
      [a2, 'close-allowed'],
      [a4, 'open'],
    ]);
    const close = request('close', { kind: 'close', direct: true }, 'bob');
    result(close, 'run', a1!, 'confirmed-verified', 400);
    expect(rs.relayOf(a1!)).toMatchObject({ position: 'closed' });
    expect(rs.openRelays().map((r) => r.account)).toEqual([a2, a4]);
    db.close();
  });
});
