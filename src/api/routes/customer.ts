/**
 * Customer service (95598 agents):
 *
 *   GET /api/v1/accounts?account=|meter=|name=&limit=            lookup
 *   GET /api/v1/accounts/{account}                               summary: meter, chain, readings, relay, balance, alarms, outage
 *   GET /api/v1/accounts/{account}/usage?from=&to=&granularity=  energy per day / month (frozen-reading differences)
 *   GET /api/v1/accounts/{account}/consumption?from=&to=         consumption between two dates (billing rules)
 *   GET /api/v1/accounts/{account}/curves?from=&to=&quantity=    15-min power / voltage / current / energy
 *   GET /api/v1/accounts/{account}/events?from=&to=&erc=         events of the meter and its terminal
 *   GET /api/v1/accounts/{account}/outage                        is the customer out, since when, why
 *   GET /api/v1/outages                                          current outages by area
 *   GET /api/v1/outages/customers?level=&id=&format=             customers affected (area or all)
 *
 * Roles: service, operator, engineer (outages: also operator).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { CustomerInfo } from '../../archive/archive.js';
import type { BillingService } from '../../billing/service.js';
import { checkRange, dateLabel, dayOf, instantOf, localIso, monthOf } from '../../billing/dates.js';
import { curvesJson } from './curve-json.js';
import { Limiter } from '../../scheduler/limiter.js';
import type { CustomerService } from '../../customer/service.js';
import { InputError } from '../../errors.js';
import type { AffectedCustomer, CustomerOutage, OutageService } from '../../outage/outage-service.js';
import type { AreaLevel } from '../../outage/topology.js';
import { NotFoundError } from '../../service/errors.js';
import { QUANTITIES, isQuantityName, type QuantityName } from '../../store/quantities.js';
import type { ApiConfig } from '../config.js';
import { CURSOR_QUERY, FORMAT_QUERY, LIMIT_QUERY, collectPage, decodeCursor, formatOf, pageLimit, sendStream, type CsvShape } from '../http.js';
import { ACCOUNT, ANY_OBJECT, DATE, DATETIME, ISO_TIME, MONTH, NULLABLE_NUMBER, errors, listOf, pageOf } from '../schemas.js';
import { consumptionJson, CONSUMPTION_SCHEMA, REGISTER_QUERY } from './billing-shapes.js';

const SERVICE = ['service', 'operator', 'engineer'] as const;
const OUTAGE_ROLES = ['service', 'operator', 'engineer'] as const;

const CUSTOMER = {
  type: 'object',
  properties: {
    account: { type: 'string' },
    customerId: { type: 'string' },
    name: { type: 'string' },
    address: { type: 'string' },
    taiqu: { type: 'string' },
    meterAddress: { type: 'string' },
    readingDay: { type: 'integer' },
    tariffClass: { type: 'string' },
    tariff: { type: 'string' },
    prepaid: { type: 'boolean' },
  },
} as const;

function customerJson(c: CustomerInfo): Record<string, unknown> {
  const { id: _id, accountNo, ...rest } = c;
  return { account: accountNo, ...rest };
}

const ACCOUNT_PARAMS = { type: 'object', required: ['account'], properties: { account: ACCOUNT } } as const;

const OUTAGE = {
  type: 'object',
  required: ['account', 'status', 'explanation'],
  properties: {
    account: { type: 'string' },
    status: { type: 'string', enum: ['supplied', 'out', 'unknown'] },
    cause: { type: 'string', enum: ['terminal-power-off', 'terminal-offline', 'relay-open', 'prepayment-trip'] },
    scope: { type: 'string', enum: ['customer', 'terminal', 'taiqu', 'line', 'substation'] },
    confirmed: { type: 'boolean' },
    since: ISO_TIME,
    explanation: { type: 'string' },
    taiqu: { type: 'string' },
    area: ANY_OBJECT,
    terminal: ANY_OBJECT,
    relay: ANY_OBJECT,
  },
} as const;

function isoOf(t: number | undefined): string | undefined {
  return t === undefined ? undefined : localIso(t);
}

/** Times in a nested object (keys ending in since/At/from/to holding numbers) as local ISO strings. */
function times(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(times);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === 'number' && /(since|At|^from|^to|^time)$/.test(k) ? localIso(x) : times(x)]));
  return v;
}

