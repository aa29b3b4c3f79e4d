/**
 * 0004: the scheduler's own records (src/scheduler): terminal online/offline intervals (the online-rate
 * figures), AFN0E event pointers per terminal (what has been read of the EC1/EC2 queues, Q/GDW 376.1-2009
 * §5.14) and the clock-set audit (AFN05 F31). Terminals are referenced by archive id without a foreign
 * key: history outlives a terminal removed from the archive. Times are UTC epoch ms.
 */
import type { Migration } from './index.js';

export const migration0004: Migration = {
  version: 4,
  name: 'collection: terminal online intervals, event pointers, clock audit',
  sql: `
CREATE TABLE IF NOT EXISTS terminal_online (
  id INTEGER PRIMARY KEY,
  terminal INTEGER NOT NULL,
  online_at INTEGER NOT NULL,
  -- NULL while the terminal is online
  offline_at INTEGER,
  -- while open: last time the head-end knew the terminal online (refreshed periodically); an interval
  -- left open by a head-end that stopped without closing it is closed at this time
  seen_at INTEGER NOT NULL,
  -- why it went offline (logout, socket-closed, heartbeat-silence, shutdown, restart)
  reason TEXT
);
CREATE INDEX IF NOT EXISTS terminal_online_terminal ON terminal_online(terminal, online_at);
CREATE INDEX IF NOT EXISTS terminal_online_time ON terminal_online(online_at);
CREATE INDEX IF NOT EXISTS terminal_online_open ON terminal_online(offline_at) WHERE offline_at IS NULL;

CREATE TABLE IF NOT EXISTS event_pointers (
  terminal INTEGER PRIMARY KEY,
  -- the next record pointer to read of the important (EC1) and normal (EC2) queues, 0..255
  important INTEGER NOT NULL,
  normal INTEGER NOT NULL,
  -- last active event report from the terminal
  active_at INTEGER,
  updated_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS clock_audit (
  id INTEGER PRIMARY KEY,
  terminal INTEGER NOT NULL,
  at INTEGER NOT NULL,
  -- terminal clock − head-end clock before the set, ms
  offset_ms INTEGER NOT NULL,
  -- set (AFN05 F31 confirmed) or set-failed
  action TEXT NOT NULL,
  -- offset read back after the set, ms (NULL when not read)
  offset_after_ms INTEGER,
  detail TEXT
);
CREATE INDEX IF NOT EXISTS clock_audit_terminal ON clock_audit(terminal, at);
`,
};
