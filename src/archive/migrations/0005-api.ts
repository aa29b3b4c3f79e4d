/**
 * 0005: the northbound API (src/api, src/billing).
 *
 * - api_keys: API keys / bearer tokens and their roles. A key is `ohes_<id>_<secret>`: `id` (16 hex
 *   digits) is public and finds the row; only the SHA-256 of the secret (32 random bytes) is stored, so
 *   the database never holds a usable key (src/api/auth/keys.ts explains why SHA-256, not scrypt).
 * - api_audit: every write through the API (and key management on the CLI): who, what, when, outcome.
 *   Append-only (triggers refuse UPDATE and DELETE).
 * - account_meters: which meter an account (户号) had when (meter replacement 换表): the archive keeps only
 *   the current meter, so the billing service records each change it sees (src/billing/meter-history.ts);
 *   consumption over a period spanning a replacement adds both meters' segments.
 * - an index on control_results(target, at) so the relay state of one account (the last confirmed trip
 *   or close of its meter, src/outage/relay-state.ts) is one index probe.
 */
import type { Migration } from './index.js';

export const migration0005: Migration = {
  version: 5,
  name: 'northbound API: keys, audit, account meter history',
  sql: `
CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  -- comma-separated: billing, service, operator, engineer, admin
  roles TEXT NOT NULL,
  -- sha256 of the secret part, hex
  hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  revoked_at INTEGER,
  revoked_by TEXT,
  last_used_at INTEGER
);
CREATE INDEX IF NOT EXISTS api_keys_name ON api_keys(name);

CREATE TABLE IF NOT EXISTS api_audit (
  id INTEGER PRIMARY KEY,
  -- ms since the epoch
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  key_id TEXT,
  -- e.g. POST /api/v1/terminals/:key/call, or cli apikey create
  action TEXT NOT NULL,
  -- the object acted on (terminal key, key id, account…)
  target TEXT NOT NULL DEFAULT '',
  status INTEGER NOT NULL,
  -- JSON: request parameters and body (secrets left out), error code
  detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS api_audit_at ON api_audit(at);
CREATE TRIGGER IF NOT EXISTS api_audit_no_update BEFORE UPDATE ON api_audit BEGIN SELECT RAISE(ABORT, 'api_audit is append-only'); END;
CREATE TRIGGER IF NOT EXISTS api_audit_no_delete BEFORE DELETE ON api_audit BEGIN SELECT RAISE(ABORT, 'api_audit is append-only'); END;

CREATE TABLE IF NOT EXISTS account_meters (
  account_no TEXT NOT NULL,
  -- archive meter id (meters.id, the store's meter key)
  meter INTEGER NOT NULL,
  meter_address TEXT NOT NULL,
  -- when the head-end first saw the meter on the account (0 = already there when recording began)
  since INTEGER NOT NULL,
  -- when it saw another meter on the account (NULL = current)
  until INTEGER,
  PRIMARY KEY (account_no, meter)
);
CREATE INDEX IF NOT EXISTS account_meters_open ON account_meters(until) WHERE until IS NULL;

CREATE INDEX IF NOT EXISTS control_results_target ON control_results(target, at);
`,
};
