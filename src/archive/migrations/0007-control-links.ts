/**
 * 0007: terminal-side prepayment and directly connected meters (src/control).
 *
 * - prepay_terminal: accounts whose prepayment the terminal enforces (Q/GDW 376.1-2009 purchase
 *   control 购电控): top-ups become AFN04 F47 purchase records of the account's total-add group, AFN05
 *   F16 switches purchase control on, the terminal trips by itself when the remaining energy falls to
 *   the trip threshold. A row here makes the account's prepay_accounts row terminal-mode.
 * - meter_links: meters read directly over RS-485 or a serial server / DTU over TCP (not through their
 *   concentrator): load control sends their DL/T 645 1CH commands on that link instead of AFN10 F1.
 */
import type { Migration } from './index.js';

export const migration0007: Migration = {
  version: 7,
  name: 'load control: terminal-side prepayment, direct meter links',
  sql: `
CREATE TABLE IF NOT EXISTS prepay_terminal (
  account_no TEXT PRIMARY KEY,
  -- total-add group (总加组) of the account on its terminal: Pn of AFN04 F47 / AFN05 F16
  group_no INTEGER NOT NULL CHECK (group_no BETWEEN 1 AND 8),
  -- last purchase order number (购电单号) used in AFN04 F47, 0 = none yet
  order_no INTEGER NOT NULL DEFAULT 0,
  -- money paid but not yet sent as whole kWh (A.3 carries integers), 厘
  residue_li INTEGER NOT NULL DEFAULT 0,
  -- AFN05 F16 purchase control confirmed on
  control_on INTEGER NOT NULL DEFAULT 0,
  -- thresholds written in F47, kWh
  alarm_kwh INTEGER NOT NULL,
  trip_kwh INTEGER NOT NULL,
  -- last remaining energy the terminal reported (AFN0C F23), kWh
  remaining_kwh REAL,
  read_at INTEGER
);

CREATE TABLE IF NOT EXISTS meter_links (
  meter_address TEXT PRIMARY KEY,
  -- serial | tcp
  kind TEXT NOT NULL CHECK (kind IN ('serial', 'tcp')),
  -- device path (/dev/ttyUSB0) or host:port of a serial server
  endpoint TEXT NOT NULL,
  -- serial settings such as 2400,8E1 (NULL: 2400 8E1, DL/T 645-2007 §3)
  settings TEXT
);
`,
};
