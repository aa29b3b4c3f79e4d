/**
 * 0001: the archive (档案). Integer surrogate keys (`id`) for joins; the natural keys of the import
 * format (docs/archive-format.md) are unique text columns. Sized for 1 M meters: every lookup the
 * head-end does (terminal by A1+A2, meter by 645 address, account by 户号, topology children, name
 * fragments) has an index.
 *
 * Two relations of the format are cyclic and stored both ways, as imported: taiqu.terminal ↔
 * terminals.taiqu and meters.customer ↔ customers.meter. The back references (taiqu.terminal,
 * meters.customer) are nullable and deferred so an import can insert both sides in one transaction.
 */
import type { Migration } from './index.js';

export const migration0001: Migration = {
  version: 1,
  name: 'archive: regions, substations, lines, taiqu, terminals, meters, customers',
  sql: `
CREATE TABLE IF NOT EXISTS regions (
  id INTEGER PRIMARY KEY,
  -- A1 region code (行政区划码) as on the wire, 4 digits
  code TEXT NOT NULL UNIQUE,
  name TEXT
);

CREATE TABLE IF NOT EXISTS substations (
  id INTEGER PRIMARY KEY,
  substation_id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  voltage_kv REAL NOT NULL
);

CREATE TABLE IF NOT EXISTS lines (
  id INTEGER PRIMARY KEY,
  line_id TEXT NOT NULL UNIQUE,
  substation INTEGER NOT NULL REFERENCES substations(id),
  name TEXT NOT NULL,
  voltage_kv REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS lines_substation ON lines(substation);

CREATE TABLE IF NOT EXISTS taiqu (
  id INTEGER PRIMARY KEY,
  taiqu_id TEXT NOT NULL UNIQUE,
  line INTEGER NOT NULL REFERENCES lines(id),
  name TEXT NOT NULL,
  transformer_kva INTEGER NOT NULL,
  -- the concentrator of the taiqu (one per taiqu), NULL when none yet
  terminal INTEGER UNIQUE REFERENCES terminals(id) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX IF NOT EXISTS taiqu_line ON taiqu(line);

CREATE TABLE IF NOT EXISTS terminals (
  id INTEGER PRIMARY KEY,
  -- <A1>-<A2 as 5 digits>
  terminal_key TEXT NOT NULL UNIQUE,
  a1 TEXT NOT NULL,
  a2 INTEGER NOT NULL CHECK (a2 BETWEEN 1 AND 65535),
  region INTEGER NOT NULL REFERENCES regions(id),
  taiqu INTEGER NOT NULL REFERENCES taiqu(id),
  protocol TEXT NOT NULL,
  channel TEXT NOT NULL,
  endpoint TEXT NOT NULL DEFAULT '',
  meter_count INTEGER NOT NULL,
  -- PW for AFN01/04/05/06/0F/10 (32 hex digits); NULL = the configured default (fep.pw)
  pw TEXT,
  -- master station address towards this terminal; NULL = fep.msa
  msa INTEGER,
  UNIQUE (a1, a2)
);
CREATE INDEX IF NOT EXISTS terminals_taiqu ON terminals(taiqu);
CREATE INDEX IF NOT EXISTS terminals_region ON terminals(region);

-- Measuring points (测量点 Pn) with their DL/T 645 meter.
CREATE TABLE IF NOT EXISTS meters (
  id INTEGER PRIMARY KEY,
  meter_address TEXT NOT NULL UNIQUE,
  terminal INTEGER NOT NULL REFERENCES terminals(id),
  pn INTEGER NOT NULL CHECK (pn BETWEEN 1 AND 2040),
  port INTEGER NOT NULL,
  protocol TEXT NOT NULL,
  baud INTEGER NOT NULL,
  wiring TEXT NOT NULL,
  ct_ratio INTEGER NOT NULL,
  pt_ratio INTEGER NOT NULL,
  -- 费率数 written in AFN04 F10 (not in the import format: 4 unless set)
  tariff_count INTEGER NOT NULL DEFAULT 4,
  customer INTEGER REFERENCES customers(id) DEFERRABLE INITIALLY DEFERRED,
  UNIQUE (terminal, pn)
);
CREATE INDEX IF NOT EXISTS meters_customer ON meters(customer);

-- Customers with their account (one account per customer in the import format).
CREATE TABLE IF NOT EXISTS customers (
  id INTEGER PRIMARY KEY,
  customer_id TEXT NOT NULL UNIQUE,
  -- 户号: the billing system's key
  account_no TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  address TEXT,
  taiqu INTEGER NOT NULL REFERENCES taiqu(id),
  meter INTEGER NOT NULL UNIQUE REFERENCES meters(id),
  -- 抄表日: day of month on which the monthly reading is settled
  reading_day INTEGER NOT NULL CHECK (reading_day BETWEEN 1 AND 28),
  tariff_class TEXT NOT NULL,
  -- tariff (电价) code from billing; not in the import format yet
  tariff TEXT,
  prepaid INTEGER NOT NULL DEFAULT 0 CHECK (prepaid IN (0, 1))
);
CREATE INDEX IF NOT EXISTS customers_taiqu ON customers(taiqu);
CREATE INDEX IF NOT EXISTS customers_name ON customers(name);
`,
};
