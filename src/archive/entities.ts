/**
 * The six entity files of the archive import format (docs/archive-format.md): columns, per-field
 * validation, keys and references, and the SQL that maps each table back to its file's columns (used
 * by export and by the importer to tell unchanged rows from updated ones).
 */

export type Entity = 'substations' | 'lines' | 'taiqu' | 'terminals' | 'meters' | 'customers';

/** File order: rows of a file reference rows of the files above it (and two cycles, see below). */
export const ENTITIES: readonly Entity[] = ['substations', 'lines', 'taiqu', 'terminals', 'meters', 'customers'];

export type Value = string | number | null;

/** Parses one field; throws a `FieldProblem` with what was wrong. */
export type FieldParser = (raw: string) => Value;

export class FieldProblem extends Error {}

export interface ColumnSpec {
  name: string;
  parse: FieldParser;
  /** SQLite type of the staged value. */
  type: 'TEXT' | 'INTEGER' | 'REAL';
}

export interface Reference {
  column: string;
  parent: Entity;
}

export interface EntitySpec {
  entity: Entity;
  file: string;
  columns: readonly ColumnSpec[];
  /** Natural key column (also the table's unique key and the parent side of references). */
  key: string;
  /** Further column sets unique within the archive. */
  unique: readonly (readonly string[])[];
  references: readonly Reference[];
  /** SELECT of the table as file columns (natural keys for references), with `id` first, in `id` order. */
  exportSql: string;
}

// ---------------------------------------------------------------- field parsers

const show = (raw: string): string => JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw);

function fail(msg: string): never {
  throw new FieldProblem(msg);
}

/** A printable identifier: 1..64 characters, no leading/trailing spaces, no control characters. */
export const id =
  (optional = false): FieldParser =>
  (raw) => {
    if (raw === '') return optional ? null : fail('required, empty');
    if (raw.length > 64) fail(`${show(raw)} is longer than 64 characters`);
    if (raw.trim() !== raw) fail(`${show(raw)} has leading or trailing spaces`);
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(raw)) fail(`${show(raw)} contains control characters`);
    return raw;
  };

export const text =
  (max = 200): FieldParser =>
  (raw) => {
    if (raw === '') fail('required, empty');
    if (raw.length > max) fail(`longer than ${max} characters`);
    return raw;
  };

export const optText =
  (max = 500): FieldParser =>
  (raw) => {
    if (raw.length > max) fail(`longer than ${max} characters`);
    return raw;
  };

export const int =
  (min: number, max: number): FieldParser =>
  (raw) => {
    if (!/^-?\d{1,15}$/.test(raw)) fail(raw === '' ? `required, empty (an integer ${min}..${max})` : `${show(raw)} is not an integer`);
    const n = Number(raw);
    if (n < min || n > max) fail(`${n} is out of range ${min}..${max}`);
    return n;
  };

export const num =
  (min: number, max: number): FieldParser =>
  (raw) => {
    if (!/^\d{1,9}(\.\d{1,6})?$/.test(raw)) fail(raw === '' ? `required, empty (a number ${min}..${max})` : `${show(raw)} is not a number`);
    const n = Number(raw);
    if (n < min || n > max) fail(`${n} is out of range ${min}..${max}`);
    return n;
  };

export const oneOf =
  (values: readonly string[]): FieldParser =>
  (raw) => (values.includes(raw) ? raw : fail(`${show(raw)} is not one of ${values.join(', ')}`));

export const digits =
  (min: number, max: number, what: string): FieldParser =>
  (raw) => {
    if (!/^\d+$/.test(raw) || raw.length < min || raw.length > max) fail(raw === '' ? `required, empty (${what})` : `${show(raw)} is not ${what}`);
    return raw;
  };

/** 12-digit DL/T 645 meter address. */
export const meterAddress = (optional = false): FieldParser => {
  const d = digits(12, 12, 'a 12-digit meter address');
  return (raw) => (raw === '' && optional ? null : d(raw));
};

