/**
 * 0006: commissioning reports (issue 10). A finished `hes commission terminal` run is kept whole (the
 * JSON report, evidence included) so `hes commission show <id>` still finds it after the head-end
 * restarted; the run's progress events are not kept (they are in the report's steps).
 */
import type { Migration } from './index.js';

export const migration0006: Migration = {
  version: 6,
  name: 'commissioning reports',
  sql: `
CREATE TABLE IF NOT EXISTS commission_reports (
  id TEXT PRIMARY KEY,
  terminal TEXT NOT NULL,
  operator TEXT NOT NULL,
  -- PASS, WARN, FAIL (the report's overall verdict)
  verdict TEXT NOT NULL,
  -- ISO times of the run
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  -- the report as JSON (format openhes-commission/1)
  report TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS commission_reports_terminal ON commission_reports(terminal, finished_at);
`,
};
