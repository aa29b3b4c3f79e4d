/**
 * 0003: load control and prepayment (src/control). Accounts are referenced by their account number
 * (户号, the billing system's key) without foreign keys, so that re-importing the archive never trips
 * over control history; the control service checks that an account exists when it is used.
 *
 * - audit_log: the hash-chained, append-only audit records (audit-chain.ts); triggers refuse UPDATE and
 *   DELETE, the chain of hashes reveals any edit made around them.
 * - control_requests / control_results: control requests and schemes with their two-person approval
 *   (approvals.ts) and the outcome per target of each run/restore phase.
 * - protected_customers: keep-power (保电) customers that a scheme or batch never trips (protection.ts).
 * - prepay_accounts / prepay_ledger: head-end-side prepayment balances and their movements (prepayment.ts).
 */
import type { Migration } from './index.js';

export const migration0003: Migration = {
  version: 3,
  name: 'load control: audit chain, requests and approvals, protected customers, prepayment',
  sql: `
CREATE TABLE IF NOT EXISTS audit_log (
  seq INTEGER PRIMARY KEY,
  -- ms since the epoch (the head-end's clock)
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  actor TEXT NOT NULL,
  -- request / scheme / account the record belongs to
  ref TEXT NOT NULL DEFAULT '',
  target TEXT NOT NULL DEFAULT '',
  -- canonical JSON
  data TEXT NOT NULL,
  prev TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_log_ref ON audit_log(ref);
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE IF NOT EXISTS control_requests (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  -- name of a scheme (有序用电), NULL for other requests
  scheme TEXT UNIQUE,
  selector TEXT NOT NULL,
  params TEXT NOT NULL,
  targets TEXT NOT NULL,
  -- sha256 over kind, parameters and the resolved targets
  hash TEXT NOT NULL,
  reason TEXT,
  -- explicit single trip of a protected customer (admin role and a reason)
  override INTEGER NOT NULL DEFAULT 0,
  needs_approval INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  approved_by TEXT,
  approved_at INTEGER,
  approved_hash TEXT,
  state TEXT NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  summary TEXT
);
CREATE INDEX IF NOT EXISTS control_requests_state ON control_requests(state);

CREATE TABLE IF NOT EXISTS control_results (
  request INTEGER NOT NULL,
  -- run | restore
  phase TEXT NOT NULL,
  target TEXT NOT NULL,
  outcome TEXT NOT NULL,
  detail TEXT,
  at INTEGER NOT NULL,
  PRIMARY KEY (request, phase, target)
);

CREATE TABLE IF NOT EXISTS protected_customers (
  account_no TEXT PRIMARY KEY,
  reason TEXT NOT NULL,
  set_by TEXT NOT NULL,
  set_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS prepay_accounts (
  account_no TEXT PRIMARY KEY,
  -- money in 厘 (0.001 yuan), energy in kWh
  balance_li INTEGER NOT NULL,
  price_li INTEGER NOT NULL,
  alarm_li INTEGER NOT NULL,
  last_kwh REAL,
  last_read_at INTEGER,
  -- normal | alarm | tripped | trip-blocked
  state TEXT NOT NULL,
  opened_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS prepay_ledger (
  id INTEGER PRIMARY KEY,
  account_no TEXT NOT NULL,
  at INTEGER NOT NULL,
  -- topup | usage
  kind TEXT NOT NULL,
  amount_li INTEGER NOT NULL,
  balance_li INTEGER NOT NULL,
  kwh REAL,
  ref TEXT,
  actor TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS prepay_ledger_account ON prepay_ledger(account_no, id);
`,
};