/** `<A1 4 digits>-<A2 as 5 digits>`, A2 1..65535. */
export const terminalKey =
  (optional = false): FieldParser =>
  (raw) => {
    if (raw === '' && optional) return null;
    const m = /^(\d{4})-(\d{5})$/.exec(raw);
    if (!m) fail(raw === '' ? 'required, empty (a terminal key like 1101-00001)' : `${show(raw)} is not a terminal key (<A1 4 digits>-<A2 5 digits>, e.g. 1101-00001)`);
    const a2 = Number(m[2]);
    if (a2 < 1 || a2 > 65535) fail(`${show(raw)}: A2 ${a2} is out of range 1..65535`);
    return raw;
  };

const ENDPOINT_SCHEMES = ['tcp:', 'mqtt:', 'mqtts:', 'ssl:', 'tls:', 'ws:', 'wss:'];

/** Empty or a URL with a tcp/mqtt scheme. */
export const endpoint: FieldParser = (raw) => {
  if (raw === '') return '';
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return fail(`${show(raw)} is not a URL (e.g. tcp://10.0.0.1:9300)`);
  }
  if (!ENDPOINT_SCHEMES.includes(u.protocol)) fail(`${show(raw)}: scheme ${u.protocol} is not one of ${ENDPOINT_SCHEMES.join(' ')}`);
  return raw;
};

