/**
 * Billing (the marketing / billing system, SG186-style), store-backed. Every route takes the filters
 * region, substation, line, taiqu (comma-separated ids) and accounts (comma-separated 户号), and answers
 * a JSON page (limit + cursor) or, with format=ndjson|csv (or Accept), every row streamed:
 *
 *   GET /api/v1/billing/daily-readings?date=YYYY-MM-DD       daily freeze (日冻结) of every selected meter
 *   GET /api/v1/billing/monthly-readings?month=YYYY-MM       monthly freeze (月冻结)
 *   GET /api/v1/billing/reading-day?date=YYYY-MM-DD          meter-reading-day export: every account whose
 *                                                            抄表日 is that day, its reading-day freeze (or
 *                                                            that day's daily freeze, source=day)
 *   GET /api/v1/billing/consumption?from=&to=[&register=&source=]   consumption per account
 *
 * Rows never disappear: a meter without a usable reading has quality `missing` and empty values; a
 * consumption without both ends says so (status), never an estimate. CSV headers: routes/billing-shapes.ts.
 * Roles: billing, engineer.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { checkRange, dayOf, monthOf } from '../../billing/dates.js';
import { InputError } from '../../errors.js';
import type { ReadingRow, RegisterName } from '../../billing/readings.js';
import type { MeterFilter } from '../../billing/selection.js';
import type { AccountConsumption, BillingService } from '../../billing/service.js';
import type { ApiConfig } from '../config.js';
import { CURSOR_QUERY, FORMAT_QUERY, LIMIT_QUERY, collectPage, formatOf, intCursor, pageLimit, sendStream, type CsvShape } from '../http.js';
import { DATE, ID_LIST, MONTH, errors, listOf, pageOf } from '../schemas.js';
import { CONSUMPTION_CSV, CONSUMPTION_SCHEMA, REGISTER_QUERY, consumptionJson, readingCsv, readingJson, readingSchema, type PeriodLabel } from './billing-shapes.js';

const ROLES = ['billing', 'engineer'] as const;

const FILTER_PROPS = {
  region: { ...ID_LIST, description: 'region codes (A1), comma-separated' },
  substation: { ...ID_LIST, description: 'substation ids, comma-separated' },
  line: { ...ID_LIST, description: '10 kV line ids, comma-separated' },
  taiqu: { ...ID_LIST, description: 'taiqu ids, comma-separated' },
  accounts: { ...ID_LIST, pattern: '^\\d{6,20}(,\\d{6,20})*$', description: 'account numbers (户号), comma-separated' },
  format: FORMAT_QUERY,
  limit: LIMIT_QUERY,
  cursor: CURSOR_QUERY,
} as const;

interface FilterQuery {
  region?: string;
  substation?: string;
  line?: string;
  taiqu?: string;
  accounts?: string;
  format?: string;
  limit?: number;
  cursor?: string;
}

function filterOf(q: FilterQuery): MeterFilter {
  const f: MeterFilter = {};
  const put = (k: 'regions' | 'substations' | 'lines' | 'taiqus' | 'accounts', v: string | undefined): void => {
    const l = listOf(v);
    if (l) f[k] = l;
  };
  put('regions', q.region);
  put('substations', q.substation);
  put('lines', q.line);
  put('taiqus', q.taiqu);
  put('accounts', q.accounts);
  return f;
}

const CSV_DOC = (header: readonly string[]): string => `JSON page; with format=ndjson the same rows as lines, with format=csv a CSV with the header: ${header.join(',')}`;

export function billingRoutes(o: { billing: BillingService; config: ApiConfig }): FastifyPluginAsync {
  const b = o.billing;

  async function bulk<T>(
    req: FastifyRequest,
    reply: FastifyReply,
    q: FilterQuery,
    rows: (after: number | undefined) => AsyncGenerator<T>,
    keyOf: (t: T) => number,
    shape: { csv: CsvShape<T>; json: (t: T) => unknown; filename: string },
  ): Promise<unknown> {
    const format = formatOf(req, q.format);
    const after = intCursor(q.cursor);
    if (format !== 'json') return sendStream(reply, format, rows(after), { csv: shape.csv, toJson: shape.json, filename: shape.filename });
    const page = await collectPage(rows(after), pageLimit(q.limit, o.config.maxPageSize), (t) => [keyOf(t)]);
    return { items: page.items.map(shape.json), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
  }

  return async (app) => {
    /**
     * A frozen-readings export keyed by one period parameter (`date` or `month`, parsed before anything is
     * read, so a bad value is a 400 even when streaming): the three differ only in that and their source.
     */
    function readingExport<P>(
      url: string,
      period: PeriodLabel,
      summary: string,
      parse: (text: string) => P,
      rows: (p: P, f: MeterFilter, after: number | undefined) => AsyncGenerator<ReadingRow>,
    ): void {
      app.get<{ Querystring: FilterQuery & Partial<Record<PeriodLabel, string>> }>(
        url,
        {
          config: { roles: ROLES },
          schema: {
            summary,
            tags: ['billing'],
            querystring: { type: 'object', additionalProperties: false, required: [period], properties: { [period]: period === 'date' ? DATE : MONTH, ...FILTER_PROPS } },
            response: { 200: { description: CSV_DOC(readingCsv(period).header), ...pageOf(readingSchema(period)) }, ...errors(400, 404, 503) },
          },
        },
        async (req, reply) => {
          const text = req.query[period]!;
          const p = parse(text);
          const f = filterOf(req.query);
          b.checkFilter(f);
          const filename = `${url.slice(url.lastIndexOf('/') + 1)}-${text}`;
          return bulk<ReadingRow>(req, reply, req.query, (after) => rows(p, f, after), (r) => r.meter.id, { csv: readingCsv(period), json: readingJson(period), filename });
        },
      );
    }

    readingExport(
      '/billing/daily-readings',
      'date',
      'daily frozen readings (日冻结, data time 00:00 of the date) of every selected meter',
      (t) => dayOf(t, 'date'),
      (day, f, after) => b.daily(day, f, after),
    );
    readingExport(
      '/billing/monthly-readings',
      'month',
      'monthly frozen readings (月冻结, data time 00:00 of the 1st) of every selected meter',
      (t) => monthOf(t, 'month'),
      (month, f, after) => b.monthly(month, f, after),
    );
    readingExport(
      '/billing/reading-day',
      'date',
      'meter-reading-day export (抄表日): every account whose reading day is the day of `date`, one row per account and meter, registers total + per tariff, reading time and quality',
      (t) => dayOf(t, 'date'),
      (day, f, after) => b.readingDay(day, f, after),
    );

    app.get<{ Querystring: FilterQuery & { from: string; to: string; register?: RegisterName; source?: 'day' | 'month' } }>(
      '/billing/consumption',
      {
        config: { roles: ROLES },
        schema: {
          summary: 'consumption per account between two dates: difference of frozen readings, meter replacement and rollover handled, missing ends flagged (status), never guessed',
          tags: ['billing'],
          querystring: {
            type: 'object',
            additionalProperties: false,
            required: ['from', 'to'],
            properties: { from: DATE, to: DATE, register: REGISTER_QUERY, source: { type: 'string', enum: ['day', 'month'], description: 'daily (default) or monthly freezes (from/to must then be 1sts)' }, ...FILTER_PROPS },
          },
          response: { 200: { description: CSV_DOC(CONSUMPTION_CSV.header), ...pageOf(CONSUMPTION_SCHEMA) }, ...errors(400, 404, 503) },
        },
      },
      async (req, reply) => {
        const from = dayOf(req.query.from, 'from');
        const to = dayOf(req.query.to, 'to');
        checkRange(from, to, 3660);
        const source = req.query.source ?? 'day';
        if (source === 'month') {
          for (const [k, v] of [['from', req.query.from], ['to', req.query.to]] as const) {
            if (!v.endsWith('-01')) throw new InputError(k, `monthly freezes are taken on the 1st: '${v}' is not the 1st of a month`);
          }
        }
        const f = filterOf(req.query);
        b.checkFilter(f);
        const register = req.query.register ?? 'ea_imp';
        return bulk<AccountConsumption>(req, reply, req.query, (after) => b.consumption({ from, to, register, source, filter: f, ...(after !== undefined ? { after } : {}) }), (c) => c.meter.id, {
          csv: CONSUMPTION_CSV,
          json: consumptionJson,
          filename: `consumption-${req.query.from}-${req.query.to}`,
        });
      },
    );
  };
}