export function outageJson(o: CustomerOutage): Record<string, unknown> {
  return times(o) as Record<string, unknown>;
}

const AFFECTED_CSV: CsvShape<AffectedCustomer> = {
  header: ['account_no', 'customer_id', 'name', 'meter_address', 'terminal', 'taiqu', 'cause', 'scope', 'confirmed', 'since'],
  row: (a) => [a.account, a.customerId, a.name, a.meterAddress, a.terminal, a.taiqu, a.cause, a.scope, a.confirmed ? 'yes' : 'no', isoOf(a.since)],
};

const affectedJson = (a: AffectedCustomer): Record<string, unknown> => ({ ...a, ...(a.since !== undefined ? { since: localIso(a.since) } : {}) });

function quantitiesOf(text: string | undefined): QuantityName[] {
  const list = listOf(text) ?? ['p', 'u', 'i'];
  for (const q of list) if (!isQuantityName(q)) throw new InputError('quantity', `'${q}' is not a quantity (${[...QUANTITIES.keys()].join(', ')})`);
  return list as QuantityName[];
}

export function customerRoutes(o: { customers: CustomerService; outage?: OutageService; billing?: BillingService; config: ApiConfig }): FastifyPluginAsync {
  const cs = o.customers;
  const curveSlots = new Limiter(o.config.curveConcurrency);
  return async (app) => {
    app.get<{ Querystring: { account?: string; meter?: string; name?: string; limit?: number } }>(
      '/accounts',
      {
        config: { roles: SERVICE },
        schema: {
          summary: 'find customers by account number, meter address or a fragment of the name',
          tags: ['customer service'],
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: { account: ACCOUNT, meter: { type: 'string', pattern: '^\\d{12}$', description: '12-digit DL/T 645 address' }, name: { type: 'string', minLength: 1, maxLength: 64 }, limit: { type: 'integer', minimum: 1, maximum: 200 } },
          },
          response: { 200: pageOf(CUSTOMER), ...errors(400) },
        },
      },
      async (req) => {
        const q = req.query;
        if (q.account === undefined && q.meter === undefined && q.name === undefined) throw new InputError('account', 'give account, meter or name');
        return { items: cs.lookup({ ...q, limit: q.limit ?? 50 }).map(customerJson) };
      },
    );

    app.get<{ Params: { account: string } }>(
      '/accounts/:account',
      {
        config: { roles: SERVICE },
        schema: {
          summary: 'account summary: customer, meter, terminal, taiqu, line, substation, last readings, relay, prepayment, open alarms, outage',
          tags: ['customer service'],
          params: ACCOUNT_PARAMS,
          response: {
            200: {
              type: 'object',
              properties: {
                customer: CUSTOMER,
                meter: ANY_OBJECT,
                terminal: ANY_OBJECT,
                taiqu: ANY_OBJECT,
                line: ANY_OBJECT,
                substation: ANY_OBJECT,
                lastReadings: { type: 'array', items: ANY_OBJECT },
                relay: ANY_OBJECT,
                prepayment: ANY_OBJECT,
                openAlarms: { type: 'array', items: ANY_OBJECT },
                outage: OUTAGE,
              },
            },
            ...errors(400, 404, 503),
          },
        },
      },
      async (req) => {
        const s = await cs.summary(req.params.account);
        const { pw: _pw, ...terminal } = s.chain.terminal;
        return {
          customer: customerJson(s.chain.customer),
          meter: s.chain.meter,
          terminal,
          taiqu: s.chain.taiqu,
          line: s.chain.line,
          substation: s.chain.substation,
          lastReadings: times(s.lastReadings),
          ...(s.relay ? { relay: times(s.relay) } : {}),
          ...(s.prepayment ? { prepayment: s.prepayment } : {}),
          openAlarms: times(s.openAlarms),
          ...(s.outage ? { outage: outageJson(s.outage) } : {}),
        };
      },
    );

    app.get<{ Params: { account: string }; Querystring: { from: string; to: string; granularity?: 'day' | 'month'; register?: string } }>(
      '/accounts/:account/usage',
      {
        config: { roles: SERVICE },
        schema: {
          summary: 'energy per day or month from frozen readings (difference of the freezes at the start of each period and the next); missing ends are flagged, never guessed',
          tags: ['customer service'],
          params: ACCOUNT_PARAMS,
          querystring: {
            type: 'object',
            additionalProperties: false,
            required: ['from', 'to'],
            properties: { from: { anyOf: [DATE, MONTH] }, to: { anyOf: [DATE, MONTH] }, granularity: { type: 'string', enum: ['day', 'month'] }, register: REGISTER_QUERY },
          },
          response: {
            200: {
              type: 'object',
              properties: {
                account: { type: 'string' },
                granularity: { type: 'string' },
                register: { type: 'string' },
                unit: { type: 'string' },
                items: { type: 'array', items: { type: 'object', properties: { period: { type: 'string' }, from: ISO_TIME, to: ISO_TIME, status: { type: 'string' }, total: NULLABLE_NUMBER, rates: { type: 'array', items: NULLABLE_NUMBER } } } },
              },
            },
            ...errors(400, 404, 503),
          },
        },
      },
      async (req) => {
        const g = req.query.granularity ?? 'day';
        const register = (req.query.register ?? 'ea_imp') as QuantityName;
        const from = g === 'day' ? dayOf(req.query.from, 'from') : monthOf(req.query.from, 'from');
        const to = g === 'day' ? dayOf(req.query.to, 'to') : monthOf(req.query.to, 'to');
        checkRange(from, to, g === 'day' ? 366 : 3660);
        const u = await cs.usage(req.params.account, { from, to, granularity: g, register });
        return {
          account: req.params.account,
          granularity: g,
          register,
          unit: QUANTITIES.get(register)!.unit,
          items: u.items.map((x) => ({ period: g === 'day' ? dateLabel(x.from) : dateLabel(x.from).slice(0, 7), from: localIso(x.from), to: localIso(x.to), status: x.status, total: x.total, rates: x.rates })),
        };
      },
    );

    if (o.billing) {
      const billing = o.billing;
      app.get<{ Params: { account: string }; Querystring: { from: string; to: string; register?: string; source?: 'day' | 'month' } }>(
        '/accounts/:account/consumption',
        {
          config: { roles: [...SERVICE, 'billing'] },
          schema: {
            summary: 'consumption between two frozen readings, meter replacement and rollover handled, missing ends flagged',
            tags: ['customer service'],
            params: ACCOUNT_PARAMS,
            querystring: { type: 'object', additionalProperties: false, required: ['from', 'to'], properties: { from: DATE, to: DATE, register: REGISTER_QUERY, source: { type: 'string', enum: ['day', 'month'] } } },
            response: { 200: CONSUMPTION_SCHEMA, ...errors(400, 404, 503) },
          },
        },
        async (req) => {
          const from = dayOf(req.query.from, 'from');
          const to = dayOf(req.query.to, 'to');
          checkRange(from, to, 3660);
          const c = await billing.accountConsumption(req.params.account, { from, to, register: (req.query.register ?? 'ea_imp') as 'ea_imp', source: req.query.source ?? 'day' });
          return consumptionJson(c);
        },
      );
    }

    app.get<{ Params: { account: string }; Querystring: { from: string; to: string; quantity?: string } }>(
      '/accounts/:account/curves',
      {
        config: { roles: SERVICE },
        schema: {
          summary: 'curves (15-min points as collected): active power p, voltage u, current i, … for a time range (at most 366 days)',
          tags: ['customer service'],
          params: ACCOUNT_PARAMS,
          querystring: { type: 'object', additionalProperties: false, required: ['from', 'to'], properties: { from: DATETIME, to: DATETIME, quantity: { type: 'string', maxLength: 200, description: 'comma-separated quantities (default p,u,i)' } } },
          response: {
            200: {
              type: 'object',
              properties: {
                account: { type: 'string' },
                from: ISO_TIME,
                to: ISO_TIME,
                series: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      quantity: { type: 'string' },
                      unit: { type: 'string' },
                      fields: { type: 'array', items: { type: 'string' } },
                      points: { type: 'array', items: { type: 'object', properties: { time: ISO_TIME, values: { type: 'array', items: NULLABLE_NUMBER }, quality: { type: 'string' } } } },
                    },
                  },
                },
              },
            },
            ...errors(400, 404, 503),
          },
        },
      },
      async (req, reply) => {
        const from = instantOf(req.query.from, 'from');
        const to = instantOf(req.query.to, 'to');
        checkRange(from, to, 366);
        // Built a few at a time (api.curveConcurrency), written in one pass (curve-json.ts): the shape of the response schema above.
        const json = await curveSlots.run(async () => curvesJson(req.params.account, from, to, await cs.curves(req.params.account, { from, to, quantities: quantitiesOf(req.query.quantity) })));
        return reply.type('application/json; charset=utf-8').send(json);
      },
    );

    app.get<{ Params: { account: string }; Querystring: { from: string; to: string; erc?: string; limit?: number; cursor?: string } }>(
      '/accounts/:account/events',
      {
        config: { roles: SERVICE },
        schema: {
          summary: "events (ERC records) of the account's meter and of its terminal, in time order",
          tags: ['customer service'],
          params: ACCOUNT_PARAMS,
          querystring: {
            type: 'object',
            additionalProperties: false,
            required: ['from', 'to'],
            properties: { from: DATETIME, to: DATETIME, erc: { type: 'string', pattern: '^\\d{1,3}(,\\d{1,3})*$', description: 'ERC codes, comma-separated' }, limit: LIMIT_QUERY, cursor: CURSOR_QUERY },
          },
          response: {
            200: pageOf({ type: 'object', properties: { time: ISO_TIME, erc: { type: 'integer' }, name: { type: 'string' }, nameZh: { type: 'string' }, important: { type: 'boolean' }, level: { type: 'string', enum: ['meter', 'terminal'] }, record: ANY_OBJECT } }),
            ...errors(400, 404, 503),
          },
        },
      },
      async (req) => {
        const limit = pageLimit(req.query.limit, o.config.maxPageSize);
        const c = decodeCursor(req.query.cursor);
        // Cursor: (time, erc, index among equal keys) of the last event returned.
        const after = c ? { time: Number(c[0]), seq: Number(c[1]) } : undefined;
        const from = after ? after.time : instantOf(req.query.from, 'from');
        const to = instantOf(req.query.to, 'to');
        if (!after) checkRange(from, to, 3660);
        const erc = listOf(req.query.erc)?.map(Number);
        let seq = 0;
        let lastTime = -1;
        async function* rows(): AsyncGenerator<{ seq: number; json: Record<string, unknown> }> {
          for await (const e of cs.events(req.params.account, { from, to, ...(erc ? { erc } : {}) })) {
            seq = e.time === lastTime ? seq + 1 : 0;
            lastTime = e.time;
            if (after && e.time === after.time && seq <= after.seq) continue;
            yield { seq, json: { time: localIso(e.time), erc: e.erc, name: e.name, nameZh: e.nameZh, important: e.important, level: e.meter !== undefined ? 'meter' : 'terminal', record: e.record, _t: e.time } };
          }
        }
        const page = await collectPage(rows(), limit, (r) => [r.json._t as number, r.seq]);
        return { items: page.items.map(({ json: { _t, ...rest } }) => rest), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
      },
    );

    const outage = o.outage;
    if (!outage) return;

    app.get<{ Params: { account: string } }>(
      '/accounts/:account/outage',
      {
        config: { roles: OUTAGE_ROLES },
        schema: { summary: 'is this customer out, since when, why (terminal power loss, taiqu-/line-wide, own relay open / prepayment trip)', tags: ['customer service'], params: ACCOUNT_PARAMS, response: { 200: OUTAGE, ...errors(400, 404) } },
      },
      async (req) => outageJson(outage.customer(req.params.account)),
    );

    app.get(
      '/outages',
      {
        config: { roles: OUTAGE_ROLES },
        schema: {
          summary: 'current outages by area (substation, line, taiqu, terminal), widest first',
          tags: ['customer service'],
          response: {
            200: {
              type: 'object',
              properties: {
                at: ISO_TIME,
                customersOut: { type: 'integer' },
                relayOpen: { type: 'integer' },
                unknownTerminals: { type: 'integer' },
                areas: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      scope: { type: 'string' },
                      level: { type: 'string' },
                      id: { type: 'string' },
                      name: { type: 'string' },
                      cause: { type: 'string' },
                      confirmed: { type: 'boolean' },
                      since: ISO_TIME,
                      terminals: { type: 'integer' },
                      terminalsOut: { type: 'integer' },
                      customers: { type: 'integer' },
                    },
                  },
                },
              },
            },
            ...errors(),
          },
        },
      },
      async () => times(outage.summary()),
    );

    app.get<{ Querystring: { level?: AreaLevel; id?: string; format?: string; limit?: number; cursor?: string } }>(
      '/outages/customers',
      {
        config: { roles: OUTAGE_ROLES },
        schema: {
          summary: 'customers out (of one substation, line or taiqu, or everywhere) with the cause: JSON pages or a NDJSON/CSV stream',
          tags: ['customer service'],
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: { level: { type: 'string', enum: ['substation', 'line', 'taiqu'] }, id: { type: 'string', minLength: 1, maxLength: 64 }, format: FORMAT_QUERY, limit: LIMIT_QUERY, cursor: CURSOR_QUERY },
          },
          response: {
            200: {
              description: 'JSON page; with format=ndjson or csv the same rows streamed (CSV header: account_no,customer_id,name,meter_address,terminal,taiqu,cause,scope,confirmed,since)',
              ...pageOf({ type: 'object', properties: { account: { type: 'string' }, customerId: { type: 'string' }, name: { type: 'string' }, meterAddress: { type: 'string' }, terminal: { type: 'string' }, taiqu: { type: 'string' }, cause: { type: 'string' }, scope: { type: 'string' }, confirmed: { type: 'boolean' }, since: ISO_TIME } }),
            },
            ...errors(400, 404),
          },
        },
      },
      async (req, reply) => {
        const { level, id } = req.query;
        if ((level === undefined) !== (id === undefined)) throw new InputError(level === undefined ? 'level' : 'id', 'give level and id together (or neither for every area)');
        if (level && id && !outage.area(level, id)) throw new NotFoundError(level, `${level} ${id} is not in the archive`);
        const format = formatOf(req, req.query.format);
        if (format !== 'json') return sendStream(reply, format, outage.affected(level, id), { csv: AFFECTED_CSV, toJson: affectedJson, filename: `outage-customers${id ? `-${id}` : ''}` });
        const c = decodeCursor(req.query.cursor);
        const after = c ? { terminal: String(c[0]), account: String(c[1]) } : undefined;
        const page = await collectPage(outage.affected(level, id, after), pageLimit(req.query.limit, o.config.maxPageSize), (a) => [a.scope === 'customer' ? '~relay' : a.terminal, a.account]);
        return { items: page.items.map(affectedJson), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
      },
    );

  };
}