/** `tcp://host:port` → host and port (the endpoint of a tcp-out terminal); undefined when it is not one. */
export function dialOutEndpoint(endpoint: string): { host: string; port: number } | undefined {
  const m = /^tcp:\/\/(\[[0-9A-Fa-f:.]+\]|[^\s/:[\]]+):(\d{1,5})\/?$/.exec(endpoint);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

// ---------------------------------------------------------------- the six files

export const TERMINAL_PROTOCOLS = ['gw376.1-2009', 'gw376.1-2013'] as const;
/** tcp / mqtt: the terminal dials in; tcp-out: it listens at `endpoint` and the head-end calls it (dial-out). */
export const TERMINAL_CHANNELS = ['tcp', 'mqtt', 'tcp-out'] as const;
export const METER_PROTOCOLS = ['dlt645-2007', 'dlt645-1997'] as const;
/** The baud rates AFN04 F10 can carry (D7..D5 codes 1..7). */
export const BAUDS = [600, 1200, 2400, 4800, 7200, 9600, 19200] as const;
export const WIRINGS = ['single-phase', 'three-phase-4w', 'three-phase-3w'] as const;
export const TARIFF_CLASSES = ['residential', 'commercial', 'industrial', 'agricultural'] as const;

const col = (name: string, parse: FieldParser, type: ColumnSpec['type'] = 'TEXT'): ColumnSpec => ({ name, parse, type });

export const SPECS: Record<Entity, EntitySpec> = {
  substations: {
    entity: 'substations',
    file: 'substations.csv',
    columns: [col('substation_id', id()), col('name', text()), col('voltage_kv', num(0.1, 1500), 'REAL')],
    key: 'substation_id',
    unique: [],
    references: [],
    exportSql: 'SELECT s.id, s.substation_id, s.name, s.voltage_kv FROM substations s ORDER BY s.id',
  },
  lines: {
    entity: 'lines',
    file: 'lines.csv',
    columns: [col('line_id', id()), col('substation_id', id()), col('name', text()), col('voltage_kv', num(0.1, 1500), 'REAL')],
    key: 'line_id',
    unique: [],
    references: [{ column: 'substation_id', parent: 'substations' }],
    exportSql: 'SELECT l.id, l.line_id, s.substation_id, l.name, l.voltage_kv FROM lines l JOIN substations s ON s.id = l.substation ORDER BY l.id',
  },
  taiqu: {
    entity: 'taiqu',
    file: 'taiqu.csv',
    columns: [col('taiqu_id', id()), col('line_id', id()), col('name', text()), col('transformer_kva', int(1, 1_000_000), 'INTEGER'), col('terminal_key', terminalKey(true))],
    key: 'taiqu_id',
    unique: [['terminal_key']],
    references: [
      { column: 'line_id', parent: 'lines' },
      { column: 'terminal_key', parent: 'terminals' },
    ],
    exportSql:
      "SELECT q.id, q.taiqu_id, l.line_id, q.name, q.transformer_kva, coalesce(t.terminal_key, '') AS terminal_key FROM taiqu q JOIN lines l ON l.id = q.line LEFT JOIN terminals t ON t.id = q.terminal ORDER BY q.id",
  },
  terminals: {
    entity: 'terminals',
    file: 'terminals.csv',
    columns: [
      col('terminal_key', terminalKey()),
      col('a1', digits(4, 4, 'a 4-digit region code')),
      col('a2', int(1, 65535), 'INTEGER'),
      col('taiqu_id', id()),
      col('protocol', oneOf(TERMINAL_PROTOCOLS)),
      col('channel', oneOf(TERMINAL_CHANNELS)),
      col('endpoint', endpoint),
      col('meter_count', int(0, 2040), 'INTEGER'),
    ],
    key: 'terminal_key',
    unique: [],
    references: [{ column: 'taiqu_id', parent: 'taiqu' }],
    exportSql:
      'SELECT t.id, t.terminal_key, t.a1, t.a2, q.taiqu_id, t.protocol, t.channel, t.endpoint, t.meter_count FROM terminals t JOIN taiqu q ON q.id = t.taiqu ORDER BY t.id',
  },
  meters: {
    entity: 'meters',
    file: 'meters.csv',
    columns: [
      col('meter_address', meterAddress()),
      col('terminal_key', terminalKey()),
      col('pn', int(1, 2040), 'INTEGER'),
      col('port', int(1, 31), 'INTEGER'),
      col('protocol', oneOf(METER_PROTOCOLS)),
      col('baud', (raw) => {
        const n = int(1, 1_000_000)(raw) as number;
        return (BAUDS as readonly number[]).includes(n) ? n : fail(`${n} is not one of ${BAUDS.join(', ')}`);
      }, 'INTEGER'),
      col('wiring', oneOf(WIRINGS)),
      col('ct_ratio', int(1, 65535), 'INTEGER'),
      col('pt_ratio', int(1, 65535), 'INTEGER'),
      col('customer_id', id(true)),
    ],
    key: 'meter_address',
    unique: [['terminal_key', 'pn']],
    references: [
      { column: 'terminal_key', parent: 'terminals' },
      { column: 'customer_id', parent: 'customers' },
    ],
    exportSql:
      "SELECT m.id, m.meter_address, t.terminal_key, m.pn, m.port, m.protocol, m.baud, m.wiring, m.ct_ratio, m.pt_ratio, coalesce(c.customer_id, '') AS customer_id FROM meters m JOIN terminals t ON t.id = m.terminal LEFT JOIN customers c ON c.id = m.customer ORDER BY m.id",
  },
  customers: {
    entity: 'customers',
    file: 'customers.csv',
    columns: [
      col('customer_id', id()),
      col('account_no', digits(6, 20, 'an account number (户号, 6..20 digits)')),
      col('name', text()),
      col('taiqu_id', id()),
      col('meter_address', meterAddress()),
      col('reading_day', int(1, 28), 'INTEGER'),
      col('tariff_class', oneOf(TARIFF_CLASSES)),
    ],
    key: 'customer_id',
    unique: [['account_no'], ['meter_address']],
    references: [
      { column: 'taiqu_id', parent: 'taiqu' },
      { column: 'meter_address', parent: 'meters' },
    ],
    exportSql:
      'SELECT c.id, c.customer_id, c.account_no, c.name, q.taiqu_id, m.meter_address, c.reading_day, c.tariff_class FROM customers c JOIN taiqu q ON q.id = c.taiqu JOIN meters m ON m.id = c.meter ORDER BY c.id',
  },
};

export const FILE_ENTITY: ReadonlyMap<string, Entity> = new Map(ENTITIES.map((e) => [SPECS[e].file, e]));

export const columnNames = (e: Entity): string[] => SPECS[e].columns.map((c) => c.name);
