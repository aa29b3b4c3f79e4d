/**
 * Database migrations, numbered. Each runs once (recorded in `schema_version`), in a transaction at
 * open, in order; their SQL is also written to be idempotent (IF NOT EXISTS). Append, never edit.
 */
import { migration0001 } from './0001-archive.js';
import { migration0002 } from './0002-name-search.js';
import { migration0003 } from './0003-control.js';
import { migration0004 } from './0004-collection.js';
import { migration0005 } from './0005-api.js';
import { migration0006 } from './0006-commission.js';
import { migration0007 } from './0007-control-links.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [migration0001, migration0002, migration0003, migration0004, migration0005, migration0006, migration0007];
